"""The outbox's Celery tasks: thin wrappers over apps.core.outbox, taking ids."""

from celery import shared_task

from apps.core import outbox


@shared_task(ignore_result=True)
def outbox_sweep() -> int:
    """Every minute: claim due rows (and rows whose worker died) and hand each to a
    worker by id. The claim is what makes a row one worker's; a lost task only
    delays the row until its lease runs out."""
    ids = outbox.outbox_claim_due()
    for pk in ids:
        outbox_deliver_task.delay(pk)
    return len(ids)


@shared_task(ignore_result=True)
def outbox_deliver_task(pk: int) -> str:
    return outbox.outbox_deliver(pk)


@shared_task(ignore_result=True)
def outbox_deliver_now_task(pk: int) -> str:
    return outbox.outbox_deliver_now(pk)

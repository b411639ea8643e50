"""The outbox's Celery tasks: thin wrappers over apps.core.outbox, taking ids."""

from celery import shared_task
from celery.signals import worker_process_init, worker_process_shutdown

from apps.core import outbox

# Rows one sweep hands out at most. A sweep claims batch after batch until nothing
# more is due, so a backlog goes out at the workers' pace instead of 200 a minute;
# the cap keeps a large one from filling the broker faster than workers drain it
# (a row whose task waits longer than its lease is claimed, and queued, again).
SWEEP_MAX = 5000


@shared_task(ignore_result=True)
def outbox_sweep() -> int:
    """Every minute: claim due rows (and rows whose worker died) and hand each to a
    worker by id, with the attempt it was claimed for. The claim is what makes a row
    one worker's; a lost task only delays the row until its lease runs out, and a
    task for an attempt already made does nothing."""
    handed_out = 0
    # One broker connection for the whole sweep, not one from the pool per task.
    with outbox_deliver_task.app.producer_or_acquire() as producer:
        while handed_out < SWEEP_MAX:
            claimed = outbox.outbox_claim_due()
            for pk, attempt in claimed:
                outbox_deliver_task.apply_async((pk, attempt), producer=producer)
            handed_out += len(claimed)
            if len(claimed) < outbox.CLAIM_BATCH:
                break
    return handed_out


@shared_task(ignore_result=True)
def outbox_deliver_task(pk: int, attempt: int | None = None) -> str:
    return outbox.outbox_deliver_kept(pk, attempt=attempt)


@shared_task(ignore_result=True)
def outbox_deliver_now_task(pk: int) -> str:
    if not outbox.outbox_claim_now(pk):
        return "not-claimed"
    return outbox.outbox_deliver_kept(pk)


@worker_process_shutdown.connect
def _close_kept_connections(**_kwargs) -> None:
    """End the kept sessions (QUIT to the SMTP server) when a worker process ends."""
    outbox.kept_connection_close()


@worker_process_init.connect
def _finish_delivery_on_sigterm(**_kwargs) -> None:
    """A SIGTERM sent to every process of the worker (systemd, a dyno manager) lets a
    pool process finish and record the delivery it is in before it ends, as the
    main process's warm shutdown does (apps.core.outbox._SigtermAfterDelivery)."""
    outbox.sigterm_after_delivery.enabled = True

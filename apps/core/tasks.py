"""The outbox's Celery tasks: thin wrappers over apps.core.outbox, taking ids."""

from celery import shared_task
from celery.signals import worker_process_init, worker_process_shutdown

from apps.core import outbox

# Tasks the sweep lets wait in the queue at most. The workers must start each well
# within its claim's lease (30 s), or the claim runs out while the task waits and the
# next sweep claims the row, and queues a task for it, again: with a backlog of
# 5,000 the sweeps then spent minutes queueing tasks that did nothing, and the
# backlog took three times as long (issue 14, the burst test). One worker starts 50
# to 100 a second on a quiet machine and 17 on a very busy one: 200 wait 2 to 12 s.
SWEEP_QUEUE_MAX = 200


def _queued(producer) -> int:
    """Messages waiting in the default queue (0 when the broker cannot tell)."""
    try:
        declared = producer.channel.queue_declare(
            queue=outbox_deliver_task.app.conf.task_default_queue, passive=True
        )
        return int(declared.message_count)
    except Exception:  # a broker without queue sizes: the cap alone bounds a sweep
        return 0


@shared_task(ignore_result=True)
def outbox_sweep() -> int:
    """Every minute: claim due rows (and rows whose worker died) and hand each to a
    worker by id, with the attempt it was claimed for. The claim is what makes a row
    one worker's; a lost task only delays the row until its lease runs out, and a
    task for an attempt already made does nothing.

    It fills the queue up to SWEEP_QUEUE_MAX tasks, half a queueful per claim; when
    a backlog fills the first half, it queues itself behind it, so the next share
    is claimed while the workers send the second half: a backlog goes out at the
    workers' pace, never claimed long before a worker can start it, and the queue
    never runs dry. A sweep that finds the queue full does nothing."""
    handed_out = 0
    half = max(1, SWEEP_QUEUE_MAX // 2)
    # One broker connection for the whole sweep, not one from the pool per task.
    with outbox_deliver_task.app.producer_or_acquire() as producer:
        room = SWEEP_QUEUE_MAX - _queued(producer)
        queued_again = False
        while handed_out < room:
            batch = min(outbox.CLAIM_BATCH, half, room - handed_out)
            claimed = outbox.outbox_claim_due(batch=batch)
            for pk, attempt in claimed:
                outbox_deliver_task.apply_async((pk, attempt), producer=producer)
            handed_out += len(claimed)
            if len(claimed) < batch:
                break
            if not queued_again and handed_out >= min(half, room):
                outbox_sweep.apply_async(producer=producer)
                queued_again = True
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

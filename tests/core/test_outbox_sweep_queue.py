"""The sweep fills the queue up to SWEEP_QUEUE_MAX tasks and queues itself behind
them when more is due (apps.core.tasks.outbox_sweep); the burst test
(tests/faults/test_outbox_burst.py) shows what it is for on real services."""

import pytest
from django.utils import timezone

from apps.core import tasks
from apps.core.models import OutboundEmail

pytestmark = pytest.mark.django_db
Status = OutboundEmail.Status


@pytest.fixture
def published(monkeypatch):
    """What the sweep publishes, instead of the broker; the queue holds `queued`."""
    sent = {"deliver": [], "sweep": 0, "queued": 0}
    monkeypatch.setattr(
        tasks.outbox_deliver_task,
        "apply_async",
        lambda args, producer=None: sent["deliver"].append(tuple(args)),
    )

    def sweep_again(producer=None):
        sent["sweep"] += 1

    monkeypatch.setattr(tasks.outbox_sweep, "apply_async", sweep_again)
    monkeypatch.setattr(tasks, "_queued", lambda producer: sent["queued"])
    monkeypatch.setattr(tasks, "SWEEP_QUEUE_MAX", 5)
    return sent


def _due(count: int) -> None:
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            dedupe_key=f"q:{n}",
            kind="test",
            from_email="a@example.test",
            to=["b@example.test"],
            subject="s",
            text="t",
            due_at=timezone.now(),
        )
        for n in range(count)
    )


def test_a_backlog_is_handed_out_a_queueful_at_a_time(published):
    _due(12)
    assert tasks.outbox_sweep() == 5
    assert (len(published["deliver"]), published["sweep"]) == (5, 1)
    assert OutboundEmail.objects.filter(status=Status.PENDING).count() == 7


def test_what_is_already_queued_counts(published):
    _due(12)
    published["queued"] = 3
    assert tasks.outbox_sweep() == 2
    assert published["sweep"] == 1


def test_a_full_queue_means_no_claim_and_no_second_sweep(published):
    _due(3)
    published["queued"] = 5
    assert tasks.outbox_sweep() == 0
    assert (published["deliver"], published["sweep"]) == ([], 0)
    assert OutboundEmail.objects.filter(status=Status.PENDING).count() == 3


def test_the_next_sweep_is_queued_behind_the_first_half(published, monkeypatch):
    _due(12)
    order = []
    monkeypatch.setattr(
        tasks.outbox_deliver_task, "apply_async", lambda args, producer=None: order.append("d")
    )
    monkeypatch.setattr(tasks.outbox_sweep, "apply_async", lambda producer=None: order.append("s"))
    tasks.outbox_sweep()
    assert "".join(order) == "ddsddd"


def test_less_due_than_half_a_queue_and_no_second_sweep(published):
    _due(1)
    assert tasks.outbox_sweep() == 1
    assert (len(published["deliver"]), published["sweep"]) == (1, 0)

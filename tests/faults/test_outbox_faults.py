"""The outbox under faults, on real PostgreSQL, Redis, SMTP and Celery processes.

Each test ends with the same check: every due email reached the SMTP server exactly
once (by Message-ID, which carries the dedupe key), every row is `sent` (or, for
permanent refusals, `failed` with the reason), and nothing is left `sending`.
"""

import time
from datetime import timedelta

import psutil
import pytest
import redis
from django.utils import timezone

from apps.core.models import OutboundEmail
from tests.faults.conftest import (
    all_settled,
    assert_delivered_exactly_once,
    describe,
    kill_and_find_unfinished,
    make_due,
    status_counts,
    talking_to,
    wait_until,
)

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]
Status = OutboundEmail.Status


@pytest.mark.parametrize("victim", ["pool-child", "parent"])
def test_worker_killed_mid_batch_each_email_once(victim, smtp, celery_procs, sweeper):
    recorder, smtp_port = smtp
    make_due(500, prefix="kill")
    worker = celery_procs.worker("first")
    sweeps = sweeper()
    wait_until(
        lambda: recorder.delivered() >= 150,
        timeout=60,
        what="150 emails delivered",
        diagnose=describe(recorder, celery_procs),
    )

    parent = psutil.Process(worker.pid)
    children = parent.children()
    if victim == "pool-child":
        # Frozen while one is chosen: the one talking to the SMTP server, if any.
        for child in children:
            child.suspend()
        victims = [child for child in children if talking_to(child, smtp_port)][:1]
        victims = victims or children[:1]
    else:
        victims = [parent, *children]
    resent = kill_and_find_unfinished(victims, recorder=recorder, smtp_port=smtp_port)
    for child in set(children) - set(victims):
        child.resume()
    delivered_at_kill = recorder.delivered()
    celery_procs.worker("second")
    wait_until(
        all_settled, timeout=90, what="every row settled", diagnose=describe(recorder, celery_procs)
    )
    sweeps.stop()

    assert delivered_at_kill < 500
    assert status_counts() == {Status.SENT: 500}
    assert_delivered_exactly_once(recorder, resent=resent)
    assert len(recorder.counts()) == 500


def test_redis_lost_without_saving_mid_batch_each_email_once(
    smtp, celery_procs, sweeper, fault_redis
):
    recorder, _ = smtp
    make_due(500, prefix="redis")
    celery_procs.worker("first")
    sweeps = sweeper()
    wait_until(
        lambda: recorder.delivered() >= 150,
        timeout=60,
        what="150 emails delivered",
        diagnose=describe(recorder, celery_procs),
    )

    # The sweeps wait while Redis is lost and back, so what the test reads in the
    # restarted Redis is what survived the loss, not a task a sweep has just queued.
    with sweeps.paused():
        with redis.Redis(port=fault_redis.port) as client:
            queued = client.llen("celery")
        delivered_at_shutdown = recorder.delivered()
        fault_redis.shutdown_nosave()
        time.sleep(1)
        fault_redis.start()
        with redis.Redis(port=fault_redis.port) as client:
            # The queue and the unacknowledged tasks; the worker's reconnection may
            # already have declared its bindings again, which is not a task.
            queued_after_restart = client.llen("celery") + client.hlen("unacked")
    # Deployed workers run as replicas under a restart policy (docker-compose.yml,
    # docs/deployment.md): Celery's worker does not always survive its broker going
    # away (kombu raises while closing its channels and the worker exits), and the
    # outbox must not depend on it doing so. A second worker is that replica.
    celery_procs.worker("second")
    wait_until(
        all_settled, timeout=90, what="every row settled", diagnose=describe(recorder, celery_procs)
    )
    sweeps.stop()

    assert (queued > 0, delivered_at_shutdown < 500, queued_after_restart) == (True, True, 0)
    assert status_counts() == {Status.SENT: 500}
    assert_delivered_exactly_once(recorder)


def test_eight_concurrent_sweepers_each_email_once(smtp, celery_procs, sweeper):
    recorder, _ = smtp
    make_due(500, prefix="sweepers")
    celery_procs.worker("first")

    sweeps = sweeper(threads=8, every=0.2)
    wait_until(
        all_settled, timeout=90, what="every row settled", diagnose=describe(recorder, celery_procs)
    )
    sweeps.stop()

    assert sweeps.errors == []
    assert status_counts() == {Status.SENT: 500}
    assert_delivered_exactly_once(recorder)


def test_two_beat_schedulers_each_email_once(smtp, celery_procs, test_broker):
    recorder, _ = smtp
    make_due(300, prefix="beats")
    celery_procs.worker("first")

    celery_procs.beat("beat-a", every=1)
    celery_procs.beat("beat-b", every=1)
    wait_until(
        all_settled, timeout=90, what="every row settled", diagnose=describe(recorder, celery_procs)
    )

    assert status_counts() == {Status.SENT: 300}
    assert_delivered_exactly_once(recorder)


def test_beat_stopped_three_intervals_catches_up_each_once(smtp, celery_procs, test_broker):
    recorder, _ = smtp
    every = 2.0
    celery_procs.worker("first")
    beat = celery_procs.beat("beat", every=every)
    make_due(50, prefix="before")
    wait_until(
        lambda: recorder.delivered() == 50,
        timeout=60,
        what="the first 50 emails",
        diagnose=describe(recorder, celery_procs),
    )

    celery_procs.stop(beat)
    stopped = timezone.now()
    make_due(
        150,
        prefix="during",
        due_at=lambda n: stopped + timedelta(seconds=n % 30 / 10 * every),
    )
    time.sleep(3 * every + 0.5)
    during_outage = status_counts()
    restarted = timezone.now()
    celery_procs.beat("beat-again", every=every)
    wait_until(
        all_settled, timeout=60, what="every row settled", diagnose=describe(recorder, celery_procs)
    )

    assert during_outage == {Status.SENT: 50, Status.PENDING: 150}
    assert status_counts() == {Status.SENT: 200}
    assert_delivered_exactly_once(recorder)
    caught_up = OutboundEmail.objects.filter(dedupe_key__startswith="during:")
    assert min(row.sent_at for row in caught_up) >= restarted
    assert max(row.sent_at for row in caught_up) - restarted < timedelta(seconds=15)


def test_smtp_temporary_refusal_retried_then_each_once(smtp, celery_procs, sweeper):
    recorder, _ = smtp
    recorder.tempfail_for(4)
    make_due(100, prefix="busy")
    celery_procs.worker("first")

    sweeps = sweeper()
    wait_until(
        all_settled, timeout=90, what="every row settled", diagnose=describe(recorder, celery_procs)
    )
    sweeps.stop()

    rows = list(OutboundEmail.objects.all())
    assert status_counts() == {Status.SENT: 100}
    assert_delivered_exactly_once(recorder)
    assert recorder.tempfailed > 0
    # Every refusal was one recorded attempt, and nothing else was.
    assert sum(row.attempts for row in rows) == 100 + recorder.tempfailed
    assert {row.last_error for row in rows} == {""}


def test_smtp_permanent_refusal_fails_visibly(smtp, celery_procs, sweeper):
    recorder, _ = smtp
    recorder.refuse = {f"person{n}@example.test" for n in range(0, 100, 10)}
    make_due(100, prefix="refused")
    celery_procs.worker("first")

    sweeps = sweeper()
    wait_until(
        all_settled, timeout=60, what="every row settled", diagnose=describe(recorder, celery_procs)
    )
    sweeps.stop()

    failed = OutboundEmail.objects.filter(status=Status.FAILED).order_by("pk")
    assert status_counts() == {Status.SENT: 90, Status.FAILED: 10}
    assert [row.to for row in failed] == [[address] for address in sorted(recorder.refuse)]
    assert {row.attempts for row in failed} == {1}
    assert all("550" in row.last_error for row in failed)
    assert recorder.refused == 10
    assert_delivered_exactly_once(recorder)

"""The outbox under faults, on real PostgreSQL, Redis, SMTP and Celery processes.

Each test ends with the same check: every due email reached the SMTP server exactly
once (by Message-ID, which carries the dedupe key), every row is `sent` (or, for
permanent refusals, `failed` with the reason), and nothing is left `sending`.
"""

import os
import re
import signal
import threading
import time
from datetime import timedelta

import psutil
import pytest
import redis
from django.db import connections
from django.utils import timezone

from apps.core.models import OutboundEmail
from tests.faults.conftest import (
    LEASE_SECONDS,
    SETTLE_SECONDS,
    SWEEP_SECONDS,
    all_settled,
    assert_delivered_exactly_once,
    describe,
    kill_and_find_unfinished,
    make_due,
    record_max_delay,
    status_counts,
    talking_to,
    wait_until,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]
Status = OutboundEmail.Status
# A row whose task or worker was lost waits for its lease to run out and the next
# sweep, behind the rows already queued: the longest wait a test with a lost task
# allows from due to sent. The two minutes are for sending the whole batch through
# one worker, which takes 10 s on a quiet machine and 35 s on a very busy one.
RECOVERED_WITHIN = 120 + LEASE_SECONDS + 2 * SWEEP_SECONDS


@pytest.mark.parametrize("victim", ["pool-child", "parent"])
def test_worker_killed_mid_batch_each_email_once(victim, smtp, celery_procs, sweeper, request):
    recorder, smtp_port = smtp
    make_due(300, prefix="kill")
    worker = celery_procs.worker("first")
    sweeps = sweeper()
    wait_until(
        lambda: recorder.delivered() >= 100,
        timeout=60,
        what="100 emails delivered",
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
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )
    sweeps.stop()

    assert delivered_at_kill < 300
    assert status_counts() == {Status.SENT: 300}
    assert_delivered_exactly_once(recorder, resent=resent)
    assert len(recorder.counts()) == 300
    assert record_max_delay(request) < RECOVERED_WITHIN


def test_redis_lost_without_saving_mid_batch_each_email_once(
    smtp, celery_procs, sweeper, fault_redis, request
):
    recorder, _ = smtp
    make_due(300, prefix="redis")
    worker = celery_procs.worker("first")
    sweeps = sweeper()
    wait_until(
        lambda: recorder.delivered() >= 100,
        timeout=60,
        what="100 emails delivered",
        diagnose=describe(recorder, celery_procs),
    )

    # Nothing may write to the broker between its loss and the look at what came
    # back: the sweeps wait, and the worker is frozen (it would put back the task
    # it holds, which is what it kept, not what Redis kept).
    worker_procs = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children()]
    with sweeps.paused():
        with redis.Redis(port=fault_redis.port) as client:
            queued = client.llen("celery")
        for proc in worker_procs:
            proc.suspend()
        delivered_at_shutdown = recorder.delivered()
        fault_redis.shutdown_nosave()
        time.sleep(1)
        fault_redis.start()
        with redis.Redis(port=fault_redis.port) as client:
            queued_after_restart = client.llen("celery") + client.hlen("unacked")
        for proc in worker_procs:
            proc.resume()
    # Deployed workers run as replicas under a restart policy (docker-compose.yml,
    # docs/deployment.md): Celery's worker does not always survive its broker going
    # away (kombu raises while closing its channels and the worker exits), and the
    # outbox must not depend on it doing so. A second worker is that replica.
    celery_procs.worker("second")
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )
    sweeps.stop()

    # Delivery first: whatever the broker looked like, each email went once.
    assert status_counts() == {Status.SENT: 300}
    assert_delivered_exactly_once(recorder)
    assert record_max_delay(request) < RECOVERED_WITHIN
    assert (queued > 0, delivered_at_shutdown < 300, queued_after_restart) == (True, True, 0)


@pytest.mark.parametrize("when", ["before-250", "at-random"])
def test_worker_database_sessions_ended_mid_batch_each_email_once(
    when, smtp, celery_procs, sweeper, terminator, request
):
    """The issue's fault: PostgreSQL ends the workers' sessions (pg_terminate_backend,
    as a failover or a pooler restart would) while they deliver. `before-250`: while
    a worker waits for the SMTP server's "250 queued", its session idle, which
    cuts off exactly the `sent` UPDATE that follows; every 20th message, ten times.
    `at-random`: every 0.3 s for 6 s, whatever the workers are doing."""
    recorder, _ = smtp
    make_due(300, prefix="dropped")
    cut_before_250: list[int] = []

    def end_sessions(message_id: str) -> None:
        due = recorder.delivered() % 20 == 0 and len(cut_before_250) < 10
        if due and terminator.end_worker_sessions():
            cut_before_250.append(int(re.match(r"<outbox-(\d+)\.", message_id)[1]))

    stop = threading.Event()

    def end_sessions_every_while():
        deadline = time.monotonic() + 6
        while not stop.wait(0.3) and time.monotonic() < deadline:
            terminator.end_worker_sessions()

    worker = celery_procs.worker("first")
    ending = threading.Thread(target=end_sessions_every_while)
    if when == "before-250":
        recorder.before_250 = end_sessions
    sweeps = sweeper()
    wait_until(
        lambda: recorder.delivered() >= 50,
        timeout=60,
        what="50 emails delivered",
        diagnose=describe(recorder, celery_procs),
    )
    if when == "at-random":
        ending.start()
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )
    stop.set()
    if ending.is_alive():
        ending.join(10)
    sweeps.stop()
    recorder.before_250 = None

    assert worker.poll() is None, "the worker died"
    assert status_counts() == {Status.SENT: 300}
    # No resend: every message the server accepted was recorded, even when the
    # session that was to record it had been ended.
    assert_delivered_exactly_once(recorder)
    assert len(recorder.counts()) == 300
    assert record_max_delay(request) < RECOVERED_WITHIN
    assert terminator.ended > 0
    log = worker.log.read_text(errors="replace")
    if when == "before-250":
        assert len(cut_before_250) == 10
        recorded_again = {
            int(pk) for pk in re.findall(r"recording (\d+) sent lost its database connection", log)
        }
        assert set(cut_before_250) <= recorded_again


def test_eight_concurrent_sweepers_each_email_once(smtp, celery_procs, sweeper, request):
    recorder, _ = smtp
    make_due(300, prefix="sweepers")
    celery_procs.worker("first")

    sweeps = sweeper(threads=8, every=0.2)
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )
    sweeps.stop()

    assert sweeps.errors == []
    assert status_counts() == {Status.SENT: 300}
    assert_delivered_exactly_once(recorder)
    record_max_delay(request)


def test_two_beat_schedulers_each_email_once(smtp, celery_procs, test_broker, request):
    recorder, _ = smtp
    make_due(300, prefix="beats")
    celery_procs.worker("first")

    celery_procs.beat("beat-a", every=1)
    celery_procs.beat("beat-b", every=1)
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )

    assert status_counts() == {Status.SENT: 300}
    assert_delivered_exactly_once(recorder)
    record_max_delay(request)


def test_beat_stopped_three_intervals_catches_up_each_once(
    smtp, celery_procs, test_broker, request
):
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
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )

    assert during_outage == {Status.SENT: 50, Status.PENDING: 150}
    assert status_counts() == {Status.SENT: 200}
    assert_delivered_exactly_once(recorder)
    record_max_delay(request)
    caught_up = OutboundEmail.objects.filter(dedupe_key__startswith="during:")
    assert min(row.sent_at for row in caught_up) >= restarted
    assert max(row.sent_at for row in caught_up) - restarted < timedelta(seconds=15)


def test_smtp_temporary_refusal_retried_then_each_once(smtp, celery_procs, sweeper, request):
    recorder, _ = smtp
    make_due(100, prefix="busy")
    celery_procs.worker("first")

    # From the first delivery on, not from before the worker started (which can
    # take longer than the refusal lasts on a busy machine).
    recorder.tempfail_for(4)
    sweeps = sweeper()
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )
    sweeps.stop()

    rows = list(OutboundEmail.objects.all())
    assert status_counts() == {Status.SENT: 100}
    assert_delivered_exactly_once(recorder)
    record_max_delay(request)
    assert recorder.tempfailed > 0
    # Every refusal was one recorded attempt, and nothing else was.
    assert sum(row.attempts for row in rows) == 100 + recorder.tempfailed
    assert {row.last_error for row in rows} == {""}


def test_smtp_permanent_refusal_fails_visibly(smtp, celery_procs, sweeper, request):
    recorder, _ = smtp
    recorder.refuse = {f"person{n}@example.test" for n in range(0, 100, 10)}
    make_due(100, prefix="refused")
    celery_procs.worker("first")

    sweeps = sweeper()
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )
    sweeps.stop()

    failed = OutboundEmail.objects.filter(status=Status.FAILED).order_by("pk")
    assert status_counts() == {Status.SENT: 90, Status.FAILED: 10}
    assert [row.to for row in failed] == [[address] for address in sorted(recorder.refuse)]
    assert {row.attempts for row in failed} == {1}
    assert all("550" in row.last_error for row in failed)
    assert recorder.refused == 10
    assert_delivered_exactly_once(recorder)
    record_max_delay(request)


def test_postgres_restarted_mid_batch_each_email_once(
    own_postgres, smtp, celery_procs, request, capsys
):
    """PostgreSQL itself restarted (`pg_ctl restart -m fast`: every session ended,
    the server down for a moment, up again) twice while the worker delivers. It is
    a cluster of the test's own (`own_postgres`): the shared server is never
    touched. Beat is a real `celery beat`, the sweep a task in the worker."""
    recorder, _ = smtp
    make_due(150, prefix="restart")
    worker = celery_procs.worker("first")
    assert f":{own_postgres.port}/" in celery_procs.env["DATABASE_URL"]
    celery_procs.beat("beat", every=SWEEP_SECONDS)
    delivered_at_restart = []
    for threshold in (40, 90):
        wait_until(
            lambda threshold=threshold: recorder.delivered() >= threshold,
            timeout=60,
            what=f"{threshold} emails delivered",
            diagnose=describe(recorder, celery_procs),
        )
        own_postgres.restart()
        delivered_at_restart.append(recorder.delivered())
        # This process's own connection went with the restart too.
        connections.close_all()
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )

    assert worker.poll() is None, "the worker died"
    assert delivered_at_restart[-1] < 150
    assert status_counts() == {Status.SENT: 150}
    # A result whose recording met the restart was written again once the server
    # was back (the retries last about 7 s, a fast restart takes one or two).
    assert_delivered_exactly_once(recorder)
    assert len(recorder.counts()) == 150
    assert record_max_delay(request) < RECOVERED_WITHIN
    with capsys.disabled():
        print(
            f"\n  PostgreSQL restarts took {', '.join(f'{t:.1f} s' for t in own_postgres.restarts)}"
            f" (after {delivered_at_restart} deliveries)"
        )


@pytest.mark.parametrize("target", ["main-process", "process-group"])
def test_worker_stopped_with_sigterm_mid_batch_finishes_what_it_started(
    target, smtp, celery_procs, request
):
    """The worker stopped with SIGTERM while it sends: `main-process` as Docker and
    Compose do (`docker stop` signals PID 1, and Celery's warm shutdown lets the pool
    finish its tasks), `process-group` as systemd (`KillMode=control-group`) and
    dyno managers do, which signal the pool processes too: each of those finishes
    and records the delivery it is in before it ends
    (apps.core.outbox._SigtermAfterDelivery). Either way nothing is left half done:
    no row the stopped worker had taken is still `sending`, and nothing is sent
    twice; the rows it had not started go out through the next worker."""
    recorder, _ = smtp
    make_due(150, prefix="sigterm")
    worker = celery_procs.worker("first")
    pool = psutil.Process(worker.pid).children()
    signalled = threading.Event()

    def stop_while_it_waits_for_250(message_id: str) -> None:
        # On the SMTP server's thread, while a pool process waits for this "250":
        # the signal reaches a delivery in flight every time.
        if recorder.delivered() >= 40 and not signalled.is_set():
            signalled.set()
            if target == "main-process":
                worker.send_signal(signal.SIGTERM)
            else:
                os.killpg(worker.pid, signal.SIGTERM)

    recorder.before_250 = stop_while_it_waits_for_250
    celery_procs.beat("beat", every=SWEEP_SECONDS)
    wait_until(
        signalled.is_set,
        timeout=60,
        what="40 emails delivered and the signal sent",
        diagnose=describe(recorder, celery_procs),
    )
    worker.wait(timeout=30)
    recorder.before_250 = None
    psutil.wait_procs(pool, timeout=10)
    delivered_at_stop = recorder.delivered()
    # A row is `sending` with an attempt counted only while a delivery has it (or
    # after its worker died in one): every one the stopped worker had started got
    # its result first. (Rows claimed but not yet taken count no attempt.)
    unfinished = list(
        OutboundEmail.objects.filter(status=Status.SENDING, attempts__gt=0).values_list(
            "dedupe_key", flat=True
        )
    )
    celery_procs.worker("second")
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )

    assert unfinished == []
    assert delivered_at_stop < 150
    assert status_counts() == {Status.SENT: 150}
    assert_delivered_exactly_once(recorder)
    assert len(recorder.counts()) == 150
    assert record_max_delay(request) < RECOVERED_WITHIN
    log = worker.log.read_text(errors="replace")
    assert "Warm shutdown" in log
    if target == "process-group":
        # The signal reached a pool process inside a delivery, which finished it.
        assert "SIGTERM came during a delivery; stopping after it" in log


def test_smtp_closing_after_data_is_retried_and_only_those_go_twice(
    smtp, celery_procs, sweeper, request
):
    """The SMTP server takes a message and closes the connection instead of
    answering "250", for every 12th message, six times. The sender cannot know
    whether the server kept it: such a message counts as not delivered, is retried
    (not lost, not `failed`), and reaches the server a second time, with the same
    Message-ID. Those six, and only those, arrive twice: the server here kept each
    of them, as a real one may (docs/reminders.md, "What can still send twice")."""
    recorder, _ = smtp
    make_due(100, prefix="closed")

    def close_every_25th(message_id: str) -> bool:
        return (
            recorder.delivered() % 12 == 0
            and len(recorder.closed_after_data) < 6
            and message_id not in recorder.closed_after_data
        )

    recorder.close_instead_of_250 = close_every_25th
    worker = celery_procs.worker("first")
    sweeps = sweeper()
    wait_until(
        all_settled,
        timeout=SETTLE_SECONDS,
        what="every row settled",
        diagnose=describe(recorder, celery_procs),
    )
    sweeps.stop()
    recorder.close_instead_of_250 = None

    closed = set(recorder.closed_after_data)
    rows = list(OutboundEmail.objects.all())
    assert len(closed) == 6
    assert status_counts() == {Status.SENT: 100}
    assert_delivered_exactly_once(recorder, resent=closed)
    assert {row.message_id: row.attempts for row in rows if row.attempts != 1} == dict.fromkeys(
        closed, 2
    )
    assert record_max_delay(request) < RECOVERED_WITHIN
    log = worker.log.read_text(errors="replace")
    assert log.count("Connection unexpectedly closed") >= 6

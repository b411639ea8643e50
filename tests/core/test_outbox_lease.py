"""The outbox when its database connection goes, and the lease a delivery renews.

On real PostgreSQL: a connection is lost the way production loses one, by the
server ending its session (`pg_terminate_backend`, what a failover, a pooler
restart or an administrator does), or by the server not answering at all. SMTP is
the one thing replaced (`FakeSMTP`, outside the process).
"""

import logging
import smtplib
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from apps.core import outbox
from apps.core.models import OutboundEmail
from apps.core.outbox import (
    Claimed,
    Verdict,
    outbox_claim_due,
    outbox_deliver,
    outbox_lease_renew,
    outbox_register_guard,
    outbox_row,
)
from tests.core.test_outbox import FakeSMTP, _smtp

Status = OutboundEmail.Status

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def outbox_settings(settings, monkeypatch):
    settings.EMAIL_OUTBOX_LEASE_SECONDS = 300
    settings.EMAIL_OUTBOX_BACKOFF_SECONDS = 60
    monkeypatch.setattr(outbox, "RECORD_PAUSES", (0.05, 0.05, 0.05))


@pytest.fixture
def guards(monkeypatch):
    monkeypatch.setattr(outbox, "_guards", {k: list(v) for k, v in outbox._guards.items()})


def _admin() -> psycopg.Connection:
    """A connection of the test's own, outside Django, to end Django's sessions."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate(pid: int) -> None:
    """End that session as the server does, and wait until it has ended."""
    with _admin() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, f"session {pid} did not end"
            time.sleep(0.02)


class TerminatingSMTP(FakeSMTP):
    """Accepts each message, then (while the outbox waits for the "250 queued", its
    database connection idle) has the server end the outbox's database session."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.terminated: list[int] = []

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        self.terminated.append(_backend_pid())
        _terminate(self.terminated[-1])
        return sent


def _claimed(key: str = "thanks:7", *, kind: str = "test.reminder") -> OutboundEmail:
    """A due row, claimed. Saved rather than enqueued: in autocommit, enqueuing would
    hand it at once to the test settings' inline delivery."""
    outbox_row(
        key=key,
        kind=kind,
        subject="Send your thank-you",
        text="Within 24 hours, please.",
        to=["sam@northfield.test"],
        due_at=timezone.now() - timedelta(minutes=1),
    ).save()
    [claimed] = outbox_claim_due()
    return OutboundEmail.objects.get(pk=claimed.pk)


def _row(pk: int) -> OutboundEmail:
    return OutboundEmail.objects.get(pk=pk)


# --- Recording a result on a new connection -------------------------------------------


def test_sent_is_recorded_on_a_new_connection_after_the_server_ended_the_session(caplog):
    # The case: the session was ended while it sat idle during the SMTP
    # exchange; the `sent` UPDATE must not be lost with it.
    row = _claimed()
    smtp = TerminatingSMTP()
    smtp.open()

    with caplog.at_level(logging.WARNING, logger="apps.core.outbox"):
        result = outbox_deliver(row.pk, connection=smtp, attempt=1)

    sent = _row(row.pk)
    assert result == "sent"
    assert len(smtp.sent) == 1
    assert (sent.status, sent.lease_until, sent.attempts) == (Status.SENT, None, 1)
    assert _backend_pid() != smtp.terminated[0]
    assert f"recording {row.pk} sent lost its database connection" in caplog.text


def test_sent_is_recorded_when_the_server_ends_the_session_mid_update():
    # The UPDATE itself is cut off while in flight (here: while it waits for a row
    # lock another session holds). Whether or not it had committed, the new try on a
    # new connection leaves the row `sent`, once.
    row = _claimed()
    holder = _admin()
    holder.autocommit = False
    cut: list[int] = []

    def cut_the_update(pid: int) -> None:
        with _admin() as admin:
            deadline = time.monotonic() + 10
            while not admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                [pid],
            ).fetchone():
                assert time.monotonic() < deadline, "the UPDATE never waited for the lock"
                time.sleep(0.01)
        _terminate(pid)
        cut.append(pid)
        holder.rollback()

    class LockedRowSMTP(FakeSMTP):
        def send_messages(self, messages):
            sent = super().send_messages(messages)
            holder.execute("SELECT 1 FROM core_outboundemail WHERE id = %s FOR UPDATE", [row.pk])
            self.cutter = threading.Thread(target=cut_the_update, args=[_backend_pid()])
            self.cutter.start()
            return sent

    smtp = LockedRowSMTP()
    smtp.open()
    try:
        result = outbox_deliver(row.pk, connection=smtp, attempt=1)
        smtp.cutter.join(10)
    finally:
        holder.close()

    assert (result, len(smtp.sent), len(cut)) == ("sent", 1, 1)
    assert _row(row.pk).status == Status.SENT


def test_sent_that_cannot_be_recorded_is_left_to_the_lease_and_said(settings, caplog):
    # The database stays out of reach for longer than the retries: the row stays
    # `sending` (its lease brings it back), and the log says it will go again.
    row = _claimed()
    port = connection.settings_dict["PORT"]

    class UnreachableAfterSend(TerminatingSMTP):
        def send_messages(self, messages):
            sent = super().send_messages(messages)
            # Nothing answers there: every new connection is refused.
            connection.settings_dict["PORT"] = "1"
            return sent

    smtp = UnreachableAfterSend()
    smtp.open()
    try:
        with (
            caplog.at_level(logging.WARNING, logger="apps.core.outbox"),
            pytest.raises(DatabaseError),
        ):
            outbox_deliver(row.pk, connection=smtp, attempt=1)
    finally:
        connection.settings_dict["PORT"] = port
        connection.close()

    left = _row(row.pk)
    assert len(smtp.sent) == 1
    assert (left.status, left.attempts) == (Status.SENDING, 1)
    assert caplog.text.count(f"recording {row.pk} sent lost its database connection") == 3
    assert f"outbox {row.pk} was accepted by the email server but could not be recorded" in (
        caplog.text
    )


def test_a_session_ended_while_the_worker_waited_is_replaced_before_the_row_is_read():
    # Ended between two tasks: the next delivery does not fail on its first query.
    row = _claimed()
    _terminate(_backend_pid())
    smtp = _smtp()

    assert outbox_deliver(row.pk, connection=smtp, attempt=1) == "sent"

    assert len(smtp.sent) == 1
    assert _row(row.pk).status == Status.SENT


def test_a_retry_after_an_smtp_error_is_recorded_on_a_new_connection():
    row = _claimed()

    class RefuseThenTerminate(FakeSMTP):
        def send_messages(self, messages):
            _terminate(_backend_pid())
            raise smtplib.SMTPDataError(451, b"Busy")

    smtp = RefuseThenTerminate()
    smtp.open()

    assert outbox_deliver(row.pk, connection=smtp, attempt=1) == "retry"

    left = _row(row.pk)
    assert (left.status, left.attempts, left.lease_until) == (Status.PENDING, 1, None)
    assert "451" in left.last_error


def test_nothing_is_retried_inside_a_transaction():
    # A transaction is lost with its connection; only its owner can start it again.
    row = _claimed()
    smtp = TerminatingSMTP()
    smtp.open()

    with pytest.raises(DatabaseError), transaction.atomic():
        outbox_deliver(row.pk, connection=smtp, attempt=1)

    connection.close()
    assert _row(row.pk).status == Status.SENDING


# --- Renewing the lease -----------------------------------------------------------------


def _taken(key: str = "thanks:7") -> OutboundEmail:
    """A row claimed and taken for attempt 1, as a delivery leaves it before sending."""
    row = _claimed(key)
    until = timezone.now() + timedelta(seconds=300)
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=1, lease_until=until)
    row.refresh_from_db()
    return row


def test_renewal_extends_the_lease_of_the_delivery_that_holds_it():
    row = _taken()
    before = timezone.now()

    until = outbox_lease_renew(row.pk, attempt=1, held_until=row.lease_until)

    assert until is not None
    assert before + timedelta(seconds=300) <= until <= timezone.now() + timedelta(seconds=300)
    assert _row(row.pk).lease_until == until


def test_renewal_by_an_older_attempt_changes_nothing():
    row = _taken()
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=2)

    assert outbox_lease_renew(row.pk, attempt=1, held_until=row.lease_until) is None
    assert _row(row.pk).lease_until == row.lease_until


@pytest.mark.parametrize("status", [Status.SENT, Status.PENDING, Status.CANCELLED])
def test_renewal_of_a_row_no_longer_sending_changes_nothing(status):
    row = _taken()
    OutboundEmail.objects.filter(pk=row.pk).update(status=status)

    assert outbox_lease_renew(row.pk, attempt=1, held_until=row.lease_until) is None
    assert _row(row.pk).lease_until == row.lease_until


def test_renewal_after_the_sweep_took_the_row_back_changes_nothing():
    # The holder missed its renewals for a whole lease (frozen, cut off): the sweep
    # claimed the row again, with a lease of its own, for the same attempt number.
    row = _taken()
    expired = timezone.now() - timedelta(seconds=1)
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=expired)
    [claimed] = outbox_claim_due()
    reclaimed = _row(row.pk).lease_until

    assert claimed == Claimed(row.pk, 2)
    assert outbox_lease_renew(row.pk, attempt=1, held_until=expired) is None
    assert _row(row.pk).lease_until == reclaimed


def test_a_row_renewed_in_time_is_not_taken_back():
    row = _taken()
    almost = timezone.now() + timedelta(milliseconds=200)
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=almost)

    assert outbox_lease_renew(row.pk, attempt=1, held_until=almost) is not None
    assert outbox_claim_due(now=almost + timedelta(seconds=1)) == []


def _in_thread(target, *args):
    result: list = []

    def run():
        try:
            result.append(target(*args))
        except BaseException as exc:
            result.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_renewal_waiting_on_the_sweeps_lock_finds_the_row_taken_back():
    # Both at once: the sweep has locked the expired row and is claiming it; the
    # renewal waits for the lock, then must see the sweep's lease, not renew it.
    row = _taken()
    expired = timezone.now() - timedelta(seconds=1)
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=expired)
    locked, release = threading.Event(), threading.Event()

    def sweep():
        with transaction.atomic():
            claimed = outbox_claim_due()
            locked.set()
            release.wait(10)
        return claimed

    sweeper, claimed = _in_thread(sweep)
    assert locked.wait(10)
    renewer, renewed = _in_thread(lambda: outbox_lease_renew(row.pk, attempt=1, held_until=expired))
    with _admin() as admin:
        deadline = time.monotonic() + 10
        while not admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'UPDATE %%core_outboundemail%%'"
        ).fetchone():
            assert time.monotonic() < deadline, "the renewal never waited for the sweep's lock"
            time.sleep(0.01)
    release.set()
    sweeper.join(10)
    renewer.join(10)

    assert claimed == [[Claimed(row.pk, 2)]]
    assert renewed == [None]


def test_the_sweep_skips_a_row_whose_renewal_is_under_way():
    # The other order: the renewal holds the row; the sweep skips it (SKIP LOCKED),
    # and once the renewal commits the lease is out of the sweep's reach.
    row = _taken()
    expired = timezone.now() - timedelta(seconds=1)
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=expired)
    locked, release = threading.Event(), threading.Event()

    def renew():
        with transaction.atomic():
            until = outbox_lease_renew(row.pk, attempt=1, held_until=expired)
            locked.set()
            release.wait(10)
        return until

    renewer, renewed = _in_thread(renew)
    assert locked.wait(10)
    during = outbox_claim_due()
    release.set()
    renewer.join(10)

    assert during == []
    assert renewed[0] is not None
    assert outbox_claim_due() == []


# --- The lease keeper, during a delivery ---------------------------------------------------


def test_a_long_delivery_keeps_its_row_by_renewing_the_lease(settings):
    # An SMTP exchange lasting two leases: the row stays this delivery's.
    settings.EMAIL_OUTBOX_LEASE_SECONDS = 1.2
    row = _claimed()
    during: list = []

    class SlowSMTP(FakeSMTP):
        def send_messages(self, messages):
            time.sleep(2.5)
            during.append(outbox_claim_due())
            return super().send_messages(messages)

    smtp = SlowSMTP()
    smtp.open()
    started = time.monotonic()

    assert outbox_deliver(row.pk, connection=smtp, attempt=1) == "sent"

    assert time.monotonic() - started >= 2.5
    assert during == [[]]
    assert len(smtp.sent) == 1
    assert _row(row.pk).status == Status.SENT


def test_a_delivery_that_lost_its_row_before_sending_sends_nothing(settings, guards):
    # The sweep took the row back while its guards ran (this worker stood still for
    # a whole lease): the renewal finds it gone, the delivery stops before the SMTP
    # exchange, and the attempt that has it now sends it, once.
    settings.EMAIL_OUTBOX_LEASE_SECONDS = 0.6
    row = _claimed(kind="slow.reminder")
    reclaimed: list = []

    def stalled_guard(email):
        OutboundEmail.objects.filter(pk=email.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        reclaimed.extend(outbox_claim_due())
        time.sleep(1.5)  # several renewal periods (0.2 s)
        return Verdict("send")

    outbox_register_guard("slow.", stalled_guard)
    first = _smtp()

    assert outbox_deliver(row.pk, connection=first, attempt=1) == "not-claimed"
    assert first.sent == []
    assert reclaimed == [Claimed(row.pk, 2)]

    outbox._guards.pop("slow.")
    second = _smtp()
    assert outbox_deliver(row.pk, connection=second, attempt=2) == "sent"
    assert len(second.sent) == 1
    assert _row(row.pk).attempts == 2

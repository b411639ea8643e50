"""The outbox: transactional enqueue, claim with a lease, delivery with its guards,
retries and failures, and the synchronous sweep behind `send_due_reminders`.

SMTP is outside the process, so it is the one thing replaced: by `FakeSMTP`, a
stand-in for Django's SMTP backend that records or raises, passed as the
connection or installed as EMAIL_BACKEND.
"""

import io
import smtplib
import threading
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from apps.core import outbox
from apps.core.models import OutboundEmail
from apps.core.outbox import (
    MAX_ATTEMPTS,
    Claimed,
    Verdict,
    outbox_claim_due,
    outbox_deliver,
    outbox_enqueue,
    outbox_register_guard,
    outbox_send_due,
)

Status = OutboundEmail.Status
LEASE = timedelta(seconds=300)
BACKOFF = timedelta(seconds=60)

# FakeSMTP objects that get_connection() made while EMAIL_BACKEND named FakeSMTP.
BACKENDS: list["FakeSMTP"] = []


class FakeSMTP(BaseEmailBackend):
    """Django's SMTP backend as the outbox sees it: open, send_messages, close. Sends
    nothing; raises the errors it is given, one per message, in order. A
    disconnect leaves it unusable until it is closed and opened again, as smtplib
    does."""

    def __init__(self, *errors, **kwargs):
        super().__init__(**kwargs)
        self.errors = list(errors)
        self.sent: list = []
        self.opened = 0
        self.closed = 0
        self.connected = False
        self.on_close = None
        BACKENDS.append(self)

    def open(self):
        # As Django's SMTP backend: a no-op returning False when already open.
        if self.connected:
            return False
        self.opened += 1
        self.connected = True
        return True

    def close(self):
        self.closed += 1
        self.connected = False
        if self.on_close:
            self.on_close()

    def send_messages(self, messages):
        if not self.connected:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        if self.errors:
            error = self.errors.pop(0)
            if isinstance(error, smtplib.SMTPServerDisconnected):
                self.connected = False
            raise error
        self.sent.extend(messages)
        return len(messages)


def _smtp(*errors) -> FakeSMTP:
    """A connection as `outbox_send_due` passes it: already open."""
    smtp = FakeSMTP(*errors)
    smtp.open()
    return smtp


@pytest.fixture(autouse=True)
def outbox_settings(settings):
    settings.EMAIL_OUTBOX_LEASE_SECONDS = 300
    settings.EMAIL_OUTBOX_BACKOFF_SECONDS = 60
    BACKENDS.clear()


@pytest.fixture
def fake_backend(settings):
    settings.EMAIL_BACKEND = "tests.core.test_outbox.FakeSMTP"
    return BACKENDS


@pytest.fixture
def guards(monkeypatch):
    """Guards registered in a test are forgotten after it."""
    monkeypatch.setattr(outbox, "_guards", {k: list(v) for k, v in outbox._guards.items()})


def _queue(key: str = "thanks:7", *, due_at=None, to: str = "sam@northfield.test", **kwargs):
    return outbox_enqueue(
        key=key,
        kind=kwargs.pop("kind", "test.reminder"),
        subject="Send your thank-you",
        text="Within 24 hours, please.",
        html="<p>Within 24 hours, please.</p>",
        to=[to],
        due_at=due_at or timezone.now() - timedelta(minutes=1),
        **kwargs,
    )


def _claimed(key: str = "thanks:7", **kwargs) -> OutboundEmail:
    row = _queue(key, **kwargs)
    [claimed] = outbox_claim_due()
    assert claimed.pk == row.pk
    row.refresh_from_db()
    return row


# --- Enqueue ------------------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_rolled_back_transaction_leaves_no_row(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError("the change that caused the email failed")

    assert OutboundEmail.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_enqueue_same_key_twice_keeps_one_row():
    first = _queue("checkin:12:2026-11")

    second = _queue("checkin:12:2026-11")

    assert first is not None
    assert second is None
    assert list(OutboundEmail.objects.values_list("dedupe_key", flat=True)) == [
        "checkin:12:2026-11"
    ]


@pytest.mark.django_db
def test_enqueue_due_now_is_delivered_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = _queue()
        assert mailoutbox == []

    row.refresh_from_db()
    assert [m.subject for m in mailoutbox] == ["Send your thank-you"]
    assert (row.status, row.attempts) == (Status.SENT, 1)


@pytest.mark.django_db
def test_enqueue_due_later_is_not_delivered_after_commit(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = _queue(due_at=timezone.now() + timedelta(hours=4))

    row.refresh_from_db()
    assert (callbacks, mailoutbox, row.status) == ([], [], Status.PENDING)


# --- Claim --------------------------------------------------------------------------


@pytest.mark.django_db
def test_claim_takes_due_pending_rows_with_a_lease_and_leaves_future_ones():
    now = timezone.now()
    due = _queue("a", due_at=now - timedelta(minutes=5))
    also_due = _queue("b", due_at=now)
    later = _queue("c", due_at=now + timedelta(seconds=1))

    claimed = outbox_claim_due(now=now)

    assert claimed == [Claimed(due.pk, 1), Claimed(also_due.pk, 1)]
    rows = {row.dedupe_key: row for row in OutboundEmail.objects.all()}
    assert (rows["a"].status, rows["a"].lease_until) == (Status.SENDING, now + LEASE)
    assert (rows["b"].status, rows["b"].lease_until) == (Status.SENDING, now + LEASE)
    assert (rows["c"].status, rows["c"].lease_until) == (Status.PENDING, None)
    assert later.pk == rows["c"].pk
    assert outbox_claim_due(now=now) == []


@pytest.mark.django_db
def test_claim_takes_back_a_row_only_when_its_lease_ran_out():
    then = timezone.now() - timedelta(minutes=10)
    row = _queue(due_at=then)
    outbox_claim_due(now=then)

    assert outbox_claim_due(now=then + LEASE) == []
    claimed_again = outbox_claim_due(now=then + LEASE + timedelta(microseconds=1))

    row.refresh_from_db()
    assert claimed_again == [Claimed(row.pk, 1)]
    assert row.lease_until == then + LEASE + timedelta(microseconds=1) + LEASE


@pytest.mark.django_db
def test_claim_respects_the_batch_size():
    for n in range(5):
        _queue(f"k{n}")

    assert len(outbox_claim_due(batch=3)) == 3
    assert len(outbox_claim_due(batch=3)) == 2


# --- Deliver ------------------------------------------------------------------------


@pytest.mark.django_db
def test_deliver_sends_with_the_deterministic_message_id_and_marks_sent(mailoutbox):
    row = _claimed("thanks:42", reply_to=["sam@northfield.test"])
    before = timezone.now()

    result = outbox_deliver(row.pk)

    row.refresh_from_db()
    [message] = mailoutbox
    mime = message.message()
    assert result == "sent"
    assert mime["Message-ID"] == f"<outbox-{row.pk}.thanks.42@fieldnotes>"
    assert row.message_id == f"<outbox-{row.pk}.thanks.42@fieldnotes>"
    assert (message.to, message.reply_to, message.subject) == (
        ["sam@northfield.test"],
        ["sam@northfield.test"],
        "Send your thank-you",
    )
    assert message.alternatives[0].content == "<p>Within 24 hours, please.</p>"
    assert (row.status, row.attempts, row.lease_until, row.last_error) == (
        Status.SENT,
        1,
        None,
        "",
    )
    assert before <= row.sent_at <= timezone.now()


@pytest.mark.django_db
def test_deliver_over_a_given_connection_uses_it():
    row = _claimed()
    smtp = _smtp()

    assert outbox_deliver(row.pk, connection=smtp) == "sent"

    assert [m.extra_headers["Message-ID"] for m in smtp.sent] == [row.message_id]
    assert (smtp.opened, smtp.closed) == (1, 0)


@pytest.mark.django_db
def test_deliver_guard_cancels(guards, mailoutbox):
    outbox_register_guard("test.", lambda row: Verdict("cancel", reason="thank-you sent"))
    row = _claimed()

    assert outbox_deliver(row.pk) == "cancelled"

    row.refresh_from_db()
    assert mailoutbox == []
    assert (row.status, row.attempts, row.lease_until, row.last_error) == (
        Status.CANCELLED,
        0,
        None,
        "thank-you sent",
    )


@pytest.mark.django_db
def test_deliver_guard_defers(guards, mailoutbox):
    morning = timezone.now() + timedelta(hours=9)
    outbox_register_guard("test.", lambda row: Verdict("defer", until=morning))
    row = _claimed()

    assert outbox_deliver(row.pk) == "deferred"

    row.refresh_from_db()
    assert mailoutbox == []
    assert (row.status, row.attempts, row.lease_until, row.due_at) == (
        Status.PENDING,
        0,
        None,
        morning,
    )


@pytest.mark.django_db
def test_deliver_guard_of_another_kind_is_not_asked(guards, mailoutbox):
    outbox_register_guard("followups.", lambda row: Verdict("cancel"))
    row = _claimed(kind="interviews.request")

    assert outbox_deliver(row.pk) == "sent"
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_deliver_guard_error_counts_as_a_failed_attempt(guards, mailoutbox):
    def broken(row):
        raise LookupError("interview 7 has no meeting")

    outbox_register_guard("test.", broken)
    row = _claimed()

    assert outbox_deliver(row.pk) == "retry"

    row.refresh_from_db()
    assert mailoutbox == []
    assert (row.status, row.attempts, row.last_error) == (
        Status.PENDING,
        1,
        "LookupError: interview 7 has no meeting",
    )


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPResponseException(451, b"4.3.0 Try again later"),
        smtplib.SMTPRecipientsRefused({"sam@northfield.test": (452, b"4.2.2 Mailbox full")}),
        ConnectionRefusedError(111, "Connection refused"),
    ],
    ids=["disconnected", "451", "rcpt-452", "refused"],
)
@pytest.mark.django_db
def test_deliver_transient_error_goes_back_to_pending_with_backoff(error):
    row = _claimed()
    smtp = _smtp(error)

    before = timezone.now()
    result = outbox_deliver(row.pk, connection=smtp)
    after = timezone.now()

    row.refresh_from_db()
    assert result == "retry"
    assert (row.status, row.attempts, row.lease_until) == (Status.PENDING, 1, None)
    assert before + BACKOFF <= row.due_at <= after + BACKOFF
    assert row.last_error.startswith(type(error).__name__ + ": ")


@pytest.mark.django_db
def test_deliver_backoff_doubles_each_attempt():
    row = _claimed()
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=3)

    before = timezone.now()
    outbox_deliver(row.pk, connection=_smtp(smtplib.SMTPResponseException(421, b"busy")))
    after = timezone.now()

    row.refresh_from_db()
    assert row.attempts == 4
    assert before + 8 * BACKOFF <= row.due_at <= after + 8 * BACKOFF


@pytest.mark.django_db
def test_deliver_fails_after_max_attempts():
    row = _claimed()
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 1)

    result = outbox_deliver(row.pk, connection=_smtp(smtplib.SMTPServerDisconnected("gone")))

    failed = OutboundEmail.objects.get(pk=row.pk)
    assert result == "failed"
    assert (failed.status, failed.attempts, failed.lease_until, failed.due_at) == (
        Status.FAILED,
        MAX_ATTEMPTS,
        None,
        row.due_at,
    )
    assert failed.last_error == "SMTPServerDisconnected: gone"


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPResponseException(550, b"5.1.1 No such mailbox"),
        smtplib.SMTPRecipientsRefused({"sam@northfield.test": (550, b"5.1.1 No such mailbox")}),
        smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "no-reply@fieldnotes"),
    ],
    ids=["550", "rcpt-550", "sender-553"],
)
@pytest.mark.django_db
def test_deliver_permanent_refusal_fails_at_once(error):
    row = _claimed()
    smtp = _smtp(error)

    result = outbox_deliver(row.pk, connection=smtp)

    row.refresh_from_db()
    assert result == "failed"
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert "55" in row.last_error


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENT, Status.CANCELLED, Status.FAILED])
@pytest.mark.django_db
def test_deliver_row_not_sending_does_nothing(status, mailoutbox):
    row = _queue()
    OutboundEmail.objects.filter(pk=row.pk).update(status=status)

    assert outbox_deliver(row.pk) == "gone"

    row.refresh_from_db()
    assert (row.status, row.attempts, mailoutbox) == (status, 0, [])


@pytest.mark.django_db
def test_deliver_row_that_is_gone_does_nothing(mailoutbox):
    assert outbox_deliver(123456) == "gone"
    assert mailoutbox == []


@pytest.mark.django_db
def test_deliver_task_from_an_older_claim_does_nothing_once_an_attempt_started(mailoutbox):
    # The row was claimed (attempt 1), its task waited in the queue until the
    # lease ran out, the sweep claimed it again (attempt 1 again) and that task
    # ran first and failed for a while: the first task, arriving late, must not
    # deliver attempt 1 on top.
    then = timezone.now() - timedelta(hours=1)
    row = _queue(due_at=then)
    [first] = outbox_claim_due(now=then)
    [second] = outbox_claim_due()
    assert first == second == Claimed(row.pk, 1)
    smtp = _smtp(smtplib.SMTPServerDisconnected("gone"))
    assert outbox_deliver(row.pk, connection=smtp, attempt=second.attempt) == "retry"
    [third] = outbox_claim_due(now=timezone.now() + BACKOFF + timedelta(seconds=5))
    assert third == Claimed(row.pk, 2)

    assert outbox_deliver(row.pk, attempt=first.attempt) == "not-claimed"
    assert mailoutbox == []
    assert outbox_deliver(row.pk, attempt=third.attempt) == "sent"
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_deliver_same_claim_twice_at_once_sends_once():
    # The broker hands the same task to two workers: the second arrives while the
    # first is talking to the SMTP server.
    row = _claimed()
    second_delivery = []

    class SlowSMTP(FakeSMTP):
        def send_messages(self, messages):
            inner = _smtp()
            second_delivery.append(outbox_deliver(row.pk, connection=inner, attempt=1))
            second_delivery.append(inner.sent)
            return super().send_messages(messages)

    smtp = SlowSMTP()
    smtp.open()

    assert outbox_deliver(row.pk, connection=smtp, attempt=1) == "sent"
    assert second_delivery == ["not-claimed", []]
    assert len(smtp.sent) == 1
    assert OutboundEmail.objects.get(pk=row.pk).attempts == 1


@pytest.mark.django_db
def test_deliver_gives_up_a_row_whose_attempts_all_died(mailoutbox):
    # Each attempt took the row and its worker died before finishing (the lease ran
    # out each time): it must end visible, not go round for ever.
    row = _claimed()
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS)

    assert outbox_deliver(row.pk, attempt=MAX_ATTEMPTS + 1) == "failed"

    row.refresh_from_db()
    assert mailoutbox == []
    assert (row.status, row.attempts, row.last_error) == (
        Status.FAILED,
        MAX_ATTEMPTS,
        f"{MAX_ATTEMPTS} attempts started and none finished",
    )


class StatusAtCloseSMTP(FakeSMTP):
    """Notes the outbox's statuses when the SMTP session ends (the QUIT)."""

    def close(self):
        super().close()
        self.statuses_at_close = list(OutboundEmail.objects.values_list("status", flat=True))


@pytest.mark.django_db
def test_deliver_marks_sent_before_it_ends_its_smtp_session(fake_backend, settings):
    # Nothing but the UPDATE may stand between the server's "queued" and the row
    # being `sent`: not even the QUIT.
    settings.EMAIL_BACKEND = "tests.core.test_outbox.StatusAtCloseSMTP"
    row = _claimed()

    assert outbox_deliver(row.pk) == "sent"

    [smtp] = fake_backend
    assert (smtp.opened, smtp.closed, len(smtp.sent)) == (1, 1, 1)
    assert smtp.statuses_at_close == [Status.SENT]


# --- The synchronous sweep and its command -------------------------------------------


@pytest.mark.django_db
def test_send_due_sends_many_rows_over_one_connection(fake_backend):
    for n in range(7):
        _queue(f"digest:{n}")
    _queue("later", due_at=timezone.now() + timedelta(hours=1))

    counts = outbox_send_due(batch=3)

    [smtp] = fake_backend
    assert counts == {"sent": 7}
    assert (smtp.opened, smtp.closed, len(smtp.sent)) == (1, 1, 7)
    assert sorted(OutboundEmail.objects.values_list("status", flat=True)) == [
        Status.PENDING,
        *[Status.SENT] * 7,
    ]


class DisconnectOnceSMTP(FakeSMTP):
    def __init__(self, **kwargs):
        super().__init__(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), **kwargs)


@pytest.mark.django_db
def test_send_due_reconnects_after_a_disconnect(fake_backend, settings):
    settings.EMAIL_BACKEND = "tests.core.test_outbox.DisconnectOnceSMTP"
    for n in range(4):
        _queue(f"digest:{n}")

    counts = outbox_send_due()

    [smtp] = fake_backend
    assert counts == {"retry": 1, "sent": 3}
    assert (smtp.opened, smtp.closed, len(smtp.sent)) == (2, 2, 3)


@pytest.mark.django_db
def test_send_due_reminders_prints_counts_and_is_safe_to_rerun(fake_backend, settings):
    settings.EMAIL_BACKEND = "tests.core.test_outbox.DisconnectOnceSMTP"
    for key in ["a", "b", "c"]:
        _queue(key)
    first, second = io.StringIO(), io.StringIO()

    call_command("send_due_reminders", stdout=first)
    call_command("send_due_reminders", stdout=second)

    assert first.getvalue() == "sent 2, retry 1, failed 0, deferred 0, cancelled 0\n"
    assert second.getvalue() == "sent 0, retry 0, failed 0, deferred 0, cancelled 0\n"
    assert [len(smtp.sent) for smtp in fake_backend] == [2]
    assert sorted(OutboundEmail.objects.values_list("status", flat=True)) == [
        Status.PENDING,
        Status.SENT,
        Status.SENT,
    ]


# --- Concurrency (PostgreSQL) ---------------------------------------------------------


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_claim_from_eight_threads_never_takes_a_row_twice():
    due = timezone.now() - timedelta(minutes=1)
    rows = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            dedupe_key=f"race:{n}",
            kind="test.reminder",
            from_email="no-reply@fieldnotes.localhost",
            to=[f"person{n}@example.test"],
            subject="s",
            text="t",
            due_at=due,
        )
        for n in range(400)
    )
    start = threading.Barrier(8)
    taken: list[list[int]] = [[] for _ in range(8)]
    errors: list[BaseException] = []

    def sweep(mine: list[int]) -> None:
        try:
            start.wait(timeout=10)
            while claimed := outbox_claim_due(batch=20):
                mine.extend(pk for pk, _ in claimed)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(mine,)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    all_taken = [pk for mine in taken for pk in mine]
    assert errors == []
    assert len(all_taken) == len(set(all_taken))
    assert sorted(all_taken) == sorted(row.pk for row in rows)
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {Status.SENDING}

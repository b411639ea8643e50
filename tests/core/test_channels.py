"""Channels: the outbox delivers a row through the channel it names. A second
channel is a few lines (`FakeSMS`, a gateway outside the process, so the one thing
faked here) registered in a test; it goes through the outbox's machinery
unchanged. The email channel builds the same message it always did.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import channels, outbox, tasks
from apps.core.channels import UnknownChannel, channel_for, channel_register
from apps.core.channels.email import EmailChannel
from apps.core.models import OutboundEmail
from apps.core.outbox import (
    Verdict,
    outbox_bulk_enqueue,
    outbox_claim_due,
    outbox_deliver,
    outbox_enqueue,
    outbox_register_guard,
    outbox_row,
    outbox_send_due,
)

pytestmark = pytest.mark.django_db
Status = OutboundEmail.Status
BACKOFF = timedelta(seconds=60)


class GatewayError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class GatewaySession:
    def __init__(self):
        self.is_open = False
        self.opened = self.closed = 0
        self.statuses_at_close: list[list[str]] = []

    def open(self):
        if not self.is_open:
            self.opened += 1
            self.is_open = True

    def close(self):
        self.closed += 1
        self.is_open = False
        self.statuses_at_close.append(list(OutboundEmail.objects.values_list("status", flat=True)))


class FakeSMS:
    """An SMS channel: the text to the numbers in `to`. Raises the errors it is
    given, one per message; answers `alive` as told."""

    name = "sms"

    def __init__(self, *errors):
        self.errors = list(errors)
        self.sent: list[tuple[list[str], str]] = []
        self.sessions: list[GatewaySession] = []
        self.alive_answer, self.alive_asked = True, 0

    def connect(self):
        self.sessions.append(GatewaySession())
        return self.sessions[-1]

    def send(self, row, connection):
        if not connection.is_open:
            raise GatewayError("not connected")
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((row.to, row.text))

    def is_permanent(self, exc):
        return getattr(exc, "permanent", False)

    def alive(self, connection):
        self.alive_asked += 1
        return self.alive_answer


@pytest.fixture(autouse=True)
def outbox_settings(settings):
    settings.EMAIL_OUTBOX_LEASE_SECONDS = 300
    settings.EMAIL_OUTBOX_BACKOFF_SECONDS = 60


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Channels and guards registered in a test are forgotten after it."""
    monkeypatch.setattr(channels, "_channels", dict(channels._channels))
    monkeypatch.setattr(outbox, "_guards", {k: list(v) for k, v in outbox._guards.items()})
    outbox.kept_connection_close()
    yield
    outbox.kept_connection_close()


@pytest.fixture
def sms():
    channel = FakeSMS()
    channel_register(channel)
    return channel


def _queue(key: str, *, channel: str = "email", **kwargs) -> OutboundEmail:
    to = ["+44 7700 900123"] if channel == "sms" else ["sam@northfield.test"]
    return outbox_enqueue(
        key=key,
        kind="test.reminder",
        subject="Send your thank-you",
        text="Send Jordan your thank-you today.",
        to=to,
        due_at=timezone.now() - timedelta(minutes=1),
        channel=channel,
        **kwargs,
    )


def _claimed(key: str, **kwargs) -> OutboundEmail:
    row = _queue(key, **kwargs)
    [claimed] = outbox_claim_due()
    assert claimed.pk == row.pk
    return row


# --- Rows name their channel ----------------------------------------------------------


def test_outbox_row_is_email_unless_told():
    email = outbox_row(key="a", kind="test.reminder", subject="s", text="t", to=["a@x.test"])
    text = outbox_row(key="b", kind="test.reminder", subject="", text="t", to=["+1"], channel="sms")

    outbox_bulk_enqueue([email, text])

    assert list(OutboundEmail.objects.values_list("dedupe_key", "channel")) == [
        ("a", "email"),
        ("b", "sms"),
    ]


# --- The registry -----------------------------------------------------------------------


def test_email_is_registered_at_start_up():
    assert isinstance(channel_for("email"), EmailChannel)


def test_channel_for_an_unknown_name_says_so():
    with pytest.raises(UnknownChannel, match="no channel is registered as 'fax'"):
        channel_for("fax")


def test_register_refuses_a_second_channel_under_a_taken_name(sms):
    channel_register(sms)  # the same one again changes nothing

    with pytest.raises(ValueError, match="registered as 'sms' already"):
        channel_register(FakeSMS())
    assert channel_for("sms") is sms


def test_register_refuses_what_is_not_a_channel():
    class NoAlive:
        name = "pager"

        def connect(self): ...
        def send(self, row, connection): ...
        def is_permanent(self, exc): ...

    with pytest.raises(TypeError):
        channel_register(NoAlive())
    with pytest.raises(UnknownChannel):
        channel_for("pager")


# --- A second channel, through the same machinery --------------------------------------


def test_sms_row_is_sent_by_its_channel_and_marked_sent_before_its_session_ends(sms, mailoutbox):
    row = _claimed("thanks:7:sms", channel="sms")

    assert outbox_deliver(row.pk) == "sent"

    row.refresh_from_db()
    [session] = sms.sessions
    assert sms.sent == [(["+44 7700 900123"], "Send Jordan your thank-you today.")]
    assert mailoutbox == []
    assert (row.status, row.attempts, row.lease_until, row.last_error) == (
        Status.SENT,
        1,
        None,
        "",
    )
    assert (session.opened, session.closed, session.statuses_at_close) == (1, 1, [[Status.SENT]])


def test_sms_temporary_error_goes_back_to_pending_with_backoff(sms):
    sms.errors = [GatewayError("503 gateway busy")]
    row = _claimed("thanks:7:sms", channel="sms")

    before = timezone.now()
    result = outbox_deliver(row.pk)
    after = timezone.now()

    row.refresh_from_db()
    assert result == "retry"
    assert (row.status, row.attempts, row.lease_until, row.last_error) == (
        Status.PENDING,
        1,
        None,
        "GatewayError: 503 gateway busy",
    )
    assert before + BACKOFF <= row.due_at <= after + BACKOFF
    assert sms.sent == []


def test_sms_backoff_doubles_each_attempt(sms):
    sms.errors = [GatewayError("503 gateway busy")]
    row = _claimed("thanks:7:sms", channel="sms")
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=2)

    before = timezone.now()
    assert outbox_deliver(row.pk) == "retry"
    after = timezone.now()

    row.refresh_from_db()
    assert row.attempts == 3
    assert before + 4 * BACKOFF <= row.due_at <= after + 4 * BACKOFF


def test_sms_permanent_error_fails_at_once(sms):
    sms.errors = [GatewayError("21211 not a mobile number", permanent=True)]
    row = _claimed("thanks:7:sms", channel="sms")
    due_at = row.due_at

    assert outbox_deliver(row.pk) == "failed"

    row.refresh_from_db()
    assert (row.status, row.attempts, row.lease_until, row.due_at, row.last_error) == (
        Status.FAILED,
        1,
        None,
        due_at,
        "GatewayError: 21211 not a mobile number",
    )


def test_sms_row_is_put_to_the_guards_of_its_kind(sms):
    asked = []
    morning = timezone.now() + timedelta(hours=9)

    def quiet_hours(row):
        asked.append(row.channel)
        return Verdict("defer", until=morning)

    outbox_register_guard("test.", quiet_hours)
    row = _claimed("thanks:7:sms", channel="sms")

    assert outbox_deliver(row.pk) == "deferred"

    row.refresh_from_db()
    assert asked == ["sms"]
    assert sms.sent == []
    assert (row.status, row.attempts, row.due_at) == (Status.PENDING, 0, morning)


def test_sms_guard_cancels(sms):
    outbox_register_guard("test.", lambda row: Verdict("cancel", reason="thank-you sent"))
    row = _claimed("thanks:7:sms", channel="sms")

    assert outbox_deliver(row.pk) == "cancelled"

    row.refresh_from_db()
    assert sms.sent == []
    assert (row.status, row.last_error) == (Status.CANCELLED, "thank-you sent")


# --- An unknown channel ------------------------------------------------------------------


def test_unknown_channel_fails_its_row_and_the_sweep_delivers_the_others(mailoutbox):
    a = _queue("a")
    fax = _queue("b", channel="fax")
    c = _queue("c")

    counts = outbox_send_due()

    fax.refresh_from_db()
    assert counts == {"sent": 2, "failed": 1}
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [a.message_id, c.message_id]
    assert (fax.status, fax.attempts, fax.lease_until, fax.last_error) == (
        Status.FAILED,
        1,
        None,
        "UnknownChannel: no channel is registered as 'fax'",
    )
    assert OutboundEmail.objects.filter(status=Status.SENDING).count() == 0


def test_unknown_channel_row_through_the_worker_task_fails_without_a_connection(mailoutbox):
    row = _claimed("b", channel="fax")

    assert tasks.outbox_deliver_task(row.pk, 1) == "failed"

    assert outbox._kept.by_channel == {}
    assert OutboundEmail.objects.get(pk=row.pk).status == Status.FAILED


# --- One kept connection per channel ---------------------------------------------------


def _deliver_by_worker(*keys_and_channels) -> list[str]:
    for key, channel in keys_and_channels:
        _queue(key, channel=channel)
    return [tasks.outbox_deliver_task(pk, attempt) for pk, attempt in outbox_claim_due()]


def test_a_worker_keeps_one_connection_per_channel(sms, mailoutbox):
    results = _deliver_by_worker(("a", "email"), ("b", "sms"), ("c", "email"), ("d", "sms"))

    email = outbox._kept.connection("email")
    [session] = sms.sessions
    assert results == ["sent"] * 4
    assert outbox._kept.connection("sms") is session
    assert email is not None and email is not session
    assert (session.opened, session.closed, len(sms.sent), len(mailoutbox)) == (1, 0, 2, 2)

    tasks._close_kept_connections()

    assert (session.closed, outbox._kept.by_channel) == (1, {})


def test_a_failed_sms_drops_the_sms_session_only(sms, mailoutbox):
    _deliver_by_worker(("a", "email"))
    email = outbox._kept.connection("email")
    sms.errors = [GatewayError("connection reset")]

    assert _deliver_by_worker(("b", "sms"), ("c", "sms"), ("d", "email")) == [
        "retry",
        "sent",
        "sent",
    ]

    [session] = sms.sessions
    assert (session.opened, session.closed) == (2, 1)
    assert outbox._kept.connection("email") is email


def test_an_idle_kept_connection_is_checked_by_its_channel(sms, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(outbox, "_monotonic", lambda: now[0])
    _deliver_by_worker(("a", "sms"))

    now[0] += outbox.CONNECTION_NOOP_AFTER_SECONDS - 1
    _deliver_by_worker(("b", "sms"))
    assert (sms.alive_asked, len(sms.sessions)) == (0, 1)

    now[0] += outbox.CONNECTION_NOOP_AFTER_SECONDS + 1
    sms.alive_answer = False
    assert _deliver_by_worker(("c", "sms")) == ["sent"]

    assert (sms.alive_asked, len(sms.sessions), sms.sessions[0].closed) == (1, 2, 1)


def test_send_due_delivers_every_channel_and_ends_each_session(sms, mailoutbox):
    for n in range(3):
        _queue(f"mail:{n}")
        _queue(f"text:{n}", channel="sms")

    counts = outbox_send_due(batch=4)

    [session] = sms.sessions
    assert counts == {"sent": 6}
    assert (len(mailoutbox), len(sms.sent)) == (3, 3)
    assert (session.opened, session.closed) == (1, 1)
    assert outbox._kept.by_channel == {}


# --- The email channel builds the message it always did ---------------------------------


def test_email_channel_message_has_its_id_cc_reply_to_headers_and_attachments(mailoutbox):
    row = _claimed(
        "meeting:42:1",
        html="<p>Send Jordan your thank-you today.</p>",
        cc=["advisor@northfield.test"],
        reply_to=["jordan@alumni.test"],
        headers={"List-Unsubscribe": "<https://fieldnotes.test/u/abc>"},
        from_email="Fieldnotes <no-reply@fieldnotes.test>",
        attachments=[
            ("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
            ("notes.pdf", b"%PDF-1.4 \x00\xff", "application/pdf"),
        ],
    )

    assert outbox_deliver(row.pk) == "sent"

    [message] = mailoutbox
    mime = message.message()
    assert (message.from_email, message.to, message.cc, message.reply_to) == (
        "Fieldnotes <no-reply@fieldnotes.test>",
        ["sam@northfield.test"],
        ["advisor@northfield.test"],
        ["jordan@alumni.test"],
    )
    assert (message.subject, message.body) == (
        "Send your thank-you",
        "Send Jordan your thank-you today.",
    )
    assert message.extra_headers == {
        "Message-ID": f"<outbox-{row.pk}.meeting.42.1@fieldnotes>",
        "List-Unsubscribe": "<https://fieldnotes.test/u/abc>",
    }
    assert mime["Message-ID"] == f"<outbox-{row.pk}.meeting.42.1@fieldnotes>"
    assert mime["Cc"] == "advisor@northfield.test"
    assert mime["Reply-To"] == "jordan@alumni.test"
    assert [(a.content, a.mimetype) for a in message.alternatives] == [
        ("<p>Send Jordan your thank-you today.</p>", "text/html")
    ]
    assert [tuple(a) for a in message.attachments] == [
        ("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
        ("notes.pdf", b"%PDF-1.4 \x00\xff", "application/pdf"),
    ]


def test_email_channel_without_html_or_cc_sends_plain_text(mailoutbox):
    row = _claimed("thanks:7")

    assert outbox_deliver(row.pk) == "sent"

    [message] = mailoutbox
    assert (message.alternatives, message.cc, message.reply_to, message.attachments) == (
        [],
        [],
        [],
        [],
    )
    assert message.message()["Cc"] is None

"""A Celery worker keeps its SMTP connection between deliveries: one session for
many emails, checked when idle, renewed when old, dropped after an error. Against
a real SMTP server on localhost (aiosmtpd), which records the session each message
came over."""

import smtplib
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from apps.core import outbox, tasks
from apps.core.channels import email
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_claim_due, outbox_enqueue

pytestmark = pytest.mark.django_db
Status = OutboundEmail.Status


class Recorder:
    """Keeps, for each accepted message, the client's (address, port): one port per
    SMTP session."""

    def __init__(self):
        self.peers: list[tuple] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.peers.append(session.peer)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int):
        self.port = port
        self.recorder = Recorder()
        self.controller = None

    def start(self):
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()

    @property
    def sessions(self) -> int:
        return len(set(self.recorder.peers))


@pytest.fixture
def server(settings):
    server = Server(_free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    outbox.kept_connection_close()
    server.stop()


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock the kept connection is timed by, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(outbox, "_monotonic", lambda: now[0])
    return now


@pytest.fixture(autouse=True)
def _no_kept_connection():
    outbox.kept_connection_close()
    yield
    outbox.kept_connection_close()


def _deliver(n: int, prefix: str = "m") -> list[str]:
    """Queue and claim n emails, then run the worker's task for each."""
    for i in range(n):
        outbox_enqueue(
            key=f"{prefix}:{i}",
            kind="test.reminder",
            subject="Send your thank-you",
            text="Within 24 hours, please.",
            html="<p>Within 24 hours, please.</p>",
            to=["sam@northfield.test"],
            due_at=timezone.now() - timedelta(minutes=1),
        )
    return [tasks.outbox_deliver_task(pk, attempt) for pk, attempt in outbox_claim_due()]


def test_a_worker_sends_many_emails_over_one_session(server, clock):
    assert _deliver(5) == ["sent"] * 5

    assert (len(server.recorder.peers), server.sessions) == (5, 1)
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {Status.SENT}


def test_an_idle_session_is_checked_and_kept_when_alive(server, clock):
    _deliver(1, "first")
    clock[0] += outbox.CONNECTION_NOOP_AFTER_SECONDS + 1

    assert _deliver(1, "second") == ["sent"]
    assert server.sessions == 1


def test_a_session_the_server_dropped_is_replaced_before_sending(server, clock):
    _deliver(1, "first")
    server.stop()  # the server goes away, and comes back on the same port
    server.start()
    clock[0] += outbox.CONNECTION_NOOP_AFTER_SECONDS + 1

    # No failed attempt: the NOOP found the session dead and a new one was opened.
    assert _deliver(1, "second") == ["sent"]
    assert OutboundEmail.objects.get(dedupe_key="second:0").attempts == 1
    assert len(server.recorder.peers) == 2


def test_an_old_session_is_renewed(server, clock):
    _deliver(1, "first")
    clock[0] += outbox.CONNECTION_MAX_AGE_SECONDS + 1

    _deliver(1, "second")

    assert server.sessions == 2


def test_a_session_is_renewed_after_its_share_of_messages(server, clock, monkeypatch):
    monkeypatch.setattr(outbox, "CONNECTION_MAX_MESSAGES", 2)

    assert _deliver(5) == ["sent"] * 5

    assert server.sessions == 3  # 2 + 2 + 1


def test_after_a_failed_delivery_the_next_one_opens_a_new_session(server, clock, monkeypatch):
    _deliver(1, "first")
    real_send = email.get_connection().__class__.send_messages
    calls = []

    def flaky(self, messages):
        calls.append(1)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, messages)

    monkeypatch.setattr(email.get_connection().__class__, "send_messages", flaky)

    assert _deliver(2, "second") == ["retry", "sent"]
    assert server.sessions == 2
    assert outbox._kept.connection("email") is not None


def test_worker_shutdown_closes_the_session(server, clock):
    _deliver(1)
    kept = outbox._kept.connection("email")
    assert kept.connection is not None  # smtplib's session is open

    tasks._close_kept_connections()

    assert (outbox._kept.connection("email"), kept.connection) == (None, None)

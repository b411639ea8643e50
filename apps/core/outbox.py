"""The transactional outbox and its delivery, whatever the channel.

Writing: `outbox_enqueue` stores a fully rendered message as a row in the caller's
transaction, keyed by a unique dedupe key (a second enqueue with the same key is a
no-op), and asks for prompt delivery once that transaction commits. The row names
its channel ("email" unless the caller says otherwise).

Delivering, at least once and in practice exactly once:
1. `outbox_claim_due` moves due `pending` rows, and `sending` rows whose lease ran
   out (their worker died, or their task was lost), to `sending` with a fresh
   lease, in one short transaction (`select_for_update(skip_locked=True)`, so
   concurrent sweeps split the work instead of taking the same rows), and returns
   their ids, each with the number of the attempt it is claimed for: the token.
2. `outbox_deliver(id, attempt=token)` re-reads the row and takes it for that
   attempt with a conditional UPDATE of the attempts counter (and a lease that
   counts from now), which only one delivery per claim can make: a task the
   broker hands out twice, or a second task for a row claimed again while the
   first waited in the queue, finds the counter moved and does nothing, so two
   deliveries of one row never run side by side, and whichever task comes first
   does the work. While it runs, a thread renews its lease every third of a lease
   (`_LeaseKeeper`, `outbox_lease_renew`), so the lease is short (30 s) and a dead
   worker's rows come back within about a minute while a live one's never do. It
   then asks the guards whether the message is still wanted (send, defer to a
   later time, or cancel), has the row's channel send it outside any transaction
   (email: over SMTP, with a deterministic Message-ID), and marks it `sent` with a
   conditional UPDATE before it closes the channel's session. Temporary errors (and
   errors in a guard) put it back to `pending` with exponential backoff; after
   MAX_ATTEMPTS, or on an error the channel calls permanent (an SMTP 5xx refusal),
   it is `failed`, and so is a row whose channel is not registered. Attempts count
   when they start, so a row whose delivery keeps killing its worker ends `failed`
   too instead of going round for ever.

Every result is recorded on a new database connection if the one the delivery had
was lost (the server ended the session while it sat idle during the SMTP
exchange, a failover, a pooler restart), a few times over about 7 s while the
lease is still renewed, so a lost connection does not resend a message. In a
Celery pool process a SIGTERM waits until the delivery in progress has recorded its
result (`_SigtermAfterDelivery`).

What can still send twice (docs/reminders.md): the process dies after the other side
(the SMTP server) accepted the message and before the `sent` UPDATE committed (one
database round trip: nothing else, not even the SMTP QUIT, happens in between), or
the database stays out of reach for longer than those retries, or the worker is
frozen, or cut off from the database, for a whole lease while it is in the middle
of the SMTP exchange (the sweep takes the row back; a renewal that finds it gone
stops a delivery that has not yet sent). The lease then runs out and the row is
sent again, by email with the same Message-ID, which lets the receiving side drop
it.

Channels (apps.core.channels) know their transport and nothing else: how to make
a connection, send a row over it, whether an error is permanent, whether a kept
connection still works. This module knows no transport: it keeps the claims,
leases, attempts, verdicts, backoff, and one connection per channel per worker.

Guards are registered by the apps that know the business rules (followups:
preferences, quiet hours, "thank-you already sent"), keyed by `kind`; this module
knows none of them, so every app can queue mail without importing those to its
right.
"""

import base64
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, TypeVar

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.utils import timezone

from apps.core.channels import Channel, ChannelConnection, UnknownChannel, channel_for
from apps.core.models import OutboundEmail

logger = logging.getLogger(__name__)
Status = OutboundEmail.Status

T = TypeVar("T")

MAX_ATTEMPTS = 6
BACKOFF_MAX = timedelta(hours=2)
CLAIM_BATCH = 200
# A delivery renews its row's lease this many times per lease (see `_LeaseKeeper`),
# so a live worker's lease never runs out unless two renewals in a row miss.
RENEWALS_PER_LEASE = 3
# Pauses (seconds) before each new try of a result whose recording lost its
# database connection: about 7 s in all, well inside what is left of a renewed
# lease. Only then is the row left to its lease (and, if it was sent, to a resend).
RECORD_PAUSES = (0.2, 1.0, 2.0, 4.0)


def _lease() -> timedelta:
    return timedelta(seconds=settings.EMAIL_OUTBOX_LEASE_SECONDS)


# --- A lost database connection -------------------------------------------------------


def _on_fresh_connection(write: Callable[[], T], *, pauses: tuple[float, ...], what: str) -> T:
    """`write()`, and if the database connection is gone (terminated by the server
    while it sat idle during an SMTP exchange, a failover, a pooler restart, a
    network blip) close it and do it again on a new one, once after each pause.

    Only for writes that are safe to repeat whether or not the lost try committed:
    every result below is a conditional UPDATE that changes nothing the second time.
    Inside a transaction nothing is retried (the transaction is lost with its
    connection, and only its owner can start it again)."""
    for pause in (*pauses, None):
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if pause is None or db_connection.in_atomic_block:
                raise
            logger.warning("outbox: %s lost its database connection (%s); trying again", what, exc)
            db_connection.close()
            time.sleep(pause)
    raise AssertionError("unreachable")


# --- Guards -------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    action: str  # "send", "defer" or "cancel"
    until: datetime | None = None
    reason: str = ""


SEND = Verdict("send")
Guard = Callable[[OutboundEmail], Verdict]
_guards: dict[str, list[Guard]] = {}


def outbox_register_guard(kind_prefix: str, guard: Guard) -> None:
    """Run `guard` before sending any email whose kind starts with `kind_prefix`.
    Called from an AppConfig.ready()."""
    _guards.setdefault(kind_prefix, []).append(guard)


def _verdict(row: OutboundEmail) -> Verdict:
    for prefix, guards in _guards.items():
        if row.kind.startswith(prefix):
            for guard in guards:
                verdict = guard(row)
                if verdict.action != "send":
                    return verdict
    return SEND


# --- Writing ------------------------------------------------------------------------


def _attachments(raw) -> list[dict]:
    return [
        {
            "filename": name,
            "mimetype": mimetype,
            "content_b64": base64.b64encode(
                content if isinstance(content, bytes) else content.encode()
            ).decode(),
        }
        for name, content, mimetype in (raw or [])
    ]


def outbox_row(
    *,
    key: str,
    kind: str,
    subject: str,
    text: str,
    html: str = "",
    to: list[str],
    recipient=None,
    subject_ref: str = "",
    reply_to: list[str] | None = None,
    cc: list[str] | None = None,
    headers: dict | None = None,
    attachments=None,
    due_at: datetime | None = None,
    from_email: str | None = None,
    office_id: int | None = None,
    channel: str = "email",
) -> OutboundEmail:
    """One unsaved outbox row: saved by `outbox_enqueue`, or many at once by
    `outbox_bulk_enqueue`. `channel` names the channel that will deliver it
    (apps.core.channels), which reads from the row the fields it needs."""
    return OutboundEmail(
        dedupe_key=key,
        channel=channel,
        kind=kind,
        recipient=recipient,
        office_id=office_id if office_id is not None else getattr(recipient, "office_id", None),
        subject_ref=subject_ref,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        cc=list(cc or []),
        reply_to=list(reply_to or []),
        headers=dict(headers or {}),
        subject=subject[:300],
        text=text,
        html=html,
        attachments=_attachments(attachments),
        due_at=due_at or timezone.now(),
    )


def outbox_enqueue(**fields) -> OutboundEmail | None:
    """Queue one email (the arguments of `outbox_row`) in the current transaction.
    Returns None when an email with this key exists already (it is not queued
    twice)."""
    row = outbox_row(**fields)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    if row.due_at <= timezone.now():
        transaction.on_commit(lambda: outbox_dispatch(row.pk))
    return row


def outbox_bulk_enqueue(rows: list[OutboundEmail]) -> None:
    """Periodic creation: insert many rows, skipping keys that exist already (the
    dedupe key makes a repeated or concurrent sweep harmless). The sweep picks
    them up when due."""
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def outbox_dispatch(pk: int) -> None:
    """Ask for prompt delivery of one due row. Inline mode delivers in this process
    (tests, cron-only sites); otherwise a worker is told by id. If the broker is
    unreachable nothing is lost: the next sweep finds the row."""
    if settings.EMAIL_OUTBOX_DISPATCH == "inline":
        outbox_deliver_now(pk)
        return
    try:
        # By name: apps.core.tasks imports this module.
        current_app.send_task("apps.core.tasks.outbox_deliver_now_task", args=[pk])
    except Exception:  # a broker outage must not fail the request that queued it
        logger.warning("could not hand outbox row %s to a worker; the sweep will", pk)


# --- Delivering ---------------------------------------------------------------------


class Claimed(NamedTuple):
    pk: int
    # The attempt this claim is for (attempts so far + 1): the token a delivery
    # must hold to take the row (see `outbox_deliver`).
    attempt: int


def outbox_claim_due(*, now: datetime | None = None, batch: int = CLAIM_BATCH) -> list[Claimed]:
    now = now or timezone.now()
    rows = OutboundEmail.objects.select_for_update(skip_locked=True)
    with transaction.atomic():
        # Two queries rather than one with OR: each walks its partial index in
        # order and stops after `batch` rows, where the OR made PostgreSQL sort
        # every due row for each batch (slower the bigger the backlog).
        claimed = [
            Claimed(pk, attempts + 1)
            for pk, attempts in rows.filter(status=Status.SENDING, lease_until__lt=now)
            .order_by("lease_until")
            .values_list("pk", "attempts")[:batch]
        ]
        if len(claimed) < batch:
            claimed += [
                Claimed(pk, attempts + 1)
                for pk, attempts in rows.filter(status=Status.PENDING, due_at__lte=now)
                .order_by("due_at")
                .values_list("pk", "attempts")[: batch - len(claimed)]
            ]
        if claimed:
            OutboundEmail.objects.filter(pk__in=[row.pk for row in claimed]).update(
                status=Status.SENDING, lease_until=now + _lease()
            )
    return claimed


def outbox_claim_now(pk: int) -> bool:
    """Claim one row if it is due now (the prompt path after enqueue)."""
    now = timezone.now()
    return (
        OutboundEmail.objects.filter(pk=pk, status=Status.PENDING, due_at__lte=now).update(
            status=Status.SENDING, lease_until=now + _lease()
        )
        == 1
    )


def outbox_deliver_now(pk: int) -> str:
    """Claim one row that is due now and deliver it over a connection of its own
    (inline dispatch: the web process, tests)."""
    return outbox_deliver(pk) if outbox_claim_now(pk) else "not-claimed"


def _backoff(attempts: int) -> timedelta:
    first = timedelta(seconds=settings.EMAIL_OUTBOX_BACKOFF_SECONDS)
    return min(BACKOFF_MAX, first * (2 ** max(0, attempts - 1)))


def _close_quietly(channel_name: str, connection) -> None:
    try:
        connection.close()
    except Exception as exc:  # the message is already accepted, or already failed
        logger.info("closing the %s connection failed: %s", channel_name, exc)


def outbox_deliver(pk: int, *, connection=None, attempt: int | None = None) -> str:
    """Deliver a claimed row (status `sending`) over `connection` (one of the row's
    channel), or over a connection of its own. Returns what happened: sent,
    deferred, cancelled, retry, failed, gone (not `sending` any more) or
    not-claimed (another delivery has it).

    `attempt` is the claim's token (`Claimed.attempt`; the sweep passes it with each
    task). Without it the row's next attempt is taken, which is right only when
    the caller made the claim itself and delivers it at once."""
    if connection is not None:
        return _deliver(pk, attempt=attempt, connection_for=lambda channel: connection)
    own: list[tuple[str, ChannelConnection]] = []

    def connect(channel: Channel) -> ChannelConnection:
        own.append((channel.name, channel.connect()))
        return own[-1][1]

    try:
        return _deliver(pk, attempt=attempt, connection_for=connect)
    finally:
        # After the `sent` UPDATE (see `_deliver`).
        for channel_name, own_connection in own:
            _close_quietly(channel_name, own_connection)


def outbox_lease_renew(pk: int, *, attempt: int, held_until: datetime) -> datetime | None:
    """Extend the lease that the delivery of `attempt` holds on row `pk` until
    `held_until` (the lease it wrote last), and return the new one; None when the
    delivery no longer holds the row.

    One conditional UPDATE in autocommit, never a transaction around I/O. Fenced
    twice: by the attempt (a later delivery has taken the row) and by the lease
    itself (the sweep claimed the row again after its lease ran out: the claim wrote
    a lease of its own, so this matches nothing). The sweep claims only rows whose
    lease is in the past, with `FOR UPDATE SKIP LOCKED`: a renewal that commits
    first moves the lease out of its reach, one that waits for the sweep's lock
    finds the sweep's lease and fails, so a row is never both renewed and
    reclaimed."""
    until = timezone.now() + _lease()
    renewed = OutboundEmail.objects.filter(
        pk=pk, status=Status.SENDING, attempts=attempt, lease_until=held_until
    ).update(lease_until=until)
    return until if renewed else None


class _LeaseKeeper:
    """Keeps a taken row's lease alive for as long as its delivery runs, from a
    thread of its own: every third of a lease it renews it (`outbox_lease_renew`),
    on its own database connection, made only if a delivery lasts that long (almost
    none does: a delivery takes milliseconds, so the thread usually ends untouched).

    A thread rather than renewals between the delivery's steps, because the longest
    step is one blocking call (the channel's send: an SMTP session can take several
    `EMAIL_TIMEOUT`s) that nothing can interrupt to renew. The lease can then be
    short, so the sweep takes back the rows of a dead worker, or of a lost task,
    within about a minute, and never those of a live one: a worker that is alive
    renews. If a renewal finds the row taken back (the worker was frozen, or could
    not reach the database, for longer than the lease), `lost` is set and the
    delivery sends nothing more."""

    def __init__(self, pk: int, *, attempt: int, until: datetime):
        self.pk, self.attempt, self.until = pk, attempt, until
        self.lost = False
        self.renewals = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"outbox-lease-{pk}", daemon=True)

    def __enter__(self) -> "_LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        # Waits only if a renewal is under way; one still running after this can do
        # no harm: the row has its result, and a lease on it matches nothing.
        self._thread.join(timeout=2)

    def _renew(self) -> datetime | None:
        return outbox_lease_renew(self.pk, attempt=self.attempt, held_until=self.until)

    def _run(self) -> None:
        every = _lease().total_seconds() / RENEWALS_PER_LEASE
        wait = every
        try:
            while not self._done.wait(wait):
                try:
                    until = _on_fresh_connection(
                        self._renew, pauses=(0.0,), what=f"renewing the lease of {self.pk}"
                    )
                except DatabaseError as exc:
                    # Tried again soon, while the lease still has two thirds to run.
                    logger.warning("outbox %s: could not renew its lease: %s", self.pk, exc)
                    db_connection.close()
                    wait = min(1.0, every)
                    continue
                if until is None:
                    self.lost = True
                    logger.warning(
                        "outbox %s: attempt %s lost its lease; the row was taken back",
                        self.pk,
                        self.attempt,
                    )
                    return
                self.until, wait = until, every
                self.renewals += 1
        finally:
            db_connection.close()


# --- SIGTERM while delivering -----------------------------------------------------------


class _SigtermAfterDelivery:
    """SIGTERM in a Celery pool process waits for the delivery in progress.

    A pool process ends at once on SIGTERM (billiard's handler exits it), and a
    platform that stops a worker by signalling every process in it (systemd's
    default `KillMode=control-group`, Heroku-style dynos, `kill -TERM -<pgid>`)
    reaches the pool as well as the main process, whose warm shutdown would have let
    it finish. Ended mid-delivery, a pool process leaves its row `sending` until its
    lease runs out, and sends it twice if the SMTP server had already answered
    "250". Enabled in each pool process (`apps.core.tasks`) and installed when the
    process starts its first delivery (billiard sets its own handler after Celery's
    process-init signal), this handler lets a delivery that has started run to its
    recorded result (bounded by EMAIL_TIMEOUT and the recording's retries) and then
    hands the signal to the handler it replaced; with no delivery in progress it
    does so at once. The task's message is handed out again (acks late) and finds
    its row settled. The handler itself does no I/O."""

    def __init__(self):
        self.enabled = False
        self.installed_in: int | None = None
        self.previous = signal.SIG_DFL
        self.delivering = 0
        self.pending = False

    def _install_here(self) -> None:
        if (
            self.enabled
            and self.installed_in != os.getpid()
            and threading.current_thread() is threading.main_thread()
        ):
            self.previous = signal.signal(signal.SIGTERM, self._on_sigterm)
            self.installed_in = os.getpid()

    def _on_sigterm(self, signum, frame) -> None:
        if self.delivering:
            self.pending = True
        else:
            self._obey(frame)

    def _obey(self, frame=None) -> None:
        signal.signal(signal.SIGTERM, self.previous)
        if callable(self.previous):
            self.previous(signal.SIGTERM, frame)
        elif self.previous != signal.SIG_IGN:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._install_here()
        self.delivering += 1
        try:
            yield
        finally:
            self.delivering -= 1
            if self.pending and not self.delivering:
                self.pending = False
                logger.warning("outbox: SIGTERM came during a delivery; stopping after it")
                self._obey()


sigterm_after_delivery = _SigtermAfterDelivery()


def _deliver(
    pk: int,
    *,
    attempt: int | None,
    connection_for: Callable[[Channel], ChannelConnection],
) -> str:
    """`outbox_deliver`, over the connection `connection_for` gives for the row's
    channel (asked once, only for a row this delivery has taken). A SIGTERM that
    arrives meanwhile in a pool process waits for it (`_SigtermAfterDelivery`)."""
    with sigterm_after_delivery.deferred():
        return _deliver_claimed(pk, attempt=attempt, connection_for=connection_for)


def _deliver_claimed(
    pk: int,
    *,
    attempt: int | None,
    connection_for: Callable[[Channel], ChannelConnection],
) -> str:
    # Read and taken on a new database connection if the kept one has gone while the
    # worker waited for this task: both are safe to repeat (a take that committed
    # before its connection went finds the counter moved, and leaves the row to its
    # lease).
    row = _on_fresh_connection(
        lambda: (
            OutboundEmail.objects.select_related("recipient")
            .filter(pk=pk, status=Status.SENDING)
            .first()
        ),
        pauses=(0.0,),
        what=f"reading {pk}",
    )
    if row is None:
        return "gone"
    attempt = attempt or row.attempts + 1
    this = OutboundEmail.objects.filter(pk=pk, status=Status.SENDING)
    if attempt > MAX_ATTEMPTS:
        # Only attempts that never finished leave a row `sending` with its attempts
        # used up: its worker died, again and again. A row that kills its worker
        # must not go round for ever, out of sight.
        gave_up = this.filter(attempts=attempt - 1).update(
            status=Status.FAILED,
            lease_until=None,
            last_error=f"{attempt - 1} attempts started and none finished",
        )
        return "failed" if gave_up else "not-claimed"
    # Take the row for this attempt only if no attempt has started since the claim.
    # Exactly one delivery per claim gets past this: a task the broker hands out
    # twice, or one whose row was claimed again while it waited in the queue (its
    # lease ran out), finds the counter moved and changes nothing. The lease now
    # counts from here, the start of the delivery, and is renewed while it runs.
    taken_until = timezone.now() + _lease()
    if not _on_fresh_connection(
        lambda: this.filter(attempts=attempt - 1).update(attempts=attempt, lease_until=taken_until),
        pauses=(0.0,),
        what=f"taking {pk}",
    ):
        return "not-claimed"
    this = this.filter(attempts=attempt)
    with _LeaseKeeper(pk, attempt=attempt, until=taken_until) as lease:
        return _deliver_taken(row, attempt, this, lease, connection_for)


def _record(write: Callable[[], int], what: str) -> int:
    return _on_fresh_connection(write, pauses=RECORD_PAUSES, what=what)


def _deliver_taken(
    row: OutboundEmail,
    attempt: int,
    this,
    lease: _LeaseKeeper,
    connection_for: Callable[[Channel], ChannelConnection],
) -> str:
    pk = row.pk
    try:
        channel = channel_for(row.channel)
    except UnknownChannel as exc:
        # No retry can mend a name nothing is registered under (a typo, or a channel
        # this deployment lacks): failed at once, where an admin sees it, and the
        # sweep goes on with the other rows.
        unknown = f"{type(exc).__name__}: {exc}"[:2000]
        _record(
            lambda: this.update(status=Status.FAILED, lease_until=None, last_error=unknown),
            f"recording {pk} failed",
        )
        logger.error("outbox %s: %s", pk, exc)
        return "failed"
    connection = connection_for(channel)
    try:
        verdict = _verdict(row)
        if verdict.action == "cancel":
            _record(
                lambda: this.update(
                    status=Status.CANCELLED,
                    lease_until=None,
                    attempts=attempt - 1,
                    last_error=verdict.reason[:500],
                ),
                f"recording {pk} cancelled",
            )
            return "cancelled"
        if verdict.action == "defer":
            _record(
                lambda: this.update(
                    status=Status.PENDING,
                    lease_until=None,
                    attempts=attempt - 1,
                    due_at=verdict.until,
                ),
                f"recording {pk} deferred",
            )
            return "deferred"
        # Opened here (a no-op when it is open already) so that the channel's send
        # leaves it open: the session ends after the `sent` UPDATE below, not inside
        # the window for a resend.
        connection.open()
        if lease.lost:
            # Taken back while the guards ran (this worker was stopped, or cut off
            # from the database, for a whole lease): the attempt that has it sends.
            return "not-claimed"
        # Outside any transaction: a slow server must not hold database locks.
        channel.send(row, connection)
    except Exception as exc:
        failed = channel.is_permanent(exc) or attempt >= MAX_ATTEMPTS
        error = f"{type(exc).__name__}: {exc}"[:2000]
        _record(
            lambda: this.update(
                status=Status.FAILED if failed else Status.PENDING,
                lease_until=None,
                due_at=row.due_at if failed else timezone.now() + _backoff(attempt),
                last_error=error,
            ),
            f"recording {pk} failed",
        )
        logger.warning(
            "outbox %s attempt %s failed: %s",
            pk,
            attempt,
            exc,
            # A traceback only for what is not a network error (smtplib's included).
            exc_info=not isinstance(exc, OSError),
        )
        return "failed" if failed else "retry"
    # The other side has the message: record it before anything else can happen. A
    # crash before this commits is the one way to send twice (see above). A lost
    # database connection is not: the connection may have been cut while it sat
    # idle during the whole exchange, so the UPDATE is tried again on a new one
    # (it changes nothing if the lost try had committed) while the lease keeper
    # holds the row. Not fenced by the attempt: whoever delivered it, it is sent.
    try:
        _record(
            lambda: OutboundEmail.objects.filter(pk=pk, status=Status.SENDING).update(
                status=Status.SENT,
                sent_at=timezone.now(),
                lease_until=None,
                last_error="",
            ),
            f"recording {pk} sent",
        )
    except DatabaseError:
        logger.error(
            "outbox %s was accepted by the %s server but could not be recorded as sent; "
            "it will be sent again when its lease runs out",
            pk,
            row.channel,
        )
        raise
    return "sent"


# --- One connection per channel per worker process -----------------------------------
#
# A Celery worker delivers one row per task. Opening a session for each (for SMTP:
# TCP, EHLO, STARTTLS, AUTH) costs more than sending the message, so each worker
# process (each thread, for a threaded pool) keeps a connection per channel between
# tasks: checked by the channel (an SMTP NOOP) when it has been idle (servers drop
# idle sessions), dropped after an error (which may have been the connection's) and
# renewed now and then. Made when a row of its channel first needs it.

CONNECTION_NOOP_AFTER_SECONDS = 5.0
CONNECTION_MAX_AGE_SECONDS = 300.0
CONNECTION_MAX_MESSAGES = 500
_monotonic = time.monotonic


@dataclass
class _Kept:
    connection: ChannelConnection
    opened_at: float
    used_at: float
    messages: int = 0


class _KeptConnections(threading.local):
    def __init__(self):
        self.by_channel: dict[str, _Kept] = {}

    def connection(self, channel_name: str) -> ChannelConnection | None:
        kept = self.by_channel.get(channel_name)
        return kept.connection if kept is not None else None


_kept = _KeptConnections()


def _kept_alive(channel: Channel, kept: _Kept, now: float) -> bool:
    if (
        now - kept.opened_at > CONNECTION_MAX_AGE_SECONDS
        or kept.messages >= CONNECTION_MAX_MESSAGES
    ):
        return False
    if now - kept.used_at < CONNECTION_NOOP_AFTER_SECONDS:
        return True
    return channel.alive(kept.connection)


def _kept_for(channel: Channel) -> _Kept:
    kept = _kept.by_channel.get(channel.name)
    if kept is not None and not _kept_alive(channel, kept, _monotonic()):
        _close_quietly(channel.name, kept.connection)
        kept = None
    if kept is None:
        # Opened by _deliver, inside its error handling.
        now = _monotonic()
        kept = _kept.by_channel[channel.name] = _Kept(channel.connect(), now, now)
    return kept


def kept_connection_close() -> None:
    """Close this process's kept connections, one per channel, and forget them (at
    worker shutdown, or around a sweep)."""
    while _kept.by_channel:
        channel_name, kept = _kept.by_channel.popitem()
        _close_quietly(channel_name, kept.connection)


def outbox_deliver_kept(pk: int, *, attempt: int | None = None) -> str:
    """`outbox_deliver` over the connection this worker process keeps open between
    deliveries for the row's channel (the Celery tasks' path)."""
    used: list[tuple[str, _Kept]] = []

    def kept_connection(channel: Channel) -> ChannelConnection:
        kept = _kept_for(channel)
        used.append((channel.name, kept))
        return kept.connection

    result = _deliver(pk, attempt=attempt, connection_for=kept_connection)
    for channel_name, kept in used:
        kept.used_at = _monotonic()
        if result == "sent":
            kept.messages += 1
        elif result in {"retry", "failed"}:
            # The error may have been the session's (a disconnect, a timeout), which
            # would fail every message after it: the next delivery opens a new one.
            _close_quietly(channel_name, kept.connection)
            kept.opened_at, kept.messages = _monotonic(), 0
    return result


def outbox_send_due(*, batch: int = CLAIM_BATCH) -> dict:
    """One synchronous sweep: claim what is due and deliver it in this process over
    one connection per channel, kept and renewed as a worker's are (the cron path
    and `send_due_reminders`)."""
    counts: dict[str, int] = {}
    kept_connection_close()
    try:
        while claimed := outbox_claim_due(batch=batch):
            for pk, attempt in claimed:
                result = outbox_deliver_kept(pk, attempt=attempt)
                counts[result] = counts.get(result, 0) + 1
            if len(claimed) < batch:
                break
    finally:
        kept_connection_close()
    return counts

"""The transactional outbox and its delivery.

Writing: `outbox_enqueue` stores a fully rendered email as a row in the caller's
transaction, keyed by a unique dedupe key (a second enqueue with the same key is a
no-op), and asks for prompt delivery once that transaction commits.

Delivering, at least once and in practice exactly once:
1. `outbox_claim_due` moves due `pending` rows, and `sending` rows whose lease ran
   out (their worker died), to `sending` with a fresh lease, in one short
   transaction (`select_for_update(skip_locked=True)`, so concurrent sweeps split
   the work instead of taking the same rows), and returns their ids.
2. `outbox_deliver(id)` re-reads the row; only if it is still `sending` does it ask
   the guards whether the email is still wanted (send, defer to a later time, or
   cancel), send it over SMTP outside any transaction with a deterministic
   Message-ID, and then mark it `sent` with a conditional UPDATE.
   Temporary SMTP errors put it back to `pending` with exponential backoff; after
   MAX_ATTEMPTS, or on a permanent (5xx) refusal, it is `failed`.

The one window for a duplicate: the SMTP server accepted the message and the
process died before the `sent` UPDATE committed. The lease then expires and the
row is sent again with the same Message-ID. The window is one round trip to the
database long.

Guards are registered by the apps that know the business rules (followups:
preferences, quiet hours, "thank-you already sent"), keyed by `kind`; this module
knows none of them, so every app can queue mail without importing those to its
right.
"""

import base64
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.models import OutboundEmail

logger = logging.getLogger(__name__)
Status = OutboundEmail.Status

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)
CLAIM_BATCH = 200


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


def outbox_enqueue(
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
) -> OutboundEmail | None:
    """Queue one email in the current transaction. Returns None when an email with
    this key exists already (it is not queued twice)."""
    row = OutboundEmail(
        dedupe_key=key,
        kind=kind,
        recipient=recipient,
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
        from config.celery import app

        app.send_task("apps.core.tasks.outbox_deliver_now_task", args=[pk])
    except Exception:  # a broker outage must not fail the request that queued it
        logger.warning("could not hand outbox row %s to a worker; the sweep will", pk)


# --- Delivering ---------------------------------------------------------------------


def outbox_claim_due(*, now: datetime | None = None, batch: int = CLAIM_BATCH) -> list[int]:
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Status.PENDING, due_at__lte=now)
                | Q(status=Status.SENDING, lease_until__lt=now)
            )
            .order_by("due_at")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            OutboundEmail.objects.filter(pk__in=ids).update(
                status=Status.SENDING, lease_until=now + LEASE
            )
    return ids


def outbox_deliver_now(pk: int) -> str:
    """Claim one row that is due now (the prompt path after enqueue) and deliver it."""
    now = timezone.now()
    claimed = OutboundEmail.objects.filter(pk=pk, status=Status.PENDING, due_at__lte=now).update(
        status=Status.SENDING, lease_until=now + LEASE
    )
    if claimed != 1:
        return "not-claimed"
    return outbox_deliver(pk)


def _message(row: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": row.message_id, **row.headers}
    msg = EmailMultiAlternatives(
        subject=row.subject,
        body=row.text,
        from_email=row.from_email,
        to=row.to,
        cc=row.cc or None,
        reply_to=row.reply_to or None,
        headers=headers,
    )
    if row.html:
        msg.attach_alternative(row.html, "text/html")
    for item in row.attachments:
        msg.attach(item["filename"], base64.b64decode(item["content_b64"]), item["mimetype"])
    return msg


def _is_permanent(exc: Exception) -> bool:
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= c < 600 for c in codes)
    return isinstance(code, int) and 500 <= code < 600


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_MAX, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


def outbox_deliver(pk: int, *, connection=None) -> str:
    """Deliver a row this worker has claimed (status `sending`). Returns what
    happened: sent, deferred, cancelled, retry, failed, or gone."""
    row = (
        OutboundEmail.objects.select_related("recipient")
        .filter(pk=pk, status=Status.SENDING)
        .first()
    )
    if row is None:
        return "gone"
    verdict = _verdict(row)
    if verdict.action == "cancel":
        OutboundEmail.objects.filter(pk=pk, status=Status.SENDING).update(
            status=Status.CANCELLED, lease_until=None, last_error=verdict.reason[:500]
        )
        return "cancelled"
    if verdict.action == "defer":
        OutboundEmail.objects.filter(pk=pk, status=Status.SENDING).update(
            status=Status.PENDING, lease_until=None, due_at=verdict.until
        )
        return "deferred"
    attempts = row.attempts + 1
    try:
        # Outside any transaction: a slow SMTP server must not hold database locks.
        sent = (
            _message(row).send()
            if connection is None
            else connection.send_messages([_message(row)])
        )
        if not sent:
            raise smtplib.SMTPException("the mail backend accepted nothing")
    except Exception as exc:
        permanent = _is_permanent(exc)
        failed = permanent or attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=pk, status=Status.SENDING).update(
            status=Status.FAILED if failed else Status.PENDING,
            lease_until=None,
            attempts=attempts,
            due_at=timezone.now() + _backoff(attempts) if not failed else row.due_at,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("outbox %s attempt %s failed: %s", pk, attempts, exc)
        return "failed" if failed else "retry"
    OutboundEmail.objects.filter(pk=pk, status=Status.SENDING).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        attempts=attempts,
        last_error="",
    )
    return "sent"


def outbox_send_due(*, batch: int = CLAIM_BATCH) -> dict:
    """One synchronous sweep: claim what is due and deliver it in this process over
    one SMTP connection (the cron path and `send_due_reminders`)."""
    counts: dict[str, int] = {}
    connection = get_connection()
    try:
        connection.open()
        while ids := outbox_claim_due(batch=batch):
            for pk in ids:
                result = outbox_deliver(pk, connection=connection)
                counts[result] = counts.get(result, 0) + 1
            if len(ids) < batch:
                break
    finally:
        connection.close()
    return counts

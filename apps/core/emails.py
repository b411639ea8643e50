"""One helper renders every email from its pair of templates.

`templates/emails/<app>/<name>.txt` holds the subject on its first line and the
body below; `<name>.html` holds the HTML body. Every email goes through the
outbox (apps.core.outbox): queued in the caller's transaction, delivered after it
commits, retried until the SMTP server takes it.
"""

import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_enqueue, outbox_row


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    to: list[str]
    reply_to: list[str] = field(default_factory=list)
    # (filename, content, mimetype), e.g. a calendar invitation.
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def email_render(
    *,
    template: str,
    to: list[str],
    context: dict,
    reply_to=None,
    attachments=None,
    time_zone: str | None = None,
) -> RenderedEmail:
    """Render an email; times in it are shown in `time_zone`, the recipient's."""
    context = {"SITE_URL": settings.SITE_URL, **context}
    with timezone.override(ZoneInfo(time_zone) if time_zone else None):
        subject, _, text = render_to_string(f"emails/{template}.txt", context).partition("\n")
        html = render_to_string(f"emails/{template}.html", context)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=text.lstrip("\n"),
        html=html,
        to=to,
        reply_to=list(reply_to or []),
        attachments=list(attachments or []),
    )


def _queued(
    *,
    template: str,
    to: list[str],
    context: dict,
    reply_to=None,
    attachments=None,
    time_zone: str | None = None,
    key: str | None = None,
    **row,
) -> dict:
    """The outbox fields of a rendered email (apps.core.outbox.outbox_row's
    arguments); `row` passes the rest on as it is (recipient, subject_ref, cc,
    headers, due_at, from_email, office_id)."""
    rendered = email_render(
        template=template,
        to=to,
        context=context,
        reply_to=reply_to,
        attachments=attachments,
        time_zone=time_zone,
    )
    return {
        "key": key or f"{template}:{uuid.uuid4().hex}",
        "kind": template,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "to": rendered.to,
        "reply_to": rendered.reply_to,
        "attachments": rendered.attachments,
        **row,
    }


def email_queue(**email) -> OutboundEmail | None:
    """Render an email now and put it in the outbox, in the caller's transaction;
    it is delivered once that transaction commits (see apps.core.outbox). Takes
    `template`, `to`, `context`, optionally `reply_to`, `attachments`,
    `time_zone`, `key` (a dedupe key: queued once; None when it was already) and
    outbox_row's `recipient`, `subject_ref`, `cc`, `headers`, `due_at`,
    `from_email`, `office_id`. To a user: apps.core.notify.notify."""
    return outbox_enqueue(**_queued(**email))


def email_row(**email) -> OutboundEmail:
    """What `email_queue` queues, as an unsaved row, for the sweeps'
    outbox_bulk_enqueue (one INSERT for many)."""
    return outbox_row(**_queued(**email))


def email_queue_message(msg, *, kind: str, key: str | None = None, recipient=None) -> None:
    """Queue an already built Django EmailMessage (allauth's mails)."""
    html = next(
        (body for body, mime in getattr(msg, "alternatives", []) if mime == "text/html"), ""
    )
    outbox_enqueue(
        key=key or f"{kind}:{uuid.uuid4().hex}",
        kind=kind,
        subject=msg.subject,
        text=msg.body,
        html=html,
        to=list(msg.to),
        cc=list(msg.cc),
        reply_to=list(msg.reply_to),
        from_email=msg.from_email,
        recipient=recipient,
    )

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
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.outbox import outbox_enqueue


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    to: list[str]
    reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # (filename, content, mimetype), e.g. a calendar invitation.
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)

    def message(self) -> EmailMultiAlternatives:
        msg = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=self.to,
            reply_to=self.reply_to or None,
            headers=self.headers or None,
        )
        msg.attach_alternative(self.html, "text/html")
        for filename, content, mimetype in self.attachments:
            msg.attach(filename, content, mimetype)
        return msg


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


def email_queue(
    *,
    template: str,
    to: list[str],
    context: dict,
    reply_to=None,
    attachments=None,
    time_zone: str | None = None,
    key: str | None = None,
    recipient=None,
    subject_ref: str = "",
    due_at=None,
    headers: dict | None = None,
    office_id: int | None = None,
) -> None:
    """Render an email now and put it in the outbox, in the caller's transaction;
    it is delivered once that transaction commits (see apps.core.outbox)."""
    rendered = email_render(
        template=template,
        to=to,
        context=context,
        reply_to=reply_to,
        attachments=attachments,
        time_zone=time_zone,
    )
    outbox_enqueue(
        key=key or f"{template}:{uuid.uuid4().hex}",
        kind=template,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        to=rendered.to,
        reply_to=rendered.reply_to,
        attachments=rendered.attachments,
        headers=headers,
        recipient=recipient,
        subject_ref=subject_ref,
        due_at=due_at,
        office_id=office_id,
    )


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

"""One helper renders every email from its pair of templates.

`templates/emails/<app>/<name>.txt` holds the subject on its first line and the
body below; `<name>.html` holds the HTML body. The follow-ups engine will queue
these through its outbox; until then mail goes out after the surrounding
transaction commits, never from inside it.
"""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone


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


def email_send_on_commit(
    *,
    template: str,
    to: list[str],
    context: dict,
    reply_to=None,
    attachments=None,
    time_zone: str | None = None,
) -> None:
    rendered = email_render(
        template=template,
        to=to,
        context=context,
        reply_to=reply_to,
        attachments=attachments,
        time_zone=time_zone,
    )
    transaction.on_commit(lambda: rendered.message().send())

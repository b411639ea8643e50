"""The email channel: an outbox row as a MIME message, over Django's mail backend
(SMTP in production; locmem in tests, console in development)."""

import base64
import smtplib

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from apps.core.models import OutboundEmail


def email_message(row: OutboundEmail) -> EmailMultiAlternatives:
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


class EmailChannel:
    name = "email"

    def connect(self) -> BaseEmailBackend:
        # EMAIL_BACKEND, built but not connected: the outbox opens it.
        return get_connection()

    def send(self, row: OutboundEmail, connection: BaseEmailBackend) -> None:
        # Open already, so send_messages leaves it open: the QUIT comes after the
        # outbox's `sent` UPDATE, not inside the window for a resend.
        if not connection.send_messages([email_message(row)]):
            raise smtplib.SMTPException("the mail backend accepted nothing")

    def is_permanent(self, exc: Exception) -> bool:
        # A 5xx reply; for refused recipients, only if every one of them got one.
        code = getattr(exc, "smtp_code", None)
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [c for c, _ in exc.recipients.values()]
            return bool(codes) and all(500 <= c < 600 for c in codes)
        return isinstance(code, int) and 500 <= code < 600

    def alive(self, connection: BaseEmailBackend) -> bool:
        smtp = getattr(connection, "connection", None)
        if smtp is None:  # closed, or not SMTP (console, locmem): nothing to go stale
            return True
        try:
            return smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

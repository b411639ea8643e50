"""The emails a person was sent, for their data export, and what erasing them does
to the outbox (issue 11, data rights)."""

from django.db.models import Q

from apps.core.data_export import ExportTable
from apps.core.models import OutboundEmail

EMAIL_COLUMNS = ["kind", "subject", "status", "due_at", "sent_at", "created_at"]


def emails_of_recipient_for_export(user) -> list[ExportTable]:
    def rows():
        emails = (
            OutboundEmail.objects.filter(recipient=user)
            .only(*EMAIL_COLUMNS)
            .order_by("created_at", "pk")
            .iterator(chunk_size=1000)
        )
        for e in emails:
            yield {column: getattr(e, column) for column in EMAIL_COLUMNS}

    return [ExportTable("email_log", EMAIL_COLUMNS, rows)]


def outbox_erase_recipient(user, *, about_refs: list[str]) -> int:
    """Cancel every email still waiting to go to the person or about their things
    (`about_refs`: "interview:12"), and empty the ones already sent to them of
    their address and words; the rows stay for the office's delivery counts.
    Returns how many were cancelled."""
    waiting = Q(status__in=[OutboundEmail.Status.PENDING, OutboundEmail.Status.FAILED])
    cancelled = OutboundEmail.objects.filter(
        waiting & (Q(recipient=user) | Q(subject_ref__in=about_refs))
    ).update(status=OutboundEmail.Status.CANCELLED, last_error="account erased")
    OutboundEmail.objects.filter(recipient=user).exclude(
        status=OutboundEmail.Status.SENDING
    ).update(to=[], cc=[], reply_to=[], headers={}, subject="", text="", html="", attachments=[])
    return cancelled

"""A student's follow-ups and logged interactions, for their export, and their
erasure (issue 11, data rights). Called by advising.rights."""

from apps.core.data_export import ExportTable
from apps.followups.models import FollowUp, Interaction, NotificationPreference

FOLLOWUP_COLUMNS = [
    "id",
    "kind",
    "contact_id",
    "interview_id",
    "status",
    "due_at",
    "done_at",
    "on_time",
    "sent_via",
    "note",
    "outcome",
    "snoozed_until",
    "cadence_months",
    "created_at",
]
INTERACTION_COLUMNS = ["id", "contact_id", "kind", "occurred_at", "note", "created_at"]
PREFERENCE_COLUMNS = [
    "thank_you",
    "keep_in_touch",
    "meeting",
    "requests",
    "comments",
    "advisor_digest",
    "delivery",
    "quiet_hours",
    "updated_at",
]


def followups_of_student_for_export(user) -> list[ExportTable]:
    def followup_rows():
        rows = FollowUp.objects.filter(student=user).order_by("pk").iterator(chunk_size=1000)
        for f in rows:
            yield {column: getattr(f, column) for column in FOLLOWUP_COLUMNS}

    def interaction_rows():
        rows = Interaction.objects.filter(student=user).order_by("pk").iterator(chunk_size=1000)
        for i in rows:
            yield {column: getattr(i, column) for column in INTERACTION_COLUMNS}

    def preference_rows():
        preference = NotificationPreference.objects.filter(user=user).first()
        if preference is not None:
            yield {column: getattr(preference, column) for column in PREFERENCE_COLUMNS}

    return [
        ExportTable("followups", FOLLOWUP_COLUMNS, followup_rows),
        ExportTable("interactions", INTERACTION_COLUMNS, interaction_rows),
        ExportTable("notification_preferences", PREFERENCE_COLUMNS, preference_rows, csv=False),
    ]


def followups_erase_student(user) -> None:
    """What the student wrote goes; the follow-ups' kinds, states and times stay for
    the office's thank-you and keep-in-touch figures. No reminder goes out to an
    erased account: the guards refuse an inactive recipient at send time, and
    advising.rights cancels what is already in the outbox."""
    FollowUp.objects.filter(student=user).update(note="", outcome="")
    Interaction.objects.filter(student=user).update(note="")
    NotificationPreference.objects.filter(user=user).delete()

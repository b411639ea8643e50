"""Advisors and their students: who advises whom, and who read what."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Assignment(TimeStampedModel):
    """An advisor is assigned a student (made by an office admin). A student may have
    more than one advisor. Every advisor of the office may read every student of
    it; the assigned ones, and office admins, may also write about them."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisee_assignments"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisor_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["advisor", "student"], name="assignment_once"),
        ]
        indexes = [
            # "Unassigned students" and a student's advisors.
            models.Index(fields=["student"], name="assignment_student"),
        ]

    def __str__(self):
        return f"{self.advisor} advises {self.student}"


class AccessRecord(models.Model):
    """An advisor read a student's page or exported a caseload: who, whose, what,
    when and from which address. Append-only: written by
    services.access_record, never changed or deleted by the app."""

    class What(models.TextChoices):
        STUDENT_PAGE = "student_page", _("Student page")
        CASELOAD_CSV = "caseload_csv", _("Caseload export")

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Null for an export of many students.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    what = models.CharField(max_length=20, choices=What.choices)
    # The query string of an export: which students it held.
    detail = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["office", "-at"], name="access_office_at")]

    def __str__(self):
        return f"{self.advisor} {self.what} {self.student or ''} at {self.at}"


# Longest comment and coaching note, in characters: a few paragraphs, not an essay.
COMMENT_MAX = 2000
COACHING_NOTE_MAX = 5000
# A thread holds at most this many comments; a longer exchange starts a new thread,
# so a thread (and the page that shows it) stays bounded.
THREAD_COMMENTS_MAX = 50


class CommentThread(TimeStampedModel):
    """An advisor's comment on one thing the student built, and the replies to it:
    the student's pitch, one conversation's prepared questions, or one conversation
    whose notes the student shared. Resolved (and reopened) by the student or an
    advisor who may write about them."""

    class On(models.TextChoices):
        PITCH = "pitch", _("Pitch")
        QUESTIONS = "questions", _("Question list")
        CONVERSATION = "conversation", _("Conversation")

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_threads"
    )
    on = models.CharField(max_length=12, choices=On.choices)
    # The conversation, for a question list or a conversation; none for the pitch.
    interview = models.ForeignKey(
        "interviews.Interview",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept when the advisor's account goes: the student's record keeps the thread.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(on="pitch") & models.Q(interview__isnull=True))
                | (
                    models.Q(on__in=["questions", "conversation"])
                    & models.Q(interview__isnull=False)
                ),
                name="commentthread_thing",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_by__isnull=True) | models.Q(resolved_at__isnull=False),
                name="commentthread_resolved",
            ),
        ]
        indexes = [
            # A thing's threads (the student's slot) and the student's page.
            models.Index(
                fields=["student", "on", "interview", "-created_at"], name="thread_student_thing"
            ),
        ]

    def __str__(self):
        return f"{self.get_on_display()} of {self.student_id} ({self.pk})"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class Comment(models.Model):
    """One message of a thread, by an advisor or by the student."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(CommentThread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The student's own replies: what the advisors' digest and "new" markers count.
    by_student = models.BooleanField(default=False)
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["thread", "created_at"], name="comment_thread_at"),
            # The weekly digest: the office's student replies since a time.
            models.Index(
                fields=["office", "created_at"],
                name="comment_student_reply_at",
                condition=models.Q(by_student=True),
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk} on thread {self.thread_id}"


class CoachingNote(TimeStampedModel):
    """An advisor's note about a student, for advisors only: never on the student's
    or a volunteer's pages, but in the student's own record (they may inspect their
    education record). Changed or deleted by its author only."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"), max_length=COACHING_NOTE_MAX)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="coachingnote_student_at"),
        ]

    def __str__(self):
        return f"Coaching note {self.pk} about {self.student_id}"

    @property
    def was_edited(self) -> bool:
        # Both stamps are taken a few microseconds apart on creation.
        return (self.updated_at - self.created_at).total_seconds() > 1

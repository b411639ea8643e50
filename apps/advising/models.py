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
    """The office's access log and audit trail: who read whose records (an advisor's
    or admin's visit to a student's page, an export) and who changed who may do what
    (invitations, deactivations, advisor assignments, volunteer approvals, the
    office's settings), when and from which address. Append-only: written by
    services.access_record (and the handler of accounts' OfficeAction), never
    changed or deleted by the app; office admins read it at /office/audit/, and a
    student sees the reads of their own records."""

    class What(models.TextChoices):
        STUDENT_PAGE = "student_page", _("Read the student's page")
        CASELOAD_CSV = "caseload_csv", _("Exported the caseload")
        AUDIT_CSV = "audit_csv", _("Exported the access log")
        INVITED = "invited", _("Sent an invitation")
        INVITATION_RESENT = "invitation_resent", _("Sent an invitation again")
        INVITATION_REVOKED = "invitation_revoked", _("Withdrew an invitation")
        ASSIGNED = "assigned", _("Assigned an advisor")
        UNASSIGNED = "unassigned", _("Removed an advisor")
        DEACTIVATED = "deactivated", _("Deactivated an account")
        REACTIVATED = "reactivated", _("Reactivated an account")
        VOLUNTEER_APPROVED = "volunteer_approved", _("Approved a volunteer")
        VOLUNTEER_DECLINED = "volunteer_declined", _("Declined a volunteer")
        SETTINGS_CHANGED = "settings_changed", _("Changed the office's settings")
        PEOPLE_IMPORT = "people_import", _("Confirmed a people import")
        DATA_EXPORT = "data_export", _("Downloaded their own data")
        ERASURE_REQUESTED = "erasure_requested", _("Asked for their account to be deleted")
        ERASURE_CANCELLED = "erasure_cancelled", _("Cancelled their deletion request")
        ERASED = "erased", _("Deleted an account's personal data")

    # What a student is shown of the log: the reads of their records.
    READS = (What.STUDENT_PAGE,)

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Whose record or account it was about; null for an export of many or a change
    # to the office itself.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    what = models.CharField(max_length=20, choices=What.choices)
    # The query string of an export, an invited address, the settings changed.
    detail = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["office", "-at"], name="access_office_at"),
            models.Index(fields=["subject", "-at"], name="access_subject_at"),
        ]

    def __str__(self):
        return f"{self.actor} {self.what} {self.subject or ''} at {self.at}"


class PeopleImport(TimeStampedModel):
    """An office admin's CSV of people to invite (and students to assign): parsed
    into rows with a verdict each for the preview, then worked through by a task
    once confirmed. Its rows are PeopleImportRow, one table row per line, so the
    preview pages and counts them in the database and the task marks each one done
    as it goes (a rerun skips what is done)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Waiting for confirmation")
        RUNNING = "running", _("Sending invitations")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped")

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    # The file's SHA-256, to tell the admin they uploaded the same file before.
    digest = models.CharField(max_length=64)
    # Columns of the file that the import does not read (shown on the preview).
    ignored_columns = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    # Progress, set on confirmation and moved by the task after each batch.
    to_process = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    invited_count = models.PositiveIntegerField(default=0)
    assigned_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["office", "digest"], name="people_import_digest")]

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.to_process:
            return 100
        return min(100, round(100 * self.processed / self.to_process))


class PeopleImportRow(models.Model):
    """One line of a PeopleImport: what it says, what the preview decided
    (`verdict`, with `error` for the reason of an error), and what the task did
    (`outcome`, blank until then)."""

    class Verdict(models.TextChoices):
        ERROR = "error", _("Error")
        INVITE = "invite", _("Will invite")
        ASSIGN = "assign", _("Already a member: will only assign")
        MEMBER = "member", _("Already a member: nothing to do")
        PENDING = "pending", _("Already invited: skipped")

    class Outcome(models.TextChoices):
        NONE = "", _("Not yet")
        INVITED = "invited", _("Invited")
        ASSIGNED = "assigned", _("Assigned")
        SKIPPED = "skipped", _("Skipped")

    people_import = models.ForeignKey(PeopleImport, on_delete=models.CASCADE, related_name="rows")
    # The line number a spreadsheet shows (the header is line 1).
    line = models.PositiveIntegerField()
    email = models.CharField(max_length=254)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, blank=True)
    advisor_email = models.CharField(max_length=254, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The member this line names, when the address already has an account here.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    error = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    # Why the task skipped a line the preview would have sent (it changed since).
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["people_import", "line"], name="people_import_line"),
        ]
        indexes = [
            # The task's next batch: lines still to do, in order.
            models.Index(fields=["people_import", "outcome", "line"], name="people_import_todo"),
        ]

    def __str__(self):
        return f"{self.line}: {self.email} ({self.verdict})"


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

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, single_line
from apps.followups.enums import (
    ACTIVE_STATUSES,
    CADENCE_CHOICES,
    REMINDER_TOPIC_FIELDS,
    TOPIC_FIELDS,
    Delivery,
    InteractionKind,
    Kind,
    SentVia,
    Status,
    Topic,
)


class FollowUp(TimeStampedModel):
    """Something the student owes a contact, and when: the thank-you after a
    meeting, or the next keep-in-touch check-in. A met contact has at most one
    active check-in; its `due_at` is the last interaction plus the cadence."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followups"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="followups"
    )
    interview = models.ForeignKey(
        "interviews.Interview",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followups",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    # Thank-yous: was it sent within the window? Null until done.
    on_time = models.BooleanField(null=True, blank=True)
    sent_via = models.CharField(max_length=12, choices=SentVia.choices, blank=True)
    note = models.TextField(_("what you shared"), max_length=1000, blank=True)
    # Check-ins with a directory volunteer: what came of their advice, in the
    # student's words. The volunteer sees it on their home (apps/followups/slots.py).
    outcome = models.CharField(
        _("what came of their advice"), max_length=300, blank=True, validators=[single_line]
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # Keep-in-touch only: months between check-ins, adjustable per contact.
    cadence_months = models.PositiveSmallIntegerField(
        _("check in"), choices=CADENCE_CHOICES, null=True, blank=True
    )
    # When the check-in reminder for the current due_at was queued, so the sweep
    # does not render it again every run.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            # The follow-ups page and the nav badge.
            models.Index(fields=["student", "status", "due_at"], name="followup_student_status"),
            # The check-in sweep: open check-ins that came due.
            models.Index(fields=["kind", "status", "due_at"], name="followup_kind_status_due"),
            # What came of a volunteer's advice (selectors.advice_outcomes_for_volunteer),
            # probed once for each of the volunteer's contacts: without it each probe
            # read the contact's follow-ups from the table to find the few done
            # check-ins with an outcome.
            models.Index(
                fields=["contact"],
                name="followup_outcomes",
                condition=models.Q(kind=Kind.KEEP_IN_TOUCH, status=Status.DONE)
                & ~models.Q(outcome=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["interview"],
                condition=models.Q(kind=Kind.THANK_YOU),
                name="followup_one_thank_you_per_interview",
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(kind=Kind.KEEP_IN_TOUCH, status__in=ACTIVE_STATUSES),
                name="followup_one_active_checkin_per_contact",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=Kind.THANK_YOU) | models.Q(interview__isnull=False),
                name="followup_thank_you_has_interview",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=Kind.KEEP_IN_TOUCH)
                | models.Q(cadence_months__in=[m for m, _label in CADENCE_CHOICES]),
                name="followup_checkin_has_cadence",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.SNOOZED) | models.Q(snoozed_until__isnull=False),
                name="followup_snoozed_has_until",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.contact} ({self.status})"

    @property
    def ref(self) -> str:
        """The outbox `subject_ref` of this follow-up's reminders."""
        return f"followup:{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Interaction(TimeStampedModel):
    """A contact the student logged by hand (a message, a call, a coffee): the
    history behind a check-in's clock. Interactions the interviews app records
    (timeline, notes, new meetings) stay there and are read, not copied."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(_("what"), max_length=12, choices=InteractionKind.choices)
    # The moment the clock counts from: now for today, noon in the student's zone
    # for an earlier day.
    occurred_at = models.DateTimeField(_("when"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            # The last few per contact, on the follow-ups page and the log form.
            models.Index(fields=["contact", "-occurred_at"], name="interaction_contact_recent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} with {self.contact} ({self.occurred_at:%Y-%m-%d})"

    @property
    def summary(self) -> str:
        """What the check-in's "last contact" says about it."""
        label = str(self.get_kind_display())
        return f"{label}: {self.note}" if self.note else label


class NotificationPreference(models.Model):
    """Which reminder emails a person gets, and how. Created on first use; a user
    without a row has the defaults (everything on, single emails, quiet hours)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    thank_you = models.BooleanField(Topic.THANK_YOU.label, default=True)
    keep_in_touch = models.BooleanField(Topic.KEEP_IN_TOUCH.label, default=True)
    meeting = models.BooleanField(Topic.MEETING.label, default=True)
    requests = models.BooleanField(Topic.REQUESTS.label, default=True)
    comments = models.BooleanField(Topic.COMMENTS.label, default=True)
    advisor_digest = models.BooleanField(Topic.ADVISOR_DIGEST.label, default=True)
    delivery = models.CharField(
        _("how"), max_length=8, choices=Delivery.choices, default=Delivery.SINGLE
    )
    quiet_hours = models.BooleanField(
        _("no reminder emails during my quiet hours, in my time zone"), default=True
    )
    # A person's own quiet hours; both empty: their office's (Office.quiet_hours_*).
    quiet_hours_start = models.TimeField(_("my quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("my quiet hours end"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["user"],
                name="notifpref_digest",
                condition=models.Q(delivery=Delivery.DIGEST),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | (
                        models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                        & ~models.Q(quiet_hours_start=models.F("quiet_hours_end"))
                    )
                ),
                name="notifpref_quiet_hours_both_or_neither",
                violation_error_message=_(
                    "Give both a start and an end for your quiet hours, at different "
                    "times, or leave both empty for your office's."
                ),
            )
        ]

    def __str__(self):
        return f"Notification preferences of {self.user_id}"

    def quiet_window(self, office_window: tuple[time, time]) -> tuple[time, time]:
        """(start, end) of this person's quiet hours: their own, else the office's."""
        if self.quiet_hours_start is not None and self.quiet_hours_end is not None:
            return self.quiet_hours_start, self.quiet_hours_end
        return office_window

    def wants(self, topic: str) -> bool:
        if topic == Topic.ALL:
            return self.any_topic
        return bool(getattr(self, TOPIC_FIELDS[Topic(topic)]))

    @property
    def any_topic(self) -> bool:
        return any(getattr(self, name) for name in REMINDER_TOPIC_FIELDS.values())

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import KEEP_IN_TOUCH_MONTHS_CHOICES


class Kind(models.TextChoices):
    THANK_YOU = "thank_you", _("Thank-you")
    KEEP_IN_TOUCH = "keep_in_touch", _("Keep in touch")


class Status(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    SNOOZED = "snoozed", _("Snoozed")
    STOPPED = "stopped", _("Stopped")


# A follow-up still waiting on the student (a snoozed one comes back by itself).
ACTIVE_STATUSES = (Status.OPEN, Status.SNOOZED)


class SentVia(models.TextChoices):
    FIELDNOTES = "fieldnotes", _("Sent from Fieldnotes")
    OTHER = "other", _("Sent another way")


class Snooze(models.TextChoices):
    WEEK = "week", _("1 week")
    MONTH = "month", _("1 month")


CADENCE_CHOICES = KEEP_IN_TOUCH_MONTHS_CHOICES


class InteractionKind(models.TextChoices):
    """How the student was in touch with a contact outside Fieldnotes's meetings."""

    MESSAGE = "message", _("Message or email")
    CALL = "call", _("Call")
    IN_PERSON = "in_person", _("Met in person")
    OTHER = "other", _("Other")


class Topic(models.TextChoices):
    """What a reminder email is about; each can be switched off on its own."""

    THANK_YOU = "thank_you", _("Thank-you reminders")
    KEEP_IN_TOUCH = "keep_in_touch", _("Keep-in-touch check-ins")
    MEETING = "meeting", _("Meeting reminders")
    REQUESTS = "requests", _("Reminders about requests waiting for my answer")
    # Not a reminder but a person writing: the advising app's comment emails
    # (apps/advising/guards.py applies it).
    COMMENTS = "comments", _("Comments from my advisor")
    # An advisor's Monday email about their caseload (apps/advising/digest.py).
    ADVISOR_DIGEST = "advisor_digest", _("Weekly digests of my students, on Mondays")
    # The daily digest's own link: it switches every reminder off at once.
    ALL = "all", _("All reminder emails")


TOPIC_FIELDS = {
    Topic.THANK_YOU: "thank_you",
    Topic.KEEP_IN_TOUCH: "keep_in_touch",
    Topic.MEETING: "meeting",
    Topic.REQUESTS: "requests",
    Topic.COMMENTS: "comments",
    Topic.ADVISOR_DIGEST: "advisor_digest",
}
# What "all reminder emails" (Topic.ALL: the digest, its unsubscribe link) covers:
# every topic but the advisor's comments, which are a person writing, not a reminder,
# and the advisors' weekly digest, which has its own link.
REMINDER_TOPIC_FIELDS = {
    topic: name
    for topic, name in TOPIC_FIELDS.items()
    if topic not in (Topic.COMMENTS, Topic.ADVISOR_DIGEST)
}


class Delivery(models.TextChoices):
    SINGLE = "single", _("One email per reminder")
    DIGEST = "digest", _("One daily digest at 08:00")


# Reminder email templates (the outbox `kind`), and the topic each belongs to. Only
# these, and the interviews app's request nudge, are subject to preferences and
# quiet hours; every other email (invitations, requests, the thank-you note itself)
# is transactional and always goes.
THANKS_START = "followups/thanks_start"
THANKS_4H = "followups/thanks_4h"
THANKS_LAPSED = "followups/thanks_lapsed"
CHECKIN = "followups/checkin"
MEETING = "followups/meeting"
DIGEST = "followups/digest"
REQUEST_NUDGE = "interviews/request_nudge"
THANK_YOU_NOTE = "followups/thank_you_note"
THANK_YOU_COPY = "followups/thank_you_copy"

REMINDER_TOPICS = {
    THANKS_START: Topic.THANK_YOU,
    THANKS_4H: Topic.THANK_YOU,
    THANKS_LAPSED: Topic.THANK_YOU,
    CHECKIN: Topic.KEEP_IN_TOUCH,
    MEETING: Topic.MEETING,
    REQUEST_NUDGE: Topic.REQUESTS,
    DIGEST: Topic.ALL,
}

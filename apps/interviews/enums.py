from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Requests still waiting on someone: they count against the one-open-request-per-
# volunteer rule. A draft is not among them: nobody but the student knows of it, so
# it holds no place with the volunteer until it is sent.
OPEN_STATES = (State.REQUESTED, State.ACCEPTED, State.SCHEDULED)
ANSWERED_STATES = (
    State.ACCEPTED,
    State.DECLINED,
    State.SCHEDULED,
    State.COMPLETED,
    State.CANCELLED,
    State.NO_SHOW,
)

# The only moves the services allow: from-state -> allowed to-states.
TRANSITIONS = {
    # A draft is sent or discarded (deleted): withdrawing would tell a volunteer
    # about a request they never received.
    State.DRAFT: {State.REQUESTED},
    State.REQUESTED: {State.ACCEPTED, State.DECLINED, State.EXPIRED, State.WITHDRAWN},
    State.ACCEPTED: {State.SCHEDULED, State.CANCELLED},
    State.SCHEDULED: {State.COMPLETED, State.CANCELLED, State.NO_SHOW},
    State.DECLINED: set(),
    State.EXPIRED: set(),
    State.WITHDRAWN: set(),
    State.COMPLETED: set(),
    State.CANCELLED: set(),
    State.NO_SHOW: set(),
}


class EventKind(models.TextChoices):
    CREATED = "created", _("Drafted")
    REQUESTED = "requested", _("Request sent")
    MESSAGE = "message", _("Message")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired without an answer")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NUDGED = "nudged", _("Reminder sent")
    SCHEDULED = "scheduled", _("Time agreed")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Meeting held")
    NO_SHOW = "no_show", _("Marked as no-show")
    QUESTIONS_SHARED = "questions_shared", _("Questions shared")
    REPLY_LOGGED = "reply_logged", _("Reply recorded")


# Timeline entries the system makes on its own (a draft saved, the automatic
# reminder, the expiry): not a sign the student and the contact were in touch.
# Every other entry moves the contact's keep-in-touch clock.
NOT_INTERACTIONS = frozenset({EventKind.CREATED, EventKind.NUDGED, EventKind.EXPIRED})


class QuestionTopic(models.TextChoices):
    PATH = "path", _("Path into the field")
    DAY_TO_DAY = "day_to_day", _("Day to day")
    SKILLS = "skills", _("Skills")
    OUTLOOK = "outlook", _("Outlook")
    GETTING_STARTED = "getting_started", _("Getting started")
    ORGANISATIONS = "organisations", _("Organisations")
    EXPERIENCE = "experience", _("Experience and internships")
    REFERRALS = "referrals", _("Referrals")
    PAY = "pay", _("Pay and benefits")


class Channel(models.TextChoices):
    """How a request travels: through Fieldnotes to a volunteer, or by the
    student's own email to a contact who is not on the platform."""

    PLATFORM = "platform", _("Through Fieldnotes")
    OWN = "own", _("By my own email or phone")

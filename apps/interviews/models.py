import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import SLOT_MINUTES_CHOICES
from apps.contacts.enums import Format
from apps.core.models import TimeStampedModel, WebURLField, choice_label
from apps.interviews.enums import OPEN_STATES, Channel, EventKind, QuestionTopic, State


class Interview(TimeStampedModel):
    """One informational interview, from the request to the notes."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interviews"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="interviews"
    )
    # Set when the interviewee is an alumni volunteer on the platform.
    volunteer = models.ForeignKey(
        "contacts.VolunteerProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interviews",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.PLATFORM)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    request_subject = models.CharField(_("subject"), max_length=200, blank=True)
    request_message = models.TextField(_("request"), max_length=4000, blank=True)
    # The office wording the text was filled from (the student may have edited it).
    request_template = models.ForeignKey(
        "interviews.RequestTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    # The request checker's verdict on the message as it was sent: it read like an
    # ask for a job (request_check.request_text_asks_for_a_job). Such a request is
    # sent only when the student insists, with a reason (services.requests). Advisors
    # see both on the caseload and the student's page; a draft carries the verdict
    # on its text so far and no reason.
    job_ask_flagged = models.BooleanField(default=False)
    job_ask_reason = models.TextField(_("reason to send it anyway"), max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)
    decline_note = models.TextField(_("note to the student"), max_length=1000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("length"), choices=SLOT_MINUTES_CHOICES, default=15
    )
    format = models.CharField(_("format"), max_length=16, choices=Format.choices, blank=True)
    location = models.CharField(_("place"), max_length=240, blank=True)
    meeting_url = WebURLField(_("meeting link"), blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    # Raised on every change of time or place, for the calendar invitations.
    sequence = models.PositiveIntegerField(default=0)
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    cancel_reason = models.TextField(max_length=1000, blank=True)
    questions_shared_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["student", "state"]),
            models.Index(fields=["volunteer", "state"]),
            # A volunteer's inbox (selectors.volunteer): each list and the past's count
            # an index-only scan of the volunteer's entries, in the inbox's order,
            # instead of a heap page a request (on a tenth-size copy of the scale data
            # the past's page 138 -> 7 buffers, 0.5-0.8 -> 0.2 ms). It replaces
            # (volunteer, requested_at), of which it is the same key and more.
            models.Index(
                fields=["volunteer", "-requested_at", "-id"],
                include=["state", "starts_at", "student"],
                name="interview_volunteer_inbox",
                condition=models.Q(volunteer__isnull=False),
            ),
            models.Index(fields=["state", "requested_at"]),
            models.Index(fields=["contact", "-created_at"]),
        ]
        constraints = [
            # One open request per student and volunteer.
            models.UniqueConstraint(
                fields=["student", "volunteer"],
                condition=models.Q(state__in=[s.value for s in OPEN_STATES])
                & models.Q(volunteer__isnull=False),
                name="interview_one_open_per_volunteer",
            ),
            # Opening the request page again continues the draft.
            models.UniqueConstraint(
                fields=["student", "contact"],
                condition=models.Q(state=State.DRAFT),
                name="interview_one_draft_per_contact",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[State.SCHEDULED, State.COMPLETED, State.NO_SHOW]
                ).__invert__()
                | models.Q(starts_at__isnull=False),
                name="interview_scheduled_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.student} ↔ {self.contact}"

    # Lists show a state badge on every row.
    def get_state_display(self) -> str:
        return choice_label(State, self.state)

    def get_format_display(self) -> str:
        return choice_label(Format, self.format)

    @property
    def ends_at(self):
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def has_started(self) -> bool:
        """Whether the agreed time has come: "Meeting held" and "They did not
        come" are offered from then on (interview_complete refuses them before)."""
        return self.starts_at is not None and self.starts_at <= timezone.now()


class TimeSlot(models.Model):
    """A time the volunteer offered; the student books one."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "starts_at"], name="slot_unique_time")
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC"


class InterviewEvent(models.Model):
    """The timeline: every transition and message, with who and when."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    note = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["interview", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    # Every entry of a timeline shows its kind.
    def get_kind_display(self) -> str:
        return choice_label(EventKind, self.kind)


class RequestTemplate(TimeStampedModel):
    """An office's wording for a first request; placeholders are filled per request
    (see `request_check.PLACEHOLDERS`). Archived rather than deleted, so a request
    keeps pointing at the wording it came from."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, related_name="request_templates"
    )
    name = models.CharField(_("name"), max_length=120)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), max_length=4000)
    is_default = models.BooleanField(_("default"), default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        indexes = [models.Index(fields=["office", "archived_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["office"],
                condition=models.Q(is_default=True, archived_at__isnull=True),
                name="requesttemplate_one_default_per_office",
            ),
            models.UniqueConstraint(
                fields=["office", "name"],
                condition=models.Q(archived_at__isnull=True),
                name="requesttemplate_unique_active_name",
            ),
            models.CheckConstraint(
                condition=models.Q(is_default=False) | models.Q(archived_at__isnull=True),
                name="requesttemplate_default_is_active",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        """The value of this wording in the request page's choice ("" for the
        built-in wording an office without templates of its own uses)."""
        return str(self.pk) if self.pk else ""


class Question(TimeStampedModel):
    """The office's question bank."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, related_name="questions"
    )
    topic = models.CharField(max_length=20, choices=QuestionTopic.choices)
    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["topic", "position", "pk"]
        indexes = [models.Index(fields=["office", "is_active", "topic"])]

    def __str__(self):
        return self.text


class PreparedQuestion(models.Model):
    """One question on an interview's list, in the order the student wants answered."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="questions")
    source = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, blank=True)
    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField()
    asked = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class InterviewNotes(TimeStampedModel):
    """What the student took away. Private to the student unless shared with their
    advisor; never shown to the volunteer."""

    interview = models.OneToOneField(Interview, on_delete=models.CASCADE, related_name="notes")
    quick_notes = models.TextField(_("quick notes"), max_length=20000, blank=True)
    advice = models.TextField(_("Advice"), max_length=20000, blank=True)
    information = models.TextField(_("Information"), max_length=20000, blank=True)
    referrals = models.TextField(_("Referrals (notes)"), max_length=20000, blank=True)
    reflection = models.TextField(_("Reflections"), max_length=20000, blank=True)
    field_fit = models.PositiveSmallIntegerField(
        _("Is this field for me?"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    shared_with_advisor = models.BooleanField(_("share these notes with my advisor"), default=False)


class Referral(TimeStampedModel):
    """A person the interviewee suggested; becomes a contact in one step."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="referral_people"
    )
    full_name = models.CharField(_("name"), max_length=150)
    organisation = models.CharField(_("organisation"), max_length=160, blank=True)
    email = models.EmailField(_("email"), blank=True)
    note = models.CharField(_("why talk to them"), max_length=500, blank=True)
    # The same person may be suggested in several conversations.
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="from_referrals",
    )

    class Meta:
        ordering = ["created_at", "pk"]


# A feed's URL token is its nonce (stored, to find the row) followed by an HMAC of the
# nonce under SECRET_KEY (never stored): the verifier half of the pair.
FEED_NONCE_CHARS = 22  # secrets.token_urlsafe(16)
FEED_MAC_CHARS = 40


def calendar_feed_token(nonce: str) -> str:
    mac = salted_hmac("fieldnotes.calendar-feed", nonce, algorithm="sha256").hexdigest()
    return f"{nonce}{mac[:FEED_MAC_CHARS]}"


class CalendarFeed(models.Model):
    """A secret feed URL of a user's scheduled interviews; resetting it kills the old
    one. The table holds no secret: the URL's token is the row's `nonce` and an HMAC
    of it under the SECRET_KEY (`token`), checked on every request, so a copy of the
    database alone opens no one's calendar (a new SECRET_KEY gives every feed a new
    URL)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    nonce = models.CharField(max_length=FEED_NONCE_CHARS, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"

    @property
    def token(self) -> str:
        return calendar_feed_token(self.nonce)

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.contacts.enums import STAGE_ORDER, Format, ImportStatus, Industry, OpenTo, Source, Stage
from apps.contacts.keys import NAME_KEY_MAX, ORG_KEY_MAX, URL_KEY_MAX, text_key, url_key
from apps.core.models import TimeStampedModel, WebURLField, single_line

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{6,32}$",
    _("Enter a phone number of digits, spaces and + ( ) - . / only."),
)


class VolunteerProfile(TimeStampedModel):
    """An alumnus's offer to be interviewed. Approval lives on the user account
    (accounts.User.approval); this holds what students search and see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, related_name="volunteer_profiles"
    )
    employer = models.CharField(_("employer"), max_length=160, blank=True)
    job_title = models.CharField(_("job title"), max_length=160, blank=True)
    fields = models.ManyToManyField(
        "students.Field", blank=True, related_name="volunteers", verbose_name=_("fields")
    )
    location = models.CharField(_("location"), max_length=120, blank=True)
    graduation_year = models.PositiveSmallIntegerField(
        _("graduation year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    programme = models.CharField(_("programme or major"), max_length=120, blank=True)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    bio = models.TextField(_("short bio"), max_length=2000, blank=True)
    topics = models.TextField(_("topics I am glad to talk about"), max_length=1000, blank=True)
    formats = models.JSONField(_("formats offered"), default=list, blank=True)
    # OpenTo values, in the enum's order (volunteers.volunteer_profile_update).
    open_to = models.JSONField(_("also open to"), default=list, blank=True)
    languages = models.CharField(_("languages"), max_length=160, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    linkedin_url = WebURLField(_("LinkedIn URL"), blank=True)
    share_email_on_accept = models.BooleanField(
        _("share my email address with students whose request I accept"), default=True
    )
    share_phone_on_accept = models.BooleanField(
        _("share my phone number with students whose request I accept"), default=False
    )
    show_linkedin_in_directory = models.BooleanField(
        _("show my LinkedIn profile in the directory"), default=False
    )
    capacity_per_month = models.PositiveSmallIntegerField(
        _("requests I can take per month"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    accepting_requests = models.BooleanField(_("accepting requests"), default=True)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Request statistics, kept by the interviews services through
    # contacts.volunteers.volunteer_stats_*: the directory reads them on every card,
    # so they live on the row instead of being counted from interviews each time.
    month_started = models.DateField(null=True, blank=True)
    requests_in_month = models.PositiveIntegerField(default=0)
    requests_received = models.PositiveIntegerField(default=0)
    requests_answered = models.PositiveIntegerField(default=0)
    response_seconds_total = models.PositiveBigIntegerField(default=0)
    # Both filled by contacts.volunteers.volunteer_search_refresh: the plain text is
    # the SQLite fallback, the weighted vector what PostgreSQL searches (its GIN
    # index exists only there; see migration 0002). Null until the first refresh
    # and always null on SQLite.
    search_document = models.TextField(blank=True, default="")
    # Name, employer, job title, fields and topics (not the bio): the words a typo
    # is matched against with pg_trgm when the full-text search finds nobody. Its
    # GIN trigram index exists only on PostgreSQL (migration 0006).
    search_words = models.TextField(blank=True, default="")
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user__full_name"]
        indexes = [models.Index(fields=["office", "accepting_requests"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity_per_month__gte=1, capacity_per_month__lte=30),
                name="volunteer_capacity_range",
            ),
        ]

    def __str__(self):
        return f"Volunteer {self.user}"

    MIN_REQUESTS_FOR_STATS = 3

    @property
    def response_rate(self) -> int | None:
        """Percentage of requests answered (accepted or declined), once there are a few."""
        if self.requests_received < self.MIN_REQUESTS_FOR_STATS:
            return None
        return round(100 * self.requests_answered / self.requests_received)

    @property
    def typical_response_hours(self) -> int | None:
        if self.requests_received < self.MIN_REQUESTS_FOR_STATS or not self.requests_answered:
            return None
        return max(1, round(self.response_seconds_total / self.requests_answered / 3600))

    def get_formats_display(self):
        labels = dict(Format.choices)
        return [labels.get(f, f) for f in self.formats]

    def get_open_to_display(self):
        labels = dict(OpenTo.choices)
        return [labels.get(o, o) for o in self.open_to]


# What a student can say about a contact, in the order of the CSV template and
# export: contact_create/contact_update, the contact form and the CSV columns
# ("name" there) all read this one list.
CONTACT_FIELDS = (
    "full_name",
    "email",
    "phone",
    "organisation",
    "job_title",
    "field",
    "location",
    "linkedin_url",
    "source",
    "referred_by",
    "notes",
    "tags",
)


class Contact(TimeStampedModel):
    """A person a student might talk to. Private to the student; the student's
    advisors may read it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts"
    )
    full_name = models.CharField(_("name"), max_length=150, validators=[single_line])
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    organisation = models.CharField(
        _("organisation"), max_length=160, blank=True, validators=[single_line]
    )
    job_title = models.CharField(_("job title"), max_length=160, blank=True)
    field = models.ForeignKey(
        "students.Field",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("field"),
    )
    location = models.CharField(_("location"), max_length=120, blank=True)
    linkedin_url = WebURLField(_("LinkedIn URL"), blank=True)
    source = models.CharField(
        _("how I found them"), max_length=32, choices=Source.choices, default=Source.FRIEND_FAMILY
    )
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    volunteer = models.ForeignKey(
        VolunteerProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.IDENTIFIED
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    # The stage's place in STAGE_ORDER, kept by the database: an advisor's caseload
    # sorts a whole office on each student's furthest stage, which the index below
    # answers with one index entry per student.
    stage_rank = models.GeneratedField(
        expression=models.Case(
            *(models.When(stage=s, then=models.Value(i)) for i, s in enumerate(STAGE_ORDER)),
            default=models.Value(-1),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    # Position on the target list of the contact's field; null when not on the list.
    target_rank = models.PositiveIntegerField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # The keep-in-touch clock: when the student was last in touch with them, and
    # how. Kept by contacts.services.contact_record_interaction, which the interviews
    # and follow-ups services call; check-ins are due a cadence after it.
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    last_interaction = models.CharField(max_length=200, blank=True)
    # What contacts.matching compares, kept by save() (and set before a bulk_create):
    # the name and organisation without case, accents or extra spaces, and the
    # LinkedIn URL without scheme, www, query or trailing slash (contacts.keys).
    match_name = models.CharField(max_length=NAME_KEY_MAX, blank=True, editable=False)
    match_org = models.CharField(max_length=ORG_KEY_MAX, blank=True, editable=False)
    match_linkedin = models.CharField(max_length=URL_KEY_MAX, blank=True, editable=False)

    class Meta:
        ordering = ["full_name"]
        indexes = [
            models.Index(fields=["owner", "archived_at", "full_name"]),
            # The contact book's pages, read in its order (name, then id) with LIMIT:
            # a page of 25 is 25 index entries, however big the book. Partial on
            # archived_at because PostgreSQL orders by an index only after equality
            # on the columns before (an IS NULL there does not count). The stage and
            # field filters have their own; the count of the whole book is cached
            # (selectors.contact_count_for_student).
            models.Index(
                fields=["owner", "full_name", "id"],
                name="contact_book_page",
                condition=models.Q(archived_at__isnull=True),
            ),
            models.Index(
                fields=["owner", "full_name", "id"],
                name="contact_book_archived_page",
                condition=models.Q(archived_at__isnull=False),
            ),
            models.Index(
                fields=["owner", "stage", "full_name", "id"],
                name="contact_book_stage_page",
                condition=models.Q(archived_at__isnull=True),
            ),
            models.Index(
                fields=["owner", "field", "full_name", "id"],
                name="contact_book_field_page",
                condition=models.Q(archived_at__isnull=True),
            ),
            # The student home's figures (selectors.contact_counts_for_student) count
            # the whole book by stage, target and referral: an index-only scan of
            # this, a third of reading the rows (0.46 against 1.36 ms for 1,929).
            models.Index(
                fields=["owner", "stage"],
                include=["target_rank", "referred_by"],
                name="contact_book_counts",
                condition=models.Q(archived_at__isnull=True),
            ),
            models.Index(fields=["owner", "match_name", "match_org"], name="contact_match_name"),
            models.Index(
                fields=["owner", "match_linkedin"],
                name="contact_match_linkedin",
                condition=~models.Q(match_linkedin=""),
            ),
            models.Index(fields=["owner", "field", "target_rank"]),
            # The target list and board read a student's ranked contacts only, a
            # handful in a book of thousands: PostgreSQL read the whole book by
            # owner and dropped the unranked (2,000 rows for 8 on the scale
            # student, its SQL growing with the book: 1.37x at 10x the data). It
            # carries what their rows show, so that reading it beats the owner's
            # index in cost too (an index-only scan: 0.16 against 0.6 ms there).
            models.Index(
                fields=["owner", "target_rank"],
                include=[
                    "id",
                    "field",
                    "stage",
                    "referred_by",
                    "full_name",
                    "job_title",
                    "organisation",
                ],
                name="contact_target_list",
                condition=models.Q(archived_at__isnull=True, target_rank__isnull=False),
            ),
            models.Index(fields=["owner", "email"]),
            # A volunteer's contacts as ids only (the outcomes on their home): an
            # index-only scan, where the volunteer's own index reads every row from
            # the table (180 pages for the scale volunteer's 182 contacts). Partial:
            # most contacts are not a volunteer.
            models.Index(
                fields=["volunteer", "id"],
                name="contact_volunteer_ids",
                condition=models.Q(volunteer__isnull=False),
            ),
            models.Index(
                "owner",
                models.F("stage_rank").desc(),
                name="contact_owner_furthest_stage",
                condition=models.Q(archived_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "volunteer"],
                condition=models.Q(volunteer__isnull=False),
                name="contact_one_per_volunteer",
            ),
        ]

    def __str__(self):
        return self.full_name

    def refresh_match_keys(self) -> None:
        self.match_name = text_key(self.full_name, limit=NAME_KEY_MAX)
        self.match_org = text_key(self.organisation, limit=ORG_KEY_MAX)
        self.match_linkedin = url_key(self.linkedin_url)

    def save(self, *args, **kwargs):
        self.refresh_match_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"full_name", "organisation", "linkedin_url"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "match_name", "match_org", "match_linkedin"}
        super().save(*args, **kwargs)

    @property
    def is_archived(self):
        return self.archived_at is not None


class ContactImport(TimeStampedModel):
    """One CSV upload: parsed into a preview first, imported on confirmation."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_imports"
    )
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=20)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.status})"

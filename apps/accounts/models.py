import hashlib
import zoneinfo
from datetime import time

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.copies import copies_on, users_changed
from apps.accounts.enums import KEEP_IN_TOUCH_MONTHS_CHOICES, SLOT_MINUTES_CHOICES, Approval, Role
from apps.core.models import SortIndex, TimeStampedModel, single_line


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Office(TimeStampedModel):
    """A career services office: the tenant. Nothing of one office is visible to another."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in links"), max_length=60, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone], default="UTC"
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("requested slot"), choices=SLOT_MINUTES_CHOICES, default=15
    )
    thank_you_hours = models.PositiveSmallIntegerField(_("thank-you due after (hours)"), default=24)
    keep_in_touch_months = models.PositiveSmallIntegerField(
        _("keep-in-touch check-in"), choices=KEEP_IN_TOUCH_MONTHS_CHOICES, default=3
    )
    request_nudge_days = models.PositiveSmallIntegerField(
        _("nudge unanswered requests after (days)"), default=7
    )
    max_open_requests = models.PositiveSmallIntegerField(_("open requests per student"), default=5)
    accepts_volunteers = models.BooleanField(_("open volunteer sign-up page"), default=True)
    # Advisors' caseload: a student with no activity for this long is flagged.
    stalled_days = models.PositiveSmallIntegerField(
        _("flag students as stalled after (days without activity)"), default=21
    )
    # Reminder emails wait out this window in each recipient's own time zone
    # (apps/followups/notifications.py). A start later than the end crosses midnight.
    quiet_hours_start = models.TimeField(_("quiet hours start"), default=time(21, 0))
    quiet_hours_end = models.TimeField(_("quiet hours end"), default=time(8, 0))
    # Advisors and office admins see students' data: until they have set up
    # two-factor sign-in, and in each session until they have used it, they reach
    # only the pages that set it up (accounts.middleware.StaffSessionMiddleware).
    staff_two_factor_required = models.BooleanField(
        _("advisors and office admins must use two-factor sign-in"),
        default=True,
        help_text=_(
            "Staff without two-factor sign-in can reach only the pages that set it up. "
            "Students and alumni volunteers may use it but are never required to."
        ),
    )

    # Accounts of the office with no sign of use (sign-in or activity) for this many
    # years are erased by the nightly retention sweep, after a warning email 30 days
    # before (advising.rights). Null keeps them.
    retention_years = models.PositiveSmallIntegerField(
        _("erase accounts unused for (years)"),
        null=True,
        blank=True,
        help_text=_(
            "Accounts nobody has signed in to or used for this long are erased, after a "
            "warning email 30 days before. Leave empty to keep them."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(retention_years__isnull=True)
                | models.Q(retention_years__gte=1, retention_years__lte=20),
                name="office_retention_years_range",
            ),
            models.CheckConstraint(
                condition=models.Q(thank_you_hours__gte=1, thank_you_hours__lte=168),
                name="office_thank_you_hours_range",
            ),
            models.CheckConstraint(
                condition=models.Q(request_nudge_days__gte=1, request_nudge_days__lte=30),
                name="office_nudge_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_open_requests__gte=1, max_open_requests__lte=50),
                name="office_max_open_requests_range",
            ),
            models.CheckConstraint(
                condition=models.Q(stalled_days__gte=1, stalled_days__lte=365),
                name="office_stalled_days_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(quiet_hours_start=models.F("quiet_hours_end")),
                name="office_quiet_hours_not_empty",
                violation_error_message=_("Quiet hours must end at another time than they start."),
            ),
        ]

    def __str__(self):
        return self.name


class UserQuerySet(models.QuerySet):
    """Bulk changes of accounts renew the changed users' kept copies (accounts.copies):
    `update()` reads the ids it changes first, one query more, unless `of_ids()`
    named them (an upper bound is enough: a copy read again costs one read)."""

    _changing_ids = None

    def of_ids(self, ids):
        """Only these users; an `update()` after it renews their copies without
        reading their ids."""
        ids = list(ids)
        narrowed = self.filter(pk__in=ids)
        narrowed._changing_ids = ids
        return narrowed

    def _clone(self):
        clone = super()._clone()
        clone._changing_ids = self._changing_ids
        return clone

    def update(self, **kwargs):
        ids = self._changing_ids
        if ids is None and copies_on():
            ids = list(self.values_list("pk", flat=True))
        changed = super().update(**kwargs)
        users_changed(ids or [])
        return changed

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        changed = super().bulk_update(objs, fields, batch_size=batch_size)
        users_changed([obj.pk for obj in objs])
        return changed

    bulk_update.alters_data = True


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Email is the login; every person belongs to one office."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, validators=[single_line])
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone], default="UTC"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STUDENT)
    is_office_admin = models.BooleanField(_("office admin"), default=False)
    approval = models.CharField(
        _("approval"), max_length=16, choices=Approval.choices, default=Approval.APPROVED
    )
    rejection_reason = models.TextField(_("reason not approved"), blank=True)
    # Null only for platform superusers, who run the deployment rather than an office.
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="members", null=True, blank=True
    )
    # A student's latest sign of work: a contact added, or any interaction with a
    # contact (the keep-in-touch clock: requests, meetings, notes, thank-yous,
    # check-ins). Kept by services.user_record_activity, which the contacts services
    # call, so the advisors' caseload sorts and filters an office of 20,000 on one
    # column instead of three subqueries per student. Null until the first.
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # Data rights (advising.rights): when the person asked for their account to be
    # erased (carried out after a grace period, or at once by an office admin), when
    # it was, and when the retention sweep warned them before erasing an unused one.
    erasure_requested_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    retention_warned_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_office_admin=False) | models.Q(role=Role.ADVISOR),
                name="user_office_admin_is_advisor",
            ),
            models.CheckConstraint(
                condition=models.Q(office__isnull=False) | models.Q(is_superuser=True),
                name="user_has_office",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "role"]),
            # The office admin's pending deletion requests and the grace-period sweep.
            models.Index(
                fields=["erasure_requested_at"],
                name="user_erasure_pending",
                condition=models.Q(erasure_requested_at__isnull=False, erased_at__isnull=True),
            ),
            # The office's People page, in name order a page at a time: read in index
            # order rather than sorting every member for each page.
            models.Index(
                models.F("office"), Lower("full_name"), models.F("id"), name="user_office_name"
            ),
            # Its other sorts (advising.selectors_people.SORTS), each in the order the
            # page asks for, never-signed-in last either way: without them PostgreSQL
            # joined and sorted all 25,000 members of the scale office for each page
            # (18-32 ms). A backward scan would put the nulls first, hence one each way.
            SortIndex(
                models.F("office"),
                Lower("full_name").desc(nulls_last=True),
                models.F("id"),
                name="user_office_name_desc",
            ),
            *(
                SortIndex(
                    models.F("office"),
                    models.F(column).desc(nulls_last=True) if desc else models.F(column),
                    models.F("id"),
                    name=f"user_office_{column}{'_desc' if desc else ''}",
                )
                for column in ("date_joined", "last_login")
                for desc in (False, True)
            ),
            # The office's list of its volunteers (contacts.directory
            # .volunteer_list_for_admin), a page of 50 read in this order with LIMIT.
            models.Index(
                fields=["office", "full_name", "id"],
                name="user_office_volunteer_name",
                condition=models.Q(role=Role.ALUMNI, approval=Approval.APPROVED),
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_student(self):
        return self.role == Role.STUDENT

    @property
    def is_alumni(self):
        return self.role == Role.ALUMNI

    @property
    def is_advisor(self):
        return self.role == Role.ADVISOR

    @property
    def is_approved(self):
        return self.approval == Approval.APPROVED


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(TimeStampedModel):
    """An office admin's invitation. Only the digest of the token is stored, so a
    leaked database does not hand out working sign-up links."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    is_office_admin = models.BooleanField(_("make office admin"), default=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    # When its current link was emailed: on creation, and again on each resend
    # (which replaces the token). The reminder counts from here.
    sent_at = models.DateTimeField(default=timezone.now)
    # When the one reminder for the current link went out; cleared by a resend.
    reminded_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The advisor an invited student gets on accepting (a CSV import's advisor_email
    # column). Kept here because the student has no account yet to assign; the
    # advising app makes the assignment when it hears InvitationAccepted.
    advisor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["office", "-created_at"]),
            # The reminder sweep: open invitations not yet reminded, by when sent.
            models.Index(
                fields=["sent_at"],
                condition=models.Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, reminded_at__isnull=True
                ),
                name="invitation_to_remind",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_office_admin=False) | models.Q(role=Role.ADVISOR),
                name="invitation_office_admin_is_advisor",
            ),
            models.CheckConstraint(
                condition=models.Q(advisor__isnull=True) | models.Q(role=Role.STUDENT),
                name="invitation_advisor_for_students",
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def status(self):
        if self.accepted_at:
            return _("accepted")
        if self.revoked_at:
            return _("revoked")
        if self.is_expired:
            return _("expired")
        return _("pending")

    @property
    def is_usable(self):
        return not (self.accepted_at or self.revoked_at or self.is_expired)


class OfficeSignOn(TimeStampedModel):
    """An office's campus single sign-on (issue 11): one identity provider, OpenID
    Connect or SAML 2.0. allauth sees it as an app whose provider id is the office's
    slug (`accounts.sso.office_social_app`); the client secret is kept encrypted."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="sign_on")
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices)
    enabled = models.BooleanField(_("campus sign-in is on"), default=True)
    campus_name = models.CharField(
        _("campus name on the button"), max_length=100, validators=[single_line]
    )
    email_domains = models.CharField(
        _("email domains"),
        max_length=500,
        help_text=_("Comma-separated, e.g. northfield.edu, alumni.northfield.edu."),
    )
    student_signup = models.BooleanField(
        _("create a student account for a new address"), default=False
    )
    trust_idp_mfa = models.BooleanField(
        _("accept the campus's two-factor for staff"), default=False
    )
    oidc_issuer = models.URLField(_("issuer URL"), blank=True)
    oidc_client_id = models.CharField(_("client id"), max_length=255, blank=True)
    oidc_client_secret_encrypted = models.TextField(blank=True, editable=False)
    saml_entity_id = models.CharField(_("IdP entity id"), max_length=500, blank=True)
    saml_sso_url = models.URLField(_("IdP sign-in URL"), max_length=500, blank=True)
    saml_x509_cert = models.TextField(_("IdP signing certificate (PEM)"), blank=True)

    def __str__(self):
        return f"{self.office} ({self.get_protocol_display()})"

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]

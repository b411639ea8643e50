import base64
import json
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from cryptography import x509
from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors
from apps.accounts.enums import Role
from apps.accounts.models import Office, OfficeSignOn, User
from apps.accounts.zones import current_zones, time_zone_choices, zone_aliases, zone_canonical


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class TimeZoneField(forms.ChoiceField):
    """The current IANA zones, common ones first, grouped by region; static/js/
    timezone.js adds a search box and, with `detect`, selects the browser's zone.
    An old alias (US/Eastern) is read and saved as its current name."""

    def __init__(self, *, detect: bool = False, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        super().__init__(choices=time_zone_choices, **kwargs)
        self.kept = ""
        attrs = {
            "data-tz-picker": "",
            "data-tz-search-label": _("Search time zones"),
            "data-tz-count": _("%(n)s time zones match"),
            "data-tz-count-one": _("1 time zone matches"),
            "autocomplete": "off",
        }
        if detect:
            attrs["data-tz-detect"] = ""
            attrs["data-tz-aliases"] = json.dumps(zone_aliases(), separators=(",", ":"))
        self.widget.attrs.update(attrs)

    def keep(self, value: str | None) -> None:
        """Let someone who has a valid zone with no current name keep it."""
        if value and zone_canonical(value) not in current_zones():
            self.kept = value
            self.choices = time_zone_choices(extra=value)

    def to_python(self, value):
        return zone_canonical(super().to_python(value))

    def prepare_value(self, value):
        return zone_canonical(value) if isinstance(value, str) else value

    def valid_value(self, value):
        return value in current_zones() or (bool(value) and value == self.kept)


def _detect_until_chosen(form) -> None:
    # A form sent back with an error keeps the zone the person chose.
    if form.is_bound:
        form.fields["time_zone"].widget.attrs.pop("data-tz-detect", None)
        form.fields["time_zone"].widget.attrs.pop("data-tz-aliases", None)


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(
                email=data.get("email") or getattr(self, "email", ""),
                full_name=data.get("full_name", ""),
            )
            try:
                validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STUDENT)
    is_office_admin = forms.BooleanField(
        label=_("Also an office admin (advisors only)"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send invitation"))

    def clean(self):
        data = super().clean()
        if data.get("is_office_admin") and data.get("role") != Role.ADVISOR:
            self.add_error("is_office_admin", _("Only advisors can be office admins."))
        return data


INVITATION_STATUS_CHOICES = [
    ("", _("Any")),
    (selectors.INVITATION_PENDING, _("Pending")),
    (selectors.INVITATION_ACCEPTED, _("Accepted")),
    (selectors.INVITATION_EXPIRED, _("Expired")),
    (selectors.INVITATION_REVOKED, _("Revoked")),
]


class InvitationFilterForm(forms.Form):
    """The sent invitations' filters, from the query string."""

    q = forms.CharField(label=_("Email contains"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=INVITATION_STATUS_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["class"] = "form-control"
        self.fields["status"].widget.attrs["class"] = "form-select"


class InvitationAcceptForm(PasswordPairMixin):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    time_zone = TimeZoneField(detect=True)
    field_order = ["full_name", "time_zone", "password1", "password2"]

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)
        _detect_until_chosen(self)
        self.helper = _helper(_("Create my account"))


class VolunteerSignupForm(PasswordPairMixin):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    time_zone = TimeZoneField(detect=True)
    field_order = ["full_name", "email", "time_zone", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _detect_until_chosen(self)
        self.helper = _helper(_("Offer to be interviewed"))


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = User
        fields = ["full_name", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].keep(self.instance.time_zone)
        self.helper = _helper(_("Save"))


def _bounded(name: str, low: int, high: int) -> forms.IntegerField:
    # Same bounds as the model's check constraints, checked on the field so an
    # out-of-range value is reported beside it rather than as "Constraint … is violated".
    return forms.IntegerField(
        label=Office._meta.get_field(name).verbose_name, min_value=low, max_value=high
    )


def _clock(label: str, help_text: str = "") -> forms.TimeField:
    # Whole minutes only: the browser's time picker sends HH:MM, and a second
    # somewhere in a window nobody can see on the page would only confuse.
    return forms.TimeField(
        label=label,
        help_text=help_text,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Give a time, e.g. 21:00."),
            "invalid": _("Enter a time as HH:MM on a 24-hour clock, e.g. 21:00."),
        },
    )


class OfficeSettingsForm(forms.ModelForm):
    time_zone = TimeZoneField()
    thank_you_hours = _bounded("thank_you_hours", 1, 168)
    request_nudge_days = _bounded("request_nudge_days", 1, 30)
    max_open_requests = _bounded("max_open_requests", 1, 50)
    stalled_days = _bounded("stalled_days", 1, 365)
    retention_years = forms.IntegerField(
        label=_("Erase accounts unused for (years)"),
        help_text=Office._meta.get_field("retention_years").help_text,
        min_value=1,
        max_value=20,
        required=False,
    )
    quiet_hours_start = _clock(
        _("Quiet hours start"),
        _(
            "No reminder emails from this time, in each person's own time zone, for "
            "everyone who has not set quiet hours of their own."
        ),
    )
    quiet_hours_end = _clock(
        _("Quiet hours end"),
        _("Reminders held back overnight go at this time. A window may cross midnight."),
    )

    class Meta:
        model = Office
        fields = [
            "name",
            "time_zone",
            "slot_minutes",
            "thank_you_hours",
            "keep_in_touch_months",
            "request_nudge_days",
            "max_open_requests",
            "stalled_days",
            "quiet_hours_start",
            "quiet_hours_end",
            "accepts_volunteers",
            "staff_two_factor_required",
            "retention_years",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].keep(self.instance.time_zone)
        self.helper = _helper(_("Save office settings"))

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if start is not None and start == end:
            # Said beside the field rather than as the model's constraint message.
            self.add_error(
                "quiet_hours_end", _("Quiet hours must end at another time than they start.")
            )
        return data


class VolunteerRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the volunteer)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class OfficeSignOnForm(forms.ModelForm):
    """An office's campus sign-in. The client secret is write-only: the page never
    shows it, and leaving the box empty keeps the one stored."""

    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the current one."),
    )

    oidc_issuer = forms.URLField(
        label=_("Issuer URL"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "Where /.well-known/openid-configuration is found, e.g. https://login.northfield.edu/realms/campus."
        ),
    )
    saml_sso_url = forms.URLField(
        label=_("IdP sign-in URL"), required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = OfficeSignOn
        fields = [
            "protocol",
            "enabled",
            "campus_name",
            "email_domains",
            "student_signup",
            "trust_idp_mfa",
            "oidc_issuer",
            "oidc_client_id",
            "client_secret",
            "saml_entity_id",
            "saml_sso_url",
            "saml_x509_cert",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saml_x509_cert"].widget.attrs["rows"] = 6
        self.helper = _helper(_("Save campus sign-in"))
        common = [name for name in self.fields if not name.startswith(("oidc_", "saml_"))]
        common.remove("client_secret")
        self.helper.layout = Layout(
            *common,
            Fieldset(_("OpenID Connect"), "oidc_issuer", "oidc_client_id", "client_secret"),
            Fieldset(_("SAML 2.0"), "saml_entity_id", "saml_sso_url", "saml_x509_cert"),
        )

    def clean_email_domains(self):
        domains = [d.strip().lower() for d in self.cleaned_data["email_domains"].split(",")]
        domains = [d for d in domains if d]
        if not domains:
            raise forms.ValidationError(_("Name at least one email domain."))
        bad = [d for d in domains if not DOMAIN_RE.match(d)]
        if bad:
            raise forms.ValidationError(
                _("Not an email domain: %(bad)s."), params={"bad": ", ".join(bad)}
            )
        return ", ".join(dict.fromkeys(domains))

    def clean_saml_x509_cert(self):
        cert = self.cleaned_data["saml_x509_cert"].strip()
        if not cert:
            return cert
        body = "".join(
            line.strip() for line in cert.splitlines() if line.strip() and "-----" not in line
        )
        try:
            x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
        except ValueError:
            raise forms.ValidationError(_("This is not a PEM certificate.")) from None
        return body

    def clean(self):
        data = super().clean()
        protocol = data.get("protocol")
        if protocol == OfficeSignOn.Protocol.SAML and not settings.SAML_AVAILABLE:
            self.add_error(
                "protocol", _("SAML is not installed on this server (python3-saml, xmlsec).")
            )
        if protocol == OfficeSignOn.Protocol.OIDC:
            needed = ["oidc_issuer", "oidc_client_id"]
            has_secret = bool(self.instance.pk and self.instance.oidc_client_secret_encrypted)
            if not data.get("client_secret") and not has_secret:
                self.add_error("client_secret", _("Enter the client secret from your campus."))
        else:
            needed = ["saml_entity_id", "saml_sso_url", "saml_x509_cert"]
        for name in needed:
            if name in data and not data.get(name):
                self.add_error(name, _("Needed for this protocol."))
        return data

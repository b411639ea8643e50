import copy
import functools
from collections.abc import Callable

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.contacts.directory import DirectoryFilters, volunteer_majors_for_office
from apps.contacts.enums import Format, Industry, OpenTo
from apps.contacts.models import VolunteerProfile
from apps.contacts.volunteers import EARLIEST_GRADUATION_YEAR
from apps.core.forms import IdChoices
from apps.students.models import Field
from apps.students.selectors import field_choices_kept, field_list_for_office


class VolunteerProfileForm(forms.ModelForm):
    """Layout and field checks only; the service decides (and re-checks) the rules."""

    fields = IdChoices(
        label=_("Fields I can talk about"),
        queryset=Field.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity_per_month = forms.IntegerField(
        label=_("Requests I can take per month"),
        min_value=1,
        max_value=30,
        help_text=_("Between 1 and 30. Students see when you are fully booked."),
    )
    formats = forms.MultipleChoiceField(
        label=_("Ways I am willing to meet"),
        choices=Format.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one way you are willing to meet.")},
    )
    open_to = forms.MultipleChoiceField(
        label=_("I am also open to"),
        choices=OpenTo.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Students can filter the directory on these."),
    )

    class Meta:
        model = VolunteerProfile
        fields = [
            "employer", "job_title", "industry", "fields", "location", "graduation_year",
            "programme", "bio", "topics", "formats", "open_to", "languages", "capacity_per_month",
            "accepting_requests", "paused_until", "phone", "linkedin_url",
            "share_email_on_accept", "share_phone_on_accept", "show_linkedin_in_directory",
        ]  # fmt: skip
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "topics": forms.Textarea(attrs={"rows": 3}),
            "paused_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "linkedin_url": forms.URLInput(attrs={"placeholder": "https://www.linkedin.com/in/…"}),
        }
        help_texts = {
            "topics": _("For example: breaking into consulting, a day in product management."),
            "languages": _("Languages you can hold the conversation in."),
            "paused_until": _(
                "Optional. No new requests up to and including this date; leave empty to "
                "take requests now."
            ),
            "phone": _("Never shown in the directory."),
            "bio": _("A few sentences about your path since graduating."),
        }

    def __init__(self, *args, office_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].queryset = field_list_for_office(office_id=office_id)
        year = timezone.localdate().year
        self.fields["graduation_year"].widget = forms.NumberInput(
            attrs={"min": EARLIEST_GRADUATION_YEAR, "max": year}
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def _post_clean(self):
        # The service validates and saves; the model instance is not touched here,
        # so a refused change leaves the profile exactly as it was.
        pass


class VolunteerPauseForm(forms.Form):
    until = forms.DateField(label=_("Pause until"), widget=forms.DateInput(attrs={"type": "date"}))


def _choices_with(first: tuple[str, str], enum) -> Callable[[], list]:
    """A filter's choices as a callable: a form's fields are deep-copied for every
    form made, a list of choices (and its widget's) with them, which was most of
    the directory form's construction on every page; a callable is not copied."""
    return lambda: [first, *enum.choices]


class DirectoryFilterForm(forms.Form):
    """The directory's search box and filters, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=Field.objects.none(), required=False, empty_label=_("Any field")
    )
    location = forms.CharField(label=_("Location"), required=False, max_length=120)
    format = forms.ChoiceField(
        label=_("Format"), choices=_choices_with(("", _("Any format")), Format), required=False
    )
    year_from = forms.IntegerField(label=_("Graduated from"), required=False)
    year_to = forms.IntegerField(label=_("Graduated to"), required=False)
    accepting = forms.BooleanField(label=_("Has time this month"), required=False)
    industry = forms.ChoiceField(
        label=_("Industry"),
        choices=_choices_with(("", _("Any industry")), Industry),
        required=False,
        error_messages={"invalid_choice": _("Choose an industry from the list.")},
    )
    # Checked against the office's volunteers' majors in clean_major, and the choices
    # read only when the page shows them: an htmx search without it costs no query.
    major = forms.CharField(label=_("Major"), required=False, max_length=120)
    open_to = forms.ChoiceField(
        label=_("Open to"),
        choices=_choices_with(("", _("Anything")), OpenTo),
        required=False,
        error_messages={"invalid_choice": _("Choose what the volunteer is open to from the list.")},
    )

    def __init__(self, *args, office_id: int, **kwargs):
        # self.fields are the class's own, shared (_SharedFields): a field this form
        # changes is replaced by a copy of its own first.
        super().__init__(*args, **kwargs)
        self.office_id = office_id
        # Only a field asked for is looked up (the options shown are field_options);
        # an empty one is None without it, and building the queryset on every page
        # cost a third of the form's construction.
        if self.is_bound and self.data.get("field"):
            self.fields["field"] = field = copy.deepcopy(self.fields["field"])
            field.queryset = field_list_for_office(office_id=office_id)
        self.last_year = timezone.localdate().year
        self.fields.update(_year_fields(self.last_year))

    # The office's field choices as (id, name), once read: by field_options, or given
    # by the view (the directory page reads them with its ranking, in one cache round
    # trip).
    field_choices: list[tuple[int, str]] | None = None

    def field_options(self) -> list[tuple[str, str]]:
        """The field choices as a list of (id as text, name): kept in the cache
        (students.selectors.field_choices_kept, no query when it holds them) and
        read once (the template's loop over the choice iterator would count them
        first, then read them through a server-side cursor): the directory shows
        them on every page."""
        if not hasattr(self, "_field_options"):
            if self.field_choices is None:
                self.field_choices = field_choices_kept(office_id=self.office_id)
            self._field_options = [(str(pk), name) for pk, name in self.field_choices]
        return self._field_options

    # The office's majors, once read: by major_options, or given by the view (the
    # directory page reads them with its ranking, in one cache round trip).
    majors: list[str] | None = None

    def major_options(self) -> list[str]:
        if self.majors is None:
            self.majors = volunteer_majors_for_office(office_id=self.office_id)
        return self.majors

    def clean_major(self):
        value = " ".join((self.cleaned_data.get("major") or "").split())
        if not value:
            return ""
        for major in self.major_options():
            if major.casefold() == value.casefold():
                return major
        raise forms.ValidationError(_("Choose a major from the list."))

    def _clean_year(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and not (EARLIEST_GRADUATION_YEAR <= value <= self.last_year):
            raise forms.ValidationError(
                _("Enter a year between %(first)s and %(last)s.")
                % {"first": EARLIEST_GRADUATION_YEAR, "last": self.last_year}
            )
        return value

    def clean_year_from(self):
        return self._clean_year("year_from")

    def clean_year_to(self):
        return self._clean_year("year_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("year_from"), data.get("year_to")
        if start is not None and end is not None and start > end:
            self.add_error("year_to", _("“Graduated to” must not be before “Graduated from”."))
            data.pop("year_from", None)
        return data

    def filters(self) -> DirectoryFilters:
        """The valid part of the filters; a bad value is reported (the view answers
        400) and left out."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = self.cleaned_data
        field = data.get("field")
        return DirectoryFilters(
            q=data.get("q") or "",
            field_id=field.pk if field else None,
            location=data.get("location") or "",
            format=data.get("format") or "",
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            accepting_now=bool(data.get("accepting")),
            industry=data.get("industry") or "",
            major=data.get("major") or "",
            open_to=data.get("open_to") or "",
        )


class _SharedFields(dict):
    """A form class's base_fields that its forms share instead of deep-copying them
    each (BaseForm.__init__ deep-copies base_fields for every form made): copying
    the directory filter's ten fields, their widgets and the field filter's
    queryset was about 0.1 ms of every directory page (bench/floor.py). Nothing in
    Django's validation or rendering changes a field, so a form may read the shared
    ones; a form that changes one puts a copy of its own in its `fields` first."""

    def __deepcopy__(self, memo):
        return dict(self)


DirectoryFilterForm.base_fields = _SharedFields(DirectoryFilterForm.base_fields)


@functools.lru_cache(maxsize=2)
def _year_fields(last_year: int) -> dict[str, forms.Field]:
    """The graduation year fields with this year as their inputs' max, made once
    per process and year and shared by the forms of that year (_SharedFields)."""
    fields = {}
    for name in ("year_from", "year_to"):
        fields[name] = field = copy.deepcopy(DirectoryFilterForm.base_fields[name])
        field.widget.attrs.update(
            {"min": EARLIEST_GRADUATION_YEAR, "max": last_year, "inputmode": "numeric"}
        )
    return fields


class OfficeDirectorySearchForm(forms.Form):
    """The office's volunteer list: one search box (name, email or employer)."""

    q = forms.CharField(
        label=_("Name, email or organisation"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors as accounts_selectors
from apps.accounts.enums import Role
from apps.advising import selectors_people, services_people
from apps.core.widgets import QuickNumberInput, QuickSelect

ROLE_CHOICES = [
    ("", _("Any")),
    (Role.STUDENT, _("Students")),
    (Role.ALUMNI, _("Alumni volunteers")),
    (Role.ADVISOR, _("Advisors")),
    (accounts_selectors.ROLE_ADMIN, _("Office admins")),
]
STATUS_CHOICES = [
    ("", _("Any")),
    (accounts_selectors.STATUS_ACTIVE, _("Active")),
    (accounts_selectors.STATUS_AWAITING, _("Awaiting approval")),
    (accounts_selectors.STATUS_NOT_APPROVED, _("Not approved")),
    (accounts_selectors.STATUS_DEACTIVATED, _("Deactivated")),
]
ACTION_CHOICES = [
    ("", _("Choose an action")),
    (services_people.ACTION_ASSIGN, _("Assign to advisor")),
    (services_people.ACTION_UNASSIGN, _("Remove advisor")),
    (services_people.ACTION_DEACTIVATE, _("Deactivate")),
    (services_people.ACTION_REACTIVATE, _("Reactivate")),
]


class QuickCheckboxInput(forms.CheckboxInput):
    """Django's CheckboxInput, byte for byte, written as QuickNumberInput writes its
    input (one f-string instead of the checkbox's template, the input's and the
    attributes' include); its `checked` comes from CheckboxInput.get_context."""

    render = QuickNumberInput.render


def _style(form) -> None:
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select"
        elif isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        elif name not in ("sort", "members"):
            field.widget.attrs["class"] = "form-control"


class PeopleFilterForm(forms.Form):
    """The People page's search, filters and sort, from the query string."""

    q = forms.CharField(label=_("Name or email"), max_length=100, required=False)
    role = forms.ChoiceField(
        widget=QuickSelect, label=_("Role"), choices=ROLE_CHOICES, required=False
    )
    status = forms.ChoiceField(
        widget=QuickSelect, label=_("Status"), choices=STATUS_CHOICES, required=False
    )
    programme = forms.ChoiceField(widget=QuickSelect, label=_("Programme"), required=False)
    year = forms.IntegerField(
        widget=QuickNumberInput,
        label=_("Graduation year"),
        min_value=1950,
        max_value=2100,
        required=False,
    )
    without_advisor = forms.BooleanField(
        widget=QuickCheckboxInput, label=_("Students without an advisor"), required=False
    )
    sort = forms.CharField(required=False)

    # What the count depends on (not the sort), as the query string names it.
    FILTERS = ("q", "role", "status", "programme", "year", "without_advisor")

    def __init__(self, *args, programmes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Any")), *[(p, p) for p in programmes]]
        _style(self)

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or "name"
        if sort.removeprefix("-") not in selectors_people.SORTS:
            raise forms.ValidationError(_("The list cannot be sorted that way."))
        return sort

    def query(self) -> selectors_people.PeopleQuery:
        data = self.cleaned_data
        return selectors_people.PeopleQuery(
            members=accounts_selectors.MemberQuery(
                search=data["q"].strip(), role=data["role"], status=data["status"]
            ),
            programme=data["programme"],
            year=data["year"],
            without_advisor=data["without_advisor"],
            sort=data["sort"].removeprefix("-"),
            descending=data["sort"].startswith("-"),
        )


class PeopleBulkForm(forms.Form):
    """One action on the people ticked on the page (checkboxes named `members`)."""

    action = forms.ChoiceField(
        widget=QuickSelect,
        label=_("With the selected people"),
        choices=ACTION_CHOICES,
        error_messages={"required": _("Choose what to do with the selected people.")},
    )
    advisor = forms.ModelChoiceField(
        widget=QuickSelect,
        label=_("Advisor"),
        queryset=None,
        required=False,
        empty_label=_("Choose an advisor"),
        error_messages={"invalid_choice": _("Choose an advisor of your office.")},
    )
    members = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"required": _("Select at least one person.")},
    )

    def __init__(self, *args, advisors, advisor_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = advisors
        if advisor_choices is not None:
            # What the select shows (selectors.advisor_choices_for_office, cached);
            # a submitted choice is still checked against `advisors`.
            field = self.fields["advisor"]
            field.choices = [("", field.empty_label), *advisor_choices]
        # Any ids: the services check each belongs to the office.
        self.fields["members"].choices = (
            [(value, value) for value in self.data.getlist("members") if value.isdigit()]
            if hasattr(self.data, "getlist")
            else []
        )
        _style(self)

    def clean(self):
        data = super().clean()
        needs_advisor = data.get("action") in (
            services_people.ACTION_ASSIGN,
            services_people.ACTION_UNASSIGN,
        )
        if needs_advisor and not data.get("advisor") and "advisor" not in self.errors:
            self.add_error("advisor", _("Choose an advisor."))
        return data


class AssignmentRuleForm(forms.Form):
    """Programme and/or graduation year → advisor."""

    programme = forms.ChoiceField(widget=QuickSelect, label=_("Programme"), required=False)
    year = forms.IntegerField(
        label=_("Graduation year"), min_value=1950, max_value=2100, required=False
    )
    advisor = forms.ModelChoiceField(
        widget=QuickSelect,
        label=_("Advisor"),
        queryset=None,
        empty_label=_("Choose an advisor"),
        error_messages={
            "required": _("Choose an advisor."),
            "invalid_choice": _("Choose an advisor of your office."),
        },
    )

    def __init__(self, *args, programmes: list[str], advisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Any")), *[(p, p) for p in programmes]]
        self.fields["advisor"].queryset = advisors
        _style(self)

    def clean(self):
        data = super().clean()
        if not data.get("programme") and data.get("year") is None and not self.errors:
            raise forms.ValidationError(_("Choose a programme, a graduation year or both."))
        return data

from html import escape

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors as accounts_selectors
from apps.accounts.enums import Role
from apps.advising import selectors_people, services_people
from apps.core.widgets import QuickSelect


def _escaped(value) -> str:
    """What format_html makes of a value (conditional_escape), without its lazy
    wrapper's cost per call."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


class PeopleSelect(QuickSelect):
    """QuickSelect's HTML (so Django's Select's, byte for byte: tests/advising/
    test_people_select.py), each option written with one f-string instead of
    Django's option dictionaries and a format_html: the People page's five selects
    (some 70 options, the office's advisors among them) cost more than its rows."""

    def render(self, name, value, attrs=None, renderer=None):
        # Through iter(): list() would ask a ModelChoiceIterator its len(), a COUNT.
        choices = list(iter(self.choices))
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        values = self.format_value(value)
        parts = [f'<select name="{_escaped(name)}"']
        for key, attr in attrs.items():
            if attr is True:
                parts.append(f" {key}")
            elif attr is not False:
                parts.append(f' {_escaped(key)}="{_escaped(str(attr))}"')
        parts.append(">")
        has_selected = False
        for option_value, label in choices:
            if option_value is None:
                option_value = ""
            selected = (not has_selected or self.allow_multiple_selected) and str(
                option_value
            ) in values
            has_selected |= selected
            parts.append(
                f'\n  <option value="{_escaped(str(option_value))}"'
                f"{' selected' if selected else ''}>{_escaped(label)}</option>\n"
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


class PeopleNumberInput(forms.NumberInput):
    """Django's NumberInput, byte for byte (tests/advising/test_people_select.py),
    written with one f-string instead of its template and the attributes' include:
    the year filter of the caseload and the dashboard."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<input type="{_escaped(widget["type"])}" name="{_escaped(widget["name"])}"']
        if widget["value"] is not None:
            parts.append(f' value="{_escaped(widget["value"])}"')
        for key, attr in widget["attrs"].items():
            if attr is True:
                parts.append(f" {_escaped(key)}")
            elif attr is not False:
                parts.append(f' {_escaped(key)}="{_escaped(attr)}"')
        parts.append(">")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


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
        widget=PeopleSelect, label=_("Role"), choices=ROLE_CHOICES, required=False
    )
    status = forms.ChoiceField(
        widget=PeopleSelect, label=_("Status"), choices=STATUS_CHOICES, required=False
    )
    programme = forms.ChoiceField(widget=PeopleSelect, label=_("Programme"), required=False)
    year = forms.IntegerField(
        label=_("Graduation year"), min_value=1950, max_value=2100, required=False
    )
    without_advisor = forms.BooleanField(label=_("Students without an advisor"), required=False)
    sort = forms.CharField(required=False)

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
        widget=PeopleSelect,
        label=_("With the selected people"),
        choices=ACTION_CHOICES,
        error_messages={"required": _("Choose what to do with the selected people.")},
    )
    advisor = forms.ModelChoiceField(
        widget=PeopleSelect,
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

    programme = forms.ChoiceField(widget=PeopleSelect, label=_("Programme"), required=False)
    year = forms.IntegerField(
        label=_("Graduation year"), min_value=1950, max_value=2100, required=False
    )
    advisor = forms.ModelChoiceField(
        widget=PeopleSelect,
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

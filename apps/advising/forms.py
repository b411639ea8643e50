from django import forms
from django.utils.translation import gettext_lazy as _

from apps.advising import selectors
from apps.contacts.enums import Stage
from apps.core.widgets import QuickNumberInput, QuickSelect

SCOPE_CHOICES = [
    (selectors.SCOPE_MINE, _("My students")),
    (selectors.SCOPE_OFFICE, _("Whole office")),
]
FLAG_CHOICES = [
    ("", _("Any")),
    (selectors.FLAG_STALLED, _("Stalled")),
    (selectors.FLAG_MISSED_THANKS, _("Missed thank-you")),
    (selectors.FLAG_NO_TARGETS, _("No targets yet")),
    (selectors.FLAG_JOB_ASK, _("Asked for a job")),
    (selectors.FLAG_UNASSIGNED, _("No advisor")),
]


class CaseloadFilterForm(forms.Form):
    """The caseload's filters and sort, from the query string."""

    scope = forms.ChoiceField(
        widget=QuickSelect, label=_("Show"), choices=SCOPE_CHOICES, required=False
    )
    q = forms.CharField(label=_("Name or email"), max_length=100, required=False)
    programme = forms.ChoiceField(widget=QuickSelect, label=_("Programme"), required=False)
    year = forms.IntegerField(
        widget=QuickNumberInput,
        label=_("Graduation year"),
        min_value=1950,
        max_value=2100,
        required=False,
    )
    field = forms.TypedChoiceField(
        widget=QuickSelect, label=_("Field"), coerce=int, required=False, empty_value=None
    )
    stage = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Stage"),
        choices=[("", _("Any")), *Stage.choices],
        required=False,
    )
    flag = forms.ChoiceField(
        widget=QuickSelect, label=_("Flag"), choices=FLAG_CHOICES, required=False
    )
    sort = forms.CharField(required=False)

    def __init__(self, *args, programmes: list[str], fields, **kwargs):
        """`fields`: the office's fields as (id, name)."""
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Any")), *[(p, p) for p in programmes]]
        self.fields["field"].choices = [("", _("Any")), *fields]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            elif name != "sort":
                field.widget.attrs["class"] = "form-control"

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or "name"
        if sort.removeprefix("-") not in selectors.SORTS:
            raise forms.ValidationError(_("The table cannot be sorted that way."))
        return sort

    def query(self, *, default_scope: str) -> selectors.CaseloadQuery:
        data = self.cleaned_data
        sort = data["sort"]
        return selectors.CaseloadQuery(
            scope=data["scope"] or default_scope,
            search=data["q"].strip(),
            programme=data["programme"],
            year=data["year"],
            field_id=data["field"],
            stage=data["stage"],
            flag=data["flag"],
            sort=sort.removeprefix("-"),
            descending=sort.startswith("-"),
        )


class AssignForm(forms.Form):
    """Assign the selected students (checkboxes named `students`) to an advisor."""

    advisor = forms.ModelChoiceField(
        widget=QuickSelect,
        label=_("Assign selected students to"),
        queryset=None,
        empty_label=_("Choose an advisor"),
        error_messages={
            "required": _("Choose an advisor."),
            "invalid_choice": _("Choose an advisor of your office."),
        },
    )
    students = forms.TypedMultipleChoiceField(coerce=int, required=True)

    def __init__(self, *args, advisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = advisors
        self.fields["advisor"].widget.attrs["class"] = "form-select"
        # Any ids: the service checks each is a student of the office.
        self.fields["students"].choices = (
            [(value, value) for value in self.data.getlist("students") if value.isdigit()]
            if hasattr(self.data, "getlist")
            else []
        )
        self.fields["students"].error_messages["required"] = _("Select at least one student.")

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.advising.models import AccessRecord
from apps.advising.selectors_audit import AuditQuery

# The log is kept for good; a search spans at most this many days.
MAX_SPAN_DAYS = 3 * 366


class AuditFilterForm(forms.Form):
    """The access log's filters, from the query string."""

    q = forms.CharField(label=_("Who or whose"), required=False, max_length=100)
    what = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("Anything")), *AccessRecord.What.choices]
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        today = timezone.localdate()
        for value in (start, end):
            if value and not today - timedelta(days=50 * 366) <= value <= today + timedelta(days=1):
                raise forms.ValidationError(_("Choose dates up to today."))
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
            if (end - start).days > MAX_SPAN_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        return data

    def query(self) -> AuditQuery:
        data = self.cleaned_data
        return AuditQuery(
            q=data.get("q", "").strip(),
            what=data.get("what", ""),
            start=data.get("start"),
            end=data.get("end"),
        )

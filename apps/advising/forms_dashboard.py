from datetime import date, timedelta

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import QuickNumberInput, QuickSelect

LAST_30_DAYS = "30d"
THIS_TERM = "term"
LAST_12_MONTHS = "12m"
CUSTOM = "custom"
RANGE_CHOICES = [
    (LAST_30_DAYS, _("Last 30 days")),
    (THIS_TERM, _("This term")),
    (LAST_12_MONTHS, _("Last 12 months")),
    (CUSTOM, _("Dates of my choice")),
]
# Terms start on these months: January–April, May–August, September–December.
TERM_START_MONTHS = (1, 5, 9)
# Three years and their leap day: each figure is compared with the period before,
# so a longer range would reach back more than six years.
MAX_SPAN_DAYS = 3 * 365 + 1
EARLIEST = date(2000, 1, 1)


def term_start(today: date) -> date:
    return date(today.year, max(m for m in TERM_START_MONTHS if m <= today.month), 1)


def preset_dates(preset: str, today: date) -> tuple[date, date]:
    if preset == THIS_TERM:
        return term_start(today), today
    if preset == LAST_12_MONTHS:
        return today - timedelta(days=364), today
    return today - timedelta(days=29), today


class DashboardFilterForm(forms.Form):
    """The dashboard's range and filters, from the query string. A preset range
    (the default: the last 30 days, in the office's time zone) or two dates."""

    range = forms.ChoiceField(label=_("Period"), choices=RANGE_CHOICES, required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    programme = forms.ChoiceField(widget=QuickSelect, label=_("Programme"), required=False)
    year = forms.IntegerField(
        widget=QuickNumberInput,
        label=_("Graduation year"),
        min_value=1950,
        max_value=2100,
        required=False,
    )

    def __init__(self, *args, programmes: list[str], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.set_programmes(programmes)
        self.fields["start"].widget.attrs["max"] = self.fields["end"].widget.attrs["max"] = (
            self.latest.isoformat()
        )
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def set_programmes(self, programmes: list[str]) -> None:
        self.fields["programme"].choices = [("", _("All")), *[(p, p) for p in programmes]]

    @property
    def latest(self) -> date:
        return self.today + timedelta(days=366)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        chose_dates = bool(self.data.get("start") or self.data.get("end"))
        preset = data.get("range") or (CUSTOM if chose_dates else LAST_30_DAYS)
        data["range"] = preset
        if preset != CUSTOM:
            data["start"], data["end"] = preset_dates(preset, self.today)
            return data
        if self.errors:
            return data
        if start is None or end is None:
            raise forms.ValidationError(_("Enter both dates, or choose a period."))
        for value in (start, end):
            if not EARLIEST <= value <= self.latest:
                raise forms.ValidationError(
                    _("Choose dates between %(first)s and %(last)s.")
                    % {
                        "first": date_format(EARLIEST, "j F Y"),
                        "last": date_format(self.latest, "j F Y"),
                    }
                )
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        if (end - start).days + 1 > MAX_SPAN_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        return data

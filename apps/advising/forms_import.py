from django import forms
from django.utils.translation import gettext_lazy as _

from apps.advising.models import PeopleImportRow


class PeopleImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, commas or semicolons, a header line; at most 2 MB and 5,000 people."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class PeopleImportRowsForm(forms.Form):
    """The preview table's filter, from the query string."""

    verdict = forms.ChoiceField(
        label=_("Show"),
        choices=[("", _("All lines")), *PeopleImportRow.Verdict.choices],
        required=False,
    )

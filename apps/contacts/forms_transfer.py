from django import forms
from django.utils.translation import gettext_lazy as _


class ContactImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Our template or LinkedIn’s Connections.csv; at most 2 MB and 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ContactImportConfirmForm(forms.Form):
    include_duplicates = forms.BooleanField(
        label=_("Import probable duplicates anyway"), required=False
    )

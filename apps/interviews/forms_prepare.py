"""Forms of the prepare, meeting and notes pages: field validation and layout only;
the rules live in services/questions.py and services/notes.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.interviews.selectors.questions import TEXT_MAX

FIELD_FIT_CHOICES = [
    (1, _("1 – Not for me")),
    (2, _("2 – Probably not")),
    (3, _("3 – Not sure yet")),
    (4, _("4 – Probably")),
    (5, _("5 – Yes, very much")),
]
NOTES_MAX = 20000


class QuestionWriteForm(forms.Form):
    # Writing a question is optional on the page (the bank is the other way), so the
    # field is not marked required; only the "Add question" button needs a text.
    text = forms.CharField(
        label=_("Write your own question (optional)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX}),
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text:
            raise forms.ValidationError(_("Write a question first."), code="required")
        return text


class QuickNotesForm(forms.Form):
    quick_notes = forms.CharField(
        label=_("Quick notes"), required=False, max_length=NOTES_MAX, strip=False
    )


def _markdown_area(rows: int):
    return forms.Textarea(attrs={"rows": rows, "maxlength": NOTES_MAX})


class NotesForm(forms.Form):
    advice = forms.CharField(
        label=_("Advice"),
        required=False,
        max_length=NOTES_MAX,
        widget=_markdown_area(5),
        help_text=_("What they suggested you do."),
    )
    information = forms.CharField(
        label=_("Information"),
        required=False,
        max_length=NOTES_MAX,
        widget=_markdown_area(5),
        help_text=_("What you learned about the field, the work, the organisation."),
    )
    referrals = forms.CharField(
        label=_("Referrals"),
        required=False,
        max_length=NOTES_MAX,
        widget=_markdown_area(3),
        help_text=_(
            "Who they suggested and why. Add each person below to put them in your contacts."
        ),
    )
    reflection = forms.CharField(
        label=_("Reflections"),
        required=False,
        max_length=NOTES_MAX,
        widget=_markdown_area(4),
        help_text=_("How did it go? What surprised you? What would you ask next time?"),
    )
    field_fit = forms.TypedChoiceField(
        label=_("Is this field for me?"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=FIELD_FIT_CHOICES,
        widget=forms.RadioSelect,
    )
    shared_with_advisor = forms.BooleanField(
        label=_("Share these notes with my advisor"),
        required=False,
        help_text=_("Only your advisor sees them, never the person you talked to."),
    )


class ReferralForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    organisation = forms.CharField(label=_("Organisation"), max_length=160, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    note = forms.CharField(label=_("Why talk to them"), max_length=500, required=False)


class BaseReferralFormSet(forms.BaseFormSet):
    """Blank rows are skipped; at least one person is needed."""

    def people(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.has_changed() and f.cleaned_data]

    def clean(self):
        super().clean()
        if not any(self.errors) and not self.people():
            raise forms.ValidationError(_("Fill in at least one person."))


ReferralFormSet = forms.formset_factory(
    ReferralForm, formset=BaseReferralFormSet, extra=2, max_num=10, validate_max=True
)

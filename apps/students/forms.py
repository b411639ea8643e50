from crispy_forms.helper import FormHelper
from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import IdChoices
from apps.students.models import Field, ResearchNote, StudentProfile
from apps.students.selectors import field_list_for_office
from apps.students.services import split_list


class StudentProfileForm(forms.ModelForm):
    fields = IdChoices(
        label=_("Career fields I am exploring"),
        queryset=Field.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interest_tags = forms.CharField(
        label=_("Other interests"),
        required=False,
        max_length=1000,
        help_text=_("Separate with commas, e.g. climate tech, product design."),
    )
    target_companies = forms.CharField(
        label=_("Target companies"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line or separated by commas."),
    )

    class Meta:
        model = StudentProfile
        fields = [
            "programme",
            "graduation_year",
            "fields",
            "field_certainty",
            "interest_tags",
            "target_companies",
            "pitch",
        ]
        widgets = {
            "pitch": forms.Textarea(
                attrs={
                    "rows": 6,
                    "data-pitch": "1",
                    # The job-ask check on every input event, typed or pasted.
                    "hx-get": reverse_lazy("student_pitch_check"),
                    "hx-trigger": "input changed delay:500ms, change",
                    "hx-target": "#pitch-job-ask",
                    "hx-swap": "outerHTML",
                    "aria-describedby": "pitch-job-ask",
                }
            )
        }
        help_texts = {
            "field_certainty": _("Your question lists suggest questions to match."),
            "pitch": _(
                "Who you are, what you are exploring and why. Aim for 75–150 "
                "words: 30 to 60 seconds when spoken."
            ),
        }

    def __init__(self, *args, office_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].queryset = field_list_for_office(office_id=office_id)
        year = timezone.now().year
        self.fields["graduation_year"].widget = forms.NumberInput(
            attrs={"min": year - 60, "max": year + 8}
        )
        if self.instance.pk and not self.is_bound:
            self.initial["interest_tags"] = ", ".join(self.instance.interest_tags)
            self.initial["target_companies"] = "\n".join(self.instance.target_companies)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_graduation_year(self):
        value = self.cleaned_data.get("graduation_year")
        year = timezone.now().year
        if value is not None and not (year - 60 <= value <= year + 8):
            raise forms.ValidationError(
                _("Enter a year between %(a)s and %(b)s.") % {"a": year - 60, "b": year + 8}
            )
        return value

    def clean_interest_tags(self):
        return split_list(self.cleaned_data.get("interest_tags", ""), max_len=40)

    def clean_target_companies(self):
        return split_list(self.cleaned_data.get("target_companies", ""))


class ResearchNoteForm(forms.ModelForm):
    class Meta:
        model = ResearchNote
        fields = ["title", "field", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}
        help_texts = {"body": _("Markdown works: **bold**, *italic*, lists, [links](https://…).")}

    def __init__(self, *args, office_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = field_list_for_office(office_id=office_id)
        self.fields["field"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False


class FieldForm(forms.ModelForm):
    class Meta:
        model = Field
        fields = ["name", "description", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def validate_unique(self):
        # The service checks the office-wide unique name with a clear message.
        pass

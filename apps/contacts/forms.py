from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.contacts.enums import Source, Stage
from apps.contacts.models import CONTACT_FIELDS, Contact
from apps.students.selectors import field_list_for_office
from apps.students.services import split_list


class ContactForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=800, help_text=_("Separate with commas.")
    )
    on_target_list = forms.BooleanField(
        label=_("Put on my target list for this field"), required=False, initial=True
    )
    save_anyway = forms.BooleanField(
        label=_("This is a different person: save anyway"), required=False
    )

    # Who they are and where they work first; the rest in CONTACT_FIELDS order.
    field_order = ["full_name", "organisation", "job_title", "field"]

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "linkedin_url": forms.URLInput(attrs={"placeholder": "https://www.linkedin.com/in/…"}),
        }

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, **kwargs)
        self.student = student
        self.fields["field"].queryset = field_list_for_office(office_id=student.office_id)
        referrers = Contact.objects.filter(owner=student, archived_at__isnull=True)
        if self.instance.pk:
            referrers = referrers.exclude(pk=self.instance.pk)
            del self.fields["on_target_list"]
        self.fields["referred_by"].queryset = referrers.order_by("full_name")
        self.fields["referred_by"].help_text = _("Who put you in touch, if anyone.")
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(self.instance.tags)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_tags(self):
        return split_list(self.cleaned_data.get("tags", ""), limit=20, max_len=40)

    def clean(self):
        data = super().clean()
        if data.get("referred_by") and data.get("source") not in (None, Source.REFERRAL):
            # Somebody referred them, so that is how they were found.
            data["source"] = Source.REFERRAL
        return data


class ContactFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=None, required=False, empty_label=_("All fields")
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages"))] + Stage.choices
    )
    source = forms.ChoiceField(
        label=_("Found through"), required=False, choices=[("", _("Anywhere"))] + Source.choices
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    archived = forms.BooleanField(label=_("Show archived"), required=False)

    def __init__(self, *args, office_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = field_list_for_office(office_id=office_id)
        for name in ("field", "stage", "source"):
            self.fields[name].widget.attrs["class"] = "form-select"

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.contacts.enums import Source, Stage
from apps.contacts.models import CONTACT_FIELDS, Contact
from apps.contacts.selectors import referrer_options_for_student
from apps.contacts.services import MERGE_CHOICE_FIELDS
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

    def __init__(self, *args, student, referrer_q: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.student = student
        self.fields["field"].queryset = field_list_for_office(office_id=student.office_id)
        referrers = Contact.objects.filter(owner=student, archived_at__isnull=True)
        if self.instance.pk:
            referrers = referrers.exclude(pk=self.instance.pk)
            del self.fields["on_target_list"]
        self.fields["referred_by"].queryset = referrers.order_by("full_name", "organisation", "pk")
        # Two people of one name are told apart by where they work.
        self.fields["referred_by"].label_from_instance = _referrer_label
        # The picker lists the chosen referrer and at most REFERRER_OPTIONS others
        # (the search next to it, views.contact_referrer_search, finds the rest);
        # the queryset above still checks any id sent.
        self.referrer_q = referrer_q
        self.fields["referred_by"].widget.choices = [("", "---------")] + [
            (c.pk, _referrer_label(c))
            for c in referrer_options_for_student(
                student=student,
                q=referrer_q,
                exclude_pk=self.instance.pk,
                selected_pk=self._chosen_referrer(),
            )
        ]
        self.fields["referred_by"].help_text = _("Who put you in touch, if anyone.")
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(self.instance.tags)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def _chosen_referrer(self):
        if self.is_bound:
            value = self.data.get(self.add_prefix("referred_by"), "")
        else:
            value = self.initial.get("referred_by", self.instance.referred_by_id)
        value = getattr(value, "pk", value)
        return int(value) if str(value or "").isdigit() else None

    def clean_tags(self):
        return split_list(self.cleaned_data.get("tags", ""), limit=20, max_len=40)

    def clean(self):
        data = super().clean()
        if data.get("referred_by") and data.get("source") not in (None, Source.REFERRAL):
            # Somebody referred them, so that is how they were found.
            data["source"] = Source.REFERRAL
        return data


def _referrer_label(contact: Contact) -> str:
    if contact.organisation:
        return f"{contact.full_name} ({contact.organisation})"
    return contact.full_name


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

    def filters(self) -> dict:
        """What the student filtered on (nothing when the query string is invalid)."""
        return self.cleaned_data if self.is_valid() else {}

    def selector_kwargs(self) -> dict:
        """The filters as selectors.contact_list_for_student takes them."""
        filters = self.filters()
        return {
            "archived": filters.get("archived", False),
            "q": filters.get("q", ""),
            "field_id": filters["field"].pk if filters.get("field") else None,
            "stage": filters.get("stage", ""),
            "source": filters.get("source", ""),
            "tag": filters.get("tag", ""),
        }


class ContactMergeForm(forms.Form):
    """Which record's value to keep, one choice per field where the two differ (the
    rest, notes and tags combined, is decided by contacts.services.contact_merge)."""

    KEEP, DROP = "keep", "drop"

    def __init__(self, *args, keep: Contact, drop: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for name in MERGE_CHOICE_FIELDS:
            mine, theirs = _shown(keep, name), _shown(drop, name)
            if getattr(keep, f"{name}_id", getattr(keep, name, None)) == getattr(
                drop, f"{name}_id", getattr(drop, name, None)
            ):
                continue
            # One referred the other: contact_merge keeps the chain without a loop.
            if name == "referred_by" and drop.pk == keep.referred_by_id:
                continue
            if name == "referred_by" and keep.pk == drop.referred_by_id:
                continue
            label = Contact._meta.get_field(name).verbose_name
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=[(self.KEEP, mine or "—"), (self.DROP, theirs or "—")],
                # An empty value never wins over a filled one by default.
                initial=self.DROP if theirs and not mine else self.KEEP,
                widget=forms.RadioSelect,
                # Without a choice (an old form, a script), the default stands.
                required=False,
            )
            self.rows.append({"name": name, "label": label, "keep": mine, "drop": theirs})

    def take_from_drop(self) -> list[str]:
        return [
            name
            for name, value in self.cleaned_data.items()
            if (value or self.fields[name].initial) == self.DROP
        ]


def _shown(contact: Contact, name: str) -> str:
    if name in ("field", "referred_by"):
        related = getattr(contact, name)
        return str(related) if related else ""
    if name == "source":
        return str(contact.get_source_display())
    return str(getattr(contact, name) or "")

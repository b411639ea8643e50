from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import Role
from apps.core.models import single_line
from apps.followups.enums import (
    CADENCE_CHOICES,
    TOPIC_FIELDS,
    Delivery,
    InteractionKind,
    Snooze,
)
from apps.followups.models import NotificationPreference
from apps.followups.services import (
    BODY_MAX,
    INTERACTION_NOTE_MAX,
    SUBJECT_MAX,
    interaction_day_problem,
)


class ThankYouForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
    )


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("What did you share? (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.CharField(
        label=_("What came of their advice? (optional)"),
        max_length=300,
        required=False,
        validators=[single_line],
    )


class SnoozeForm(forms.Form):
    period = forms.ChoiceField(label=_("Snooze for"), choices=Snooze.choices)


class CadenceForm(forms.Form):
    months = forms.TypedChoiceField(label=_("Check in"), choices=CADENCE_CHOICES, coerce=int)


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What was it?"), choices=InteractionKind.choices, widget=forms.RadioSelect
    )
    on = forms.DateField(label=_("When"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("A short note (optional)"),
        help_text=_("What you talked about or shared, in a line."),
        max_length=INTERACTION_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["on"].initial = today
        self.fields["on"].widget.attrs["max"] = today.isoformat()

    def clean_on(self):
        on = self.cleaned_data["on"]
        problem = interaction_day_problem(on=on, today=self.today)
        if problem:
            raise forms.ValidationError(problem)
        return on


# Which topics each role can get at all.
ROLE_TOPICS = {
    Role.STUDENT: ["thank_you", "keep_in_touch", "meeting", "comments"],
    Role.ALUMNI: ["meeting", "requests"],
    Role.ADVISOR: ["advisor_digest"],
}


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [
            "thank_you",
            "keep_in_touch",
            "meeting",
            "requests",
            "comments",
            "advisor_digest",
            "delivery",
            "quiet_hours",
        ]
        widgets = {"delivery": forms.RadioSelect}
        labels = {"delivery": _("How should reminders reach you?")}

    def __init__(self, *args, role: str, quiet_window: tuple[time, time], **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = ROLE_TOPICS.get(role, [])
        for name in TOPIC_FIELDS.values():
            if name not in self.topics:
                del self.fields[name]
        self.fields["delivery"].choices = Delivery.choices
        if role == Role.ADVISOR:
            # An advisor's only email here is the weekly digest: no reminders to
            # fold into a daily one, none to hold back at night.
            del self.fields["delivery"], self.fields["quiet_hours"]
        else:
            # The office's window, not the model's label: offices choose their own.
            start, end = quiet_window
            self.fields["quiet_hours"].label = _(
                "No reminder emails between %(start)s and %(end)s in my time zone"
            ) % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}

    @property
    def topic_fields(self):
        return [self[name] for name in self.topics]

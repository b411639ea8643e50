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
            "quiet_hours_start",
            "quiet_hours_end",
        ]
        widgets = {"delivery": forms.RadioSelect}
        labels = {"delivery": _("How should reminders reach you?")}

    quiet_hours_start = forms.TimeField(
        label=_("My quiet hours start"),
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time as HH:MM on a 24-hour clock, e.g. 22:00.")},
    )
    quiet_hours_end = forms.TimeField(
        label=_("My quiet hours end"),
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time as HH:MM on a 24-hour clock, e.g. 07:00.")},
    )

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
            del self.fields["quiet_hours_start"], self.fields["quiet_hours_end"]
        else:
            # The window that applies now (the person's own, else the office's), not
            # the model's label: offices and people choose their own.
            start, end = self.instance.quiet_window(quiet_window)
            self.fields["quiet_hours"].label = _(
                "No reminder emails between %(start)s and %(end)s in my time zone"
            ) % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            office_start, office_end = quiet_window
            self.fields["quiet_hours_end"].help_text = _(
                "Leave both empty for your office's hours, %(start)s to %(end)s. A window "
                "may cross midnight."
            ) % {"start": f"{office_start:%H:%M}", "end": f"{office_end:%H:%M}"}

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if "quiet_hours_start" in self.errors or "quiet_hours_end" in self.errors:
            return data
        if (start is None) != (end is None):
            missing = "quiet_hours_end" if end is None else "quiet_hours_start"
            self.add_error(
                missing,
                _("Give both a start and an end, or leave both empty for your office's hours."),
            )
        elif start is not None and start == end:
            self.add_error(
                "quiet_hours_end", _("Quiet hours must end at another time than they start.")
            )
        return data

    def _post_clean(self):
        # The pair is checked in clean() and beside its fields; the model's
        # constraint would repeat it as a form-wide error.
        self._validate_unique = False
        super()._post_clean()

    @property
    def topic_fields(self):
        return [self[name] for name in self.topics]

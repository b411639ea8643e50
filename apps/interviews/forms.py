from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import SLOT_MINUTES_CHOICES
from apps.contacts.enums import Format
from apps.core.dates import HORIZON, latest_day, meeting_day_problem, meeting_time_problem


class RequestForm(forms.Form):
    """The request page. What the buttons do (send, save as draft, use another
    template) is the view's business; a message is required only to send."""

    # Lenient on purpose: a template archived while the page was open is not an
    # error, the view falls back to the default.
    template = forms.CharField(label=_("Wording"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    message = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    # The template whose text is in the fields, to tell whether the student edited it.
    filled_from = forms.CharField(required=False, widget=forms.HiddenInput)
    # Read only with "Send anyway": why a message the checker reads as asking for a
    # job goes as it is. The service refuses such a message without one.
    job_ask_reason = forms.CharField(
        label=_("Why send it as it is?"), max_length=500, required=False
    )


class RequestTemplateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("Students see it when they choose a wording."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 12})
    )
    make_default = forms.BooleanField(
        label=_("Make this the default (offered first)"), required=False
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _local(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=ZoneInfo(tz))


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time in the viewer's zone, as two native inputs. The day must lie
    within core.dates.HORIZON of today (before it only as far as `past`), checked
    before the two are combined: a year-9999 time overflows once converted to
    another zone. The form or service checks the exact moment."""

    widget = forms.SplitDateTimeWidget(
        date_attrs={"type": "date"},
        time_attrs={"type": "time", "step": 300},
        date_format="%Y-%m-%d",
        time_format="%H:%M",
    )

    def __init__(self, *args, past: timedelta = timedelta(0), **kwargs):
        self.past = past
        super().__init__(*args, **kwargs)

    def compress(self, data_list):
        if data_list and isinstance(data_list[0], date):
            today = timezone.localdate()
            if problem := meeting_day_problem(data_list[0], today=today, past=self.past):
                raise forms.ValidationError(problem, code="out_of_range")
        return super().compress(data_list)


class AcceptForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)
    duration_minutes = forms.TypedChoiceField(
        label=_("Length"), choices=SLOT_MINUTES_CHOICES, coerce=int
    )
    slot1 = LocalDateTimeField(label=_("Time 1"))
    slot2 = LocalDateTimeField(label=_("Time 2 (optional)"), required=False)
    slot3 = LocalDateTimeField(label=_("Time 3 (optional)"), required=False)
    location = forms.CharField(label=_("Place (in person)"), max_length=240, required=False)
    meeting_url = forms.URLField(
        label=_("Meeting link (video)"), required=False, assume_scheme="https"
    )

    def clean(self):
        data = super().clean()
        slots = [data.get(f"slot{i}") for i in (1, 2, 3)]
        data["slots"] = [s for s in slots if s]
        now = timezone.now()
        for i, s in enumerate(slots, start=1):
            if s and (problem := meeting_time_problem(s, now=now)):
                self.add_error(f"slot{i}", problem)
        fmt = data.get("format")
        if fmt == Format.IN_PERSON and not data.get("location"):
            self.add_error("location", _("Say where to meet."))
        if fmt == Format.VIDEO and not data.get("meeting_url"):
            self.add_error("meeting_url", _("Add the video link (you can change it later)."))
        return data


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("A kind note to the student (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pause_until = forms.DateField(
        label=_("Also pause new requests until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_pause_until(self):
        value = self.cleaned_data.get("pause_until")
        if value and value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date in the future."))
        if value and value > latest_day(timezone.localdate()):
            raise forms.ValidationError(_("Pause for at most a year; you can pause again later."))
        return value


class RescheduleForm(forms.Form):
    starts_at = LocalDateTimeField(label=_("New time"))
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RecordReplyForm(forms.Form):
    ANSWERS = [("yes", _("They said yes")), ("no", _("They declined"))]
    answer = forms.ChoiceField(label=_("Their answer"), choices=ANSWERS, widget=forms.RadioSelect)
    # Recorded after the fact too: the meeting may have been agreed for a past day.
    starts_at = LocalDateTimeField(label=_("Agreed time"), required=False, past=HORIZON)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=Format.choices,
        required=False,
        widget=forms.Select(attrs={"id": "reply-format", "class": "form-select"}),
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("Length"),
        choices=SLOT_MINUTES_CHOICES,
        coerce=int,
        required=False,
        widget=forms.Select(attrs={"id": "reply-length", "class": "form-select"}),
    )
    location = forms.CharField(label=_("Place"), max_length=240, required=False)
    meeting_url = forms.URLField(label=_("Meeting link"), required=False, assume_scheme="https")
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == "yes":
            if not data.get("starts_at"):
                self.add_error("starts_at", _("Enter the agreed time."))
            if not data.get("format"):
                self.add_error("format", _("Choose how you will meet."))
        return data

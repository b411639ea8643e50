"""Forms of comments and coaching notes. Lengths are checked here for a clear error
under the field, and again by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.advising.models import COACHING_NOTE_MAX, COMMENT_MAX, CommentThread

BODY_ERRORS = {
    "required": _("Write something first."),
    "max_length": _("At most %(limit_value)d characters, please (this has %(show_value)d)."),
}


def _body_field(label, limit: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        error_messages=BODY_ERRORS,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class CommentForm(forms.Form):
    """A reply in a thread. Several are on one page: each is given its own `auto_id`
    so labels point at the right box."""

    body = _body_field(_("Reply"), COMMENT_MAX)


class ThreadStartForm(forms.Form):
    """An advisor's new comment on one thing of the student."""

    on = forms.ChoiceField(choices=CommentThread.On.choices, widget=forms.HiddenInput)
    interview = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = _body_field(_("New comment"), COMMENT_MAX)


class CoachingNoteForm(forms.Form):
    body = _body_field(_("Coaching note"), COACHING_NOTE_MAX)

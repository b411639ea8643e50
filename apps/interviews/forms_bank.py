"""The office admin's question form: field validation and layout only; the office's
rules (no duplicate, the cap) are in services/bank.py."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.interviews.enums import QuestionTopic
from apps.interviews.selectors.bank import BANK_TEXT_MAX, BANK_TEXT_MIN


class BankQuestionForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("Topic"),
        choices=QuestionTopic.choices,
        help_text=_("Students see the bank grouped by topic."),
        error_messages={"invalid_choice": _("Choose a topic from the list.")},
    )
    text = forms.CharField(
        label=_("Question"),
        min_length=BANK_TEXT_MIN,
        max_length=BANK_TEXT_MAX,
        widget=forms.Textarea(
            attrs={"rows": 3, "minlength": BANK_TEXT_MIN, "maxlength": BANK_TEXT_MAX}
        ),
        error_messages={
            "required": _("Write the question."),
            "min_length": _(
                "Write at least %(limit_value)s characters, so students see a whole question."
            ),
            "max_length": _("Keep a question to %(limit_value)s characters or fewer."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Interpolated per request, in the reader's language.
        self.fields["text"].help_text = gettext(
            "%(min)s to %(max)s characters, worded as students will ask it."
        ) % {"min": BANK_TEXT_MIN, "max": BANK_TEXT_MAX}

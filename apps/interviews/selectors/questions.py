"""Reads of the question bank and of prepared question lists, and the rules both
sides follow: how many questions the practice advises, in which states a list
can be edited, viewed or shared, how long the meeting view stays open."""

from datetime import timedelta
from urllib.parse import quote

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.interviews.enums import QuestionTopic, State
from apps.interviews.models import Interview, PreparedQuestion, Question


def question_bank_for_office(*, office_id: int) -> QuerySet[Question]:
    return Question.objects.filter(office_id=office_id, is_active=True).order_by(
        "topic", "position", "pk"
    )


# The practice's advice: 6-10 questions, most important first.
ADVISED_MIN = 6


ADVISED_MAX = 10


# A hard ceiling, far above the advice, so a list stays a list.
MAX_QUESTIONS = 30


TEXT_MAX = 300


# The list is prepared while the request is open; after the meeting it is a record.
EDITABLE_STATES = (State.DRAFT, State.REQUESTED, State.ACCEPTED, State.SCHEDULED)


VIEWABLE_STATES = (*EDITABLE_STATES, State.COMPLETED)


# Sharing needs someone who has the request in front of them.
SHARE_STATES = (State.REQUESTED, State.ACCEPTED, State.SCHEDULED)


MEETING_STATES = (State.SCHEDULED, State.COMPLETED)


# How long after "meeting held" the meeting view stays open for last check-offs.
MEETING_GRACE = timedelta(hours=24)


def question_bank_grouped(*, questions, on_list_ids=frozenset()) -> list[dict]:
    """The bank by topic, in the topics' own order, marking questions already picked."""
    groups = {topic: [] for topic in QuestionTopic.values}
    for question in questions:
        question.on_list = question.pk in on_list_ids
        groups.setdefault(question.topic, []).append(question)
    labels = dict(QuestionTopic.choices)
    return [
        {"topic": topic, "label": labels.get(topic, topic), "questions": items}
        for topic, items in groups.items()
        if items
    ]


def prepared_questions_for_interview(*, interview: Interview) -> QuerySet[PreparedQuestion]:
    return PreparedQuestion.objects.filter(interview=interview).order_by("position", "pk")


def prepared_questions_for_volunteer(*, interview: Interview) -> QuerySet[PreparedQuestion]:
    """What the volunteer may read: the current list once the student shared it,
    nothing before."""
    if interview.questions_shared_at is None:
        return PreparedQuestion.objects.none()
    return prepared_questions_for_interview(interview=interview)


def question_count_advice(count: int) -> bool:
    """True when the list is outside the advised 6-10."""
    return not ADVISED_MIN <= count <= ADVISED_MAX


def questions_mailto(*, interview: Interview, questions) -> str:
    """For a contact off the platform: a mailto: link with the questions in the body,
    sent from the student's own mail."""
    lines = [
        _("Dear %(name)s,") % {"name": interview.contact.full_name},
        "",
        _(
            "Thank you again for agreeing to talk with me. So that we make the most of "
            "your time, here are the questions I hope to ask, most important first:"
        ),
        "",
    ]
    lines += [f"{i}. {q.text}" for i, q in enumerate(questions, start=1)]
    lines += ["", _("Best wishes,"), interview.student.full_name]
    subject = _("Questions for our conversation")
    address = quote(interview.contact.email or "", safe="@")
    return f"mailto:{address}?subject={quote(subject)}&body={quote(chr(10).join(lines))}"


def meeting_view_problem(*, interview: Interview, now=None) -> str | None:
    """Why the meeting view is not the right page for this interview now, or None."""
    now = now or timezone.now()
    if interview.state == State.SCHEDULED:
        return None
    if interview.state == State.COMPLETED:
        if interview.held_at is None or interview.held_at >= now - MEETING_GRACE:
            return None
        return _("This meeting was held more than a day ago. Your notes are here.")
    return _("The meeting view is for scheduled meetings; this interview is %(state)s.") % {
        "state": interview.get_state_display().lower()
    }

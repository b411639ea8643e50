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
from apps.students.models import FieldCertainty


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


# Graduation is taken as the end of the spring term of the graduation year.
GRADUATION_MONTH = 6


# "Close to graduating": a year or less to go, or already graduated.
NEAR_GRADUATION_MONTHS = 12


_NEAR_EXPLORING = (QuestionTopic.DAY_TO_DAY, QuestionTopic.GETTING_STARTED, QuestionTopic.SKILLS)
_NEAR = (
    QuestionTopic.GETTING_STARTED,
    QuestionTopic.SKILLS,
    QuestionTopic.ORGANISATIONS,
    QuestionTopic.EXPERIENCE,
)
_EARLY_EXPLORING = (QuestionTopic.DAY_TO_DAY, QuestionTopic.PATH, QuestionTopic.OUTLOOK)
_EARLY_NARROWING = (
    QuestionTopic.DAY_TO_DAY,
    QuestionTopic.PATH,
    QuestionTopic.SKILLS,
    QuestionTopic.OUTLOOK,
)
_EARLY_DECIDED = (
    QuestionTopic.SKILLS,
    QuestionTopic.EXPERIENCE,
    QuestionTopic.PATH,
    QuestionTopic.ORGANISATIONS,
)


def question_focus(*, certainty: str, graduation_year: int | None, today) -> dict:
    """Which topics of the bank suit this student first, and why, from how decided
    they are about their field (FieldCertainty) and how close they are to
    graduating. Early explorers ask what the work is like and how people got in;
    near graduation, how to get started, the skills to build and the organisations
    to join. `known` is False when the profile says neither, so the page can ask."""
    months_left = (
        None
        if graduation_year is None
        else (graduation_year - today.year) * 12 + GRADUATION_MONTH - today.month
    )
    near = months_left is not None and months_left <= NEAR_GRADUATION_MONTHS
    known = bool(certainty) or months_left is not None
    if near and certainty == FieldCertainty.EXPLORING:
        topics = _NEAR_EXPLORING
        reason = _(
            "You are still exploring and graduate soon: ask what the work is like day to "
            "day, and how someone like you gets started."
        )
    elif near:
        topics = _NEAR
        reason = _(
            "You graduate soon: ask how to get started, which skills to build and which "
            "organisations to join."
        )
    elif certainty == FieldCertainty.DECIDED:
        topics = _EARLY_DECIDED
        reason = _(
            "You are fairly sure of your field: ask which skills and experience to build, "
            "and how they got in."
        )
    elif certainty == FieldCertainty.NARROWING:
        topics = _EARLY_NARROWING
        reason = _(
            "You are comparing a few fields: ask what a typical day is like, how people "
            "got in and which skills matter."
        )
    else:
        topics = _EARLY_EXPLORING
        reason = _(
            "You are early in exploring: ask what a typical day is like, how people got "
            "in and where the field is going."
        )
    return {"topics": tuple(str(topic) for topic in topics), "reason": reason, "known": known}


def question_bank_grouped(*, questions, on_list_ids=frozenset(), suggested=()) -> list[dict]:
    """The bank by topic, the suggested topics first (in the order given) and then
    the topics' own order, marking questions already picked."""
    order = [*suggested, *(topic for topic in QuestionTopic.values if topic not in suggested)]
    groups = {topic: [] for topic in order}
    for question in questions:
        question.on_list = question.pk in on_list_ids
        groups.setdefault(question.topic, []).append(question)
    labels = dict(QuestionTopic.choices)
    return [
        {
            "topic": topic,
            "label": labels.get(topic, topic),
            "questions": items,
            "suggested": topic in suggested,
        }
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

"""The office admin's view of the office's question bank: every question, active
and retired, grouped by topic, and the limits the curation services keep.

The groups are the fixed topics (`QuestionTopic`): students see the bank in the
same groups, and an office-defined grouping would be a second taxonomy to keep
in step for little gain. Students only ever read `question_bank_for_office`
(active questions); this module is for the office admin pages."""

from django.db.models import QuerySet
from django.http import Http404

from apps.interviews.enums import QuestionTopic
from apps.interviews.models import Question
from apps.interviews.selectors.questions import TEXT_MAX

# Shorter than a real question ("Why?") is almost always a slip of the keyboard.
BANK_TEXT_MIN = 10


BANK_TEXT_MAX = TEXT_MAX


# A bank students pick from on one page, grouped, not a library: the active list
# is shown whole, so it is capped. Retired questions are paged instead.
MAX_ACTIVE_QUESTIONS = 200


RETIRED_PAGE_SIZE = 50


def bank_questions_active(*, office_id: int) -> QuerySet[Question]:
    return Question.objects.filter(office_id=office_id, is_active=True).order_by(
        "topic", "position", "pk"
    )


def bank_questions_retired(*, office_id: int) -> QuerySet[Question]:
    """Most recently changed first: a question retired by mistake is at the top."""
    return Question.objects.filter(office_id=office_id, is_active=False).order_by(
        "-updated_at", "-pk"
    )


def bank_question_get_for_office(*, office_id: int, pk: int) -> Question:
    """A question of this office, active or retired; another office's id is a 404."""
    question = Question.objects.filter(office_id=office_id, pk=pk).first()
    if question is None:
        raise Http404
    return question


def bank_groups(*, questions) -> list[dict]:
    """Active questions by topic, every topic in its own order (an empty one too, so
    the admin sees the gap), each with its count and first/last marks for the move
    buttons. `questions` is the capped active list, already in position order."""
    groups = {topic: [] for topic in QuestionTopic.values}
    for question in questions:
        groups.setdefault(question.topic, []).append(question)
    labels = dict(QuestionTopic.choices)
    result = []
    for topic, items in groups.items():
        for i, question in enumerate(items):
            question.is_first = i == 0
            question.is_last = i == len(items) - 1
        result.append(
            {
                "topic": topic,
                "label": labels.get(topic, topic),
                "questions": items,
                "count": len(items),
            }
        )
    return result

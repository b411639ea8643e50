"""Office admins curating the office's question bank: add, edit, retire, restore
and move questions within their topic. Reads and limits are in selectors/bank.py.

Students' lists are never touched from here. A `PreparedQuestion` holds its own
copy of the text, taken when the student picked it, and keeps its `source` link
only to mark the question as already picked; questions are retired, never deleted,
so that link stays too. An edit or a retirement therefore changes what students
can pick next, not what is already on anyone's list."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from apps.accounts.models import Office
from apps.interviews.enums import QuestionTopic
from apps.interviews.models import Question
from apps.interviews.selectors.bank import BANK_TEXT_MAX, BANK_TEXT_MIN, MAX_ACTIVE_QUESTIONS
from apps.interviews.services.questions import question_bank_ensure


def _check_admin(admin) -> None:
    if not admin.is_office_admin or admin.office_id is None:
        raise PermissionError("not an office admin")


def _check_own(admin, question: Question) -> None:
    _check_admin(admin)
    if question.office_id != admin.office_id:
        raise PermissionError("question of another office")


def _lock_office(office_id: int) -> None:
    # Every bank write of an office takes its row lock first: two admins adding the
    # same text, filling the last free place or moving in one topic at the same
    # moment then run one after the other, and the second sees the first's change.
    Office.objects.select_for_update().filter(pk=office_id).first()


def _clean(*, office_id: int, topic: str, text: str, pk=None) -> dict:
    text = " ".join((text or "").split())
    errors = {}
    if topic not in QuestionTopic.values:
        errors["topic"] = [_("Choose a topic from the list.")]
    if not text:
        errors["text"] = [_("Write the question.")]
    elif len(text) < BANK_TEXT_MIN:
        errors["text"] = [
            _("Write at least %(n)s characters, so students see a whole question.")
            % {"n": BANK_TEXT_MIN}
        ]
    elif len(text) > BANK_TEXT_MAX:
        errors["text"] = [_("Keep a question to %(n)s characters or fewer.") % {"n": BANK_TEXT_MAX}]
    else:
        clash = (
            Question.objects.filter(office_id=office_id, text__iexact=text)
            .exclude(pk=pk)
            .only("is_active")
            .first()
        )
        if clash is not None and clash.is_active:
            errors["text"] = [_("The bank already has this question.")]
        elif clash is not None:
            errors["text"] = [
                _("A retired question already says this. Restore it instead of adding it again.")
            ]
    if errors:
        raise ValidationError(errors)
    return {"topic": topic, "text": text}


def _check_room(office_id: int) -> None:
    if Question.objects.filter(office_id=office_id, is_active=True).count() >= (
        MAX_ACTIVE_QUESTIONS
    ):
        raise ValidationError(
            _("The bank holds at most %(n)s active questions. Retire some first.")
            % {"n": MAX_ACTIVE_QUESTIONS}
        )


def _end_of(office_id: int, topic: str) -> int:
    top = Question.objects.filter(office_id=office_id, topic=topic).aggregate(m=Max("position"))
    return (top["m"] or 0) + 1


@transaction.atomic
def bank_question_add(*, admin, topic: str, text: str) -> Question:
    """A new active question at the end of its topic."""
    _check_admin(admin)
    office_id = admin.office_id
    # An office that never opened a bank page gets the standard bank first, or this
    # question would become its whole bank.
    question_bank_ensure(office=admin.office)
    _lock_office(office_id)
    data = _clean(office_id=office_id, topic=topic, text=text)
    _check_room(office_id)
    return Question.objects.create(
        office_id=office_id, position=_end_of(office_id, data["topic"]), **data
    )


@transaction.atomic
def bank_question_update(*, admin, question: Question, topic: str, text: str) -> Question:
    """New wording or topic for students who pick it from now on; a question moved
    to another topic goes to the end of it."""
    _check_own(admin, question)
    _lock_office(question.office_id)
    question = Question.objects.get(pk=question.pk)
    data = _clean(office_id=question.office_id, topic=topic, text=text, pk=question.pk)
    if data["topic"] != question.topic:
        question.position = _end_of(question.office_id, data["topic"])
    question.topic = data["topic"]
    question.text = data["text"]
    question.save(update_fields=["topic", "text", "position", "updated_at"])
    return question


@transaction.atomic
def bank_question_retire(*, admin, question: Question) -> Question:
    """Students no longer see it; lists that hold it keep it."""
    _check_own(admin, question)
    _lock_office(question.office_id)
    question = Question.objects.get(pk=question.pk)
    if question.is_active:
        question.is_active = False
        question.save(update_fields=["is_active", "updated_at"])
    return question


@transaction.atomic
def bank_question_restore(*, admin, question: Question) -> Question:
    """Offered again, at the end of its topic: its old place may have been taken
    by the moves made since."""
    _check_own(admin, question)
    _lock_office(question.office_id)
    question = Question.objects.get(pk=question.pk)
    if question.is_active:
        return question
    _check_room(question.office_id)
    question.position = _end_of(question.office_id, question.topic)
    question.is_active = True
    question.save(update_fields=["is_active", "position", "updated_at"])
    return question


@transaction.atomic
def bank_question_move(*, admin, question: Question, offset: int) -> Question:
    """One place up (-1) or down (+1) among the active questions of its topic. The
    topic is renumbered 1..n, so gaps and ties left by retirements disappear."""
    _check_own(admin, question)
    if offset not in (-1, 1):
        raise ValidationError(_("A question moves one place up or down."))
    _lock_office(question.office_id)
    question = Question.objects.get(pk=question.pk)
    if not question.is_active:
        raise ValidationError(_("Restore this question before moving it."))
    ids = list(
        Question.objects.filter(office_id=question.office_id, topic=question.topic, is_active=True)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    i = ids.index(question.pk)
    j = max(0, min(len(ids) - 1, i + offset))
    ids[i], ids[j] = ids[j], ids[i]
    Question.objects.bulk_update(
        [Question(pk=pk, position=n) for n, pk in enumerate(ids, start=1)], ["position"]
    )
    question.position = j + 1
    return question

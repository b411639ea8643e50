"""Writes of the question bank and each interview's prepared, ordered question
list, and sharing it with the volunteer. The limits and the states a list can be
edited in are in selectors/questions.py, with the reads."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Office
from apps.core.links import site_url
from apps.core.models import LARGEST_ID
from apps.core.notify import notify
from apps.interviews import calendar
from apps.interviews.enums import EventKind, QuestionTopic, State
from apps.interviews.models import Interview, PreparedQuestion, Question
from apps.interviews.selectors.questions import (
    EDITABLE_STATES,
    MAX_QUESTIONS,
    MEETING_STATES,
    SHARE_STATES,
    TEXT_MAX,
    prepared_questions_for_interview,
)
from apps.interviews.services.lifecycle import announce, record_event

# The office's starting bank, by topic, from the practice (docs: domain.md step 4).
# Migration 0002 holds a frozen copy; change this list and old offices keep theirs.
DEFAULT_QUESTIONS: list[tuple[str, str]] = [
    (QuestionTopic.PATH, "How did you get into this line of work?"),
    (
        QuestionTopic.PATH,
        "What did your path look like from your studies to the role you have now?",
    ),
    (QuestionTopic.PATH, "If you were starting again, what would you do differently?"),
    (QuestionTopic.DAY_TO_DAY, "What does a typical day or week look like for you?"),
    (QuestionTopic.DAY_TO_DAY, "What do you enjoy most about your work, and what is hardest?"),
    (QuestionTopic.SKILLS, "What skills and qualities does someone need to do well in this field?"),
    (QuestionTopic.SKILLS, "What would you say are the keys to success in your role?"),
    (QuestionTopic.SKILLS, "Which courses or experiences best prepared you for this work?"),
    (QuestionTopic.OUTLOOK, "How do you see this field changing over the next few years?"),
    (QuestionTopic.OUTLOOK, "Where do you see growth or demand in this area right now?"),
    (QuestionTopic.GETTING_STARTED, "How would you suggest someone like me get started?"),
    (QuestionTopic.GETTING_STARTED, "What kinds of entry-level roles lead to work like yours?"),
    (QuestionTopic.ORGANISATIONS, "Which professional organisations would you recommend joining?"),
    (
        QuestionTopic.ORGANISATIONS,
        "Are there publications, events or online communities I should follow?",
    ),
    (QuestionTopic.EXPERIENCE, "How can a student gain relevant experience while still studying?"),
    (QuestionTopic.EXPERIENCE, "Are there internships or volunteer roles you would recommend?"),
    (QuestionTopic.REFERRALS, "Who else would you suggest I talk to, and may I mention your name?"),
    (
        QuestionTopic.REFERRALS,
        "Is there someone in a different part of the field who could give me another view?",
    ),
    (QuestionTopic.PAY, "What is a typical salary range for someone starting out in this field?"),
    (QuestionTopic.PAY, "Which benefits or working arrangements are common in this field?"),
]


def question_bank_ensure(*, office: Office) -> int:
    """Give an office the default bank if it has no questions at all (an office whose
    advisors retired every question keeps its choice). Returns how many were added.
    Called on every prepare page, so the usual case is one cheap query."""
    if Question.objects.filter(office=office).exists():
        return 0
    with transaction.atomic():
        # Two first visits at once: the office row lock makes the second wait and
        # then find the bank the first one added.
        Office.objects.select_for_update().filter(pk=office.pk).first()
        if Question.objects.filter(office=office).exists():
            return 0
        rows = []
        positions: dict[str, int] = {}
        for topic, text in DEFAULT_QUESTIONS:
            positions[topic] = positions.get(topic, 0) + 1
            rows.append(Question(office=office, topic=topic, text=text, position=positions[topic]))
        Question.objects.bulk_create(rows)
    return len(rows)


def _check_student(student, interview: Interview) -> None:
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")


def _check_editable(interview: Interview) -> None:
    if interview.state not in EDITABLE_STATES:
        raise ValidationError(
            _("This interview is %(state)s, so its question list can no longer be changed.")
            % {"state": interview.get_state_display().lower()}
        )


def _next_position(interview: Interview) -> int:
    top = PreparedQuestion.objects.filter(interview=interview).aggregate(m=Max("position"))
    return (top["m"] or 0) + 1


def _check_room(interview: Interview, adding: int) -> None:
    if PreparedQuestion.objects.filter(interview=interview).count() + adding > MAX_QUESTIONS:
        raise ValidationError(
            _("A list can hold at most %(n)s questions. Remove some first.") % {"n": MAX_QUESTIONS}
        )


@transaction.atomic
def prepared_question_add(*, student, interview: Interview, text: str) -> PreparedQuestion:
    """A question in the student's own words, at the end of the list."""
    _check_student(student, interview)
    _check_editable(interview)
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": _("Write a question first.")})
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {"text": _("Keep a question to %(n)s characters or fewer.") % {"n": TEXT_MAX}}
        )
    if PreparedQuestion.objects.filter(interview=interview, text__iexact=text).exists():
        raise ValidationError({"text": _("That question is already on your list.")})
    _check_room(interview, 1)
    return PreparedQuestion.objects.create(
        interview=interview, text=text, position=_next_position(interview)
    )


@transaction.atomic
def prepared_questions_add_from_bank(
    *, student, interview: Interview, question_ids: list[int]
) -> list[PreparedQuestion]:
    """Copy bank questions to the end of the list, in bank order. Ones already on
    the list are skipped; an id outside the office's active bank refuses the lot."""
    _check_student(student, interview)
    _check_editable(interview)
    wanted = set(question_ids)
    if not wanted:
        raise ValidationError({"questions": _("Tick at least one question to add.")})
    if not all(0 < pk <= LARGEST_ID for pk in wanted):  # names no row (SQLite: a 500)
        raise ValidationError({"questions": _("Choose questions from your office's bank.")})
    bank = list(
        Question.objects.filter(
            office_id=interview.student.office_id, is_active=True, pk__in=wanted
        ).order_by("topic", "position", "pk")
    )
    if len(bank) != len(wanted):
        raise ValidationError({"questions": _("Choose questions from your office's bank.")})
    present = set(
        PreparedQuestion.objects.filter(interview=interview, source__in=bank).values_list(
            "source_id", flat=True
        )
    )
    new = [q for q in bank if q.pk not in present]
    _check_room(interview, len(new))
    start = _next_position(interview)
    rows = [
        PreparedQuestion(interview=interview, source=q, text=q.text, position=start + i)
        for i, q in enumerate(new)
    ]
    return PreparedQuestion.objects.bulk_create(rows)


def _get_prepared(interview: Interview, question_id: int) -> PreparedQuestion:
    question = PreparedQuestion.objects.filter(interview=interview, pk=question_id).first()
    if question is None:
        raise ValidationError(_("That question is not on this list. Reload the page."))
    return question


def _renumber(ids: list[int]) -> None:
    rows = [PreparedQuestion(pk=pk, position=i) for i, pk in enumerate(ids, start=1)]
    PreparedQuestion.objects.bulk_update(rows, ["position"])


@transaction.atomic
def prepared_question_remove(*, student, interview: Interview, question_id: int) -> None:
    _check_student(student, interview)
    _check_editable(interview)
    _get_prepared(interview, question_id).delete()
    _renumber(
        list(prepared_questions_for_interview(interview=interview).values_list("pk", flat=True))
    )


@transaction.atomic
def prepared_questions_reorder(*, student, interview: Interview, question_ids: list[int]) -> None:
    """Put the list in the given order. The ids must be exactly the list's questions,
    each once; anything else is refused and nothing changes."""
    _check_student(student, interview)
    _check_editable(interview)
    current = list(
        PreparedQuestion.objects.select_for_update()
        .filter(interview=interview)
        .values_list("pk", flat=True)
    )
    if sorted(current) != sorted(question_ids) or len(set(question_ids)) != len(question_ids):
        raise ValidationError(_("That order does not match your list. Reload the page."))
    _renumber(question_ids)


def prepared_question_move(*, student, interview: Interview, question_id: int, offset: int):
    """Up (-1) or down (+1) one place: the keyboard path for drag and drop."""
    ids = list(prepared_questions_for_interview(interview=interview).values_list("pk", flat=True))
    if question_id not in ids:
        raise ValidationError(_("That question is not on this list. Reload the page."))
    i = ids.index(question_id)
    j = max(0, min(len(ids) - 1, i + offset))
    ids[i], ids[j] = ids[j], ids[i]
    prepared_questions_reorder(student=student, interview=interview, question_ids=ids)


@transaction.atomic
def prepared_question_set_asked(
    *, student, interview: Interview, question_id: int, asked: bool
) -> PreparedQuestion:
    """Checked off during the meeting. Takes the wanted value rather than toggling,
    so a double tap leaves it as the student sees it."""
    _check_student(student, interview)
    if interview.state not in MEETING_STATES:
        raise ValidationError(_("Questions are checked off during a scheduled meeting."))
    question = _get_prepared(interview, question_id)
    if question.asked != asked:
        question.asked = asked
        question.save(update_fields=["asked"])
    return question


def interview_questions_share(*, student, interview: Interview) -> Interview:
    """Send the list to the volunteer ahead of the meeting, once. Later edits show on
    the volunteer's request page, which always reads the current list."""
    _check_student(student, interview)
    if interview.volunteer_id is None:
        raise ValidationError(
            _("%(name)s is not on Fieldnotes. Email the questions from your own mail instead.")
            % {"name": interview.contact.full_name}
        )
    if interview.state not in SHARE_STATES:
        raise ValidationError(
            _("This interview is %(state)s, so there is nobody to share the questions with.")
            % {"state": interview.get_state_display().lower()}
        )
    with transaction.atomic():
        questions = list(prepared_questions_for_interview(interview=interview))
        if not questions:
            raise ValidationError(_("Add some questions before you share them."))
        now = timezone.now()
        # A double click must not send two emails: only the request that moves the
        # row from "not shared" goes on.
        claimed = Interview.objects.filter(
            pk=interview.pk, questions_shared_at__isnull=True
        ).update(questions_shared_at=now, updated_at=now)
        if claimed != 1:
            raise ValidationError(_("You have already shared your questions."))
        interview.questions_shared_at = now
        announce(record_event(interview, actor=student, kind=EventKind.QUESTIONS_SHARED))
        volunteer = interview.volunteer.user
        attachments = None
        if interview.state == State.SCHEDULED:
            # The invitation already in their calendar gains the questions in its
            # description: the same UID and SEQUENCE (not a change of time or
            # place, so no new meeting reminders) with a later DTSTAMP.
            attachments = [
                calendar.invitation_attachment(
                    interview=interview, method="REQUEST", viewer=volunteer
                )
            ]
        notify(
            user=volunteer,
            template="interviews/questions_shared",
            about=interview,
            key=f"interviews/questions_shared:{interview.pk}",
            reply_to=[interview.student.email],
            context={
                "interview": interview,
                "student": interview.student,
                "questions": questions,
                "url": site_url("inbox_detail", interview.pk),
            },
            attachments=attachments,
        )
    return interview

"""A student's interview figures for the advisor's caseload: each one exact, 0 /
None for a student with nothing, never another student's, in one query for any
number of students."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.interviews.enums import EventKind, State
from apps.interviews.models import InterviewEvent
from apps.interviews.selectors import student_interview_figures
from apps.interviews.services import (
    interview_cancel,
    interview_complete,
    interview_draft_save,
    interview_message,
)
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
KEYS = ["requests_sent", "accepted", "held", "last_interview_activity_at"]


def _figures(*users) -> dict[int, dict]:
    rows = (
        User.objects.filter(pk__in=[u.pk for u in users])
        .annotate(**student_interview_figures())
        .values("pk", *KEYS)
    )
    return {row.pop("pk"): row for row in rows}


def _event(interview, kind, **fields):
    return InterviewEvent.objects.create(interview=interview, kind=kind, **fields)


@pytest.fixture
def sams_interviews(student, time_machine):
    """One of Sam's interviews in every state, and a timeline whose last entry by
    a person is a message an hour after T0; after it only the system wrote."""
    time_machine.move_to(T0, tick=False)
    requested = InterviewFactory(student=student, state=State.REQUESTED)
    for state in (State.DECLINED, State.EXPIRED, State.WITHDRAWN, State.ACCEPTED):
        InterviewFactory(student=student, state=state)
    InterviewFactory(student=student, state=State.SCHEDULED)
    InterviewFactory(student=student, state=State.NO_SHOW)
    held = InterviewFactory(student=student, state=State.SCHEDULED)
    interview_complete(student=student, interview=held)
    for state in (State.ACCEPTED, State.SCHEDULED):
        interview_cancel(
            actor=student,
            interview=InterviewFactory(student=student, state=state),
            reason="Moved city",
        )
    # Cancelled with no sign it was ever accepted: not a yes.
    InterviewFactory(student=student, state=State.CANCELLED)
    # A draft carrying a request date still was never sent.
    InterviewFactory(student=student, state=State.DRAFT, contact=ContactFactory(student=student))

    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    interview_message(actor=student, interview=requested, body="Any day next week suits me.")
    time_machine.move_to(T0 + timedelta(hours=2), tick=False)
    _event(requested, EventKind.NUDGED)
    time_machine.move_to(T0 + timedelta(hours=3), tick=False)
    interview_draft_save(
        student=student, contact=ContactFactory(student=student), message="Dear Kim"
    )
    time_machine.move_to(T0 + timedelta(hours=4), tick=False)
    _event(requested, EventKind.EXPIRED, from_state=State.REQUESTED, to_state=State.EXPIRED)
    return requested


SAMS = {
    # Every state but the two drafts.
    "requests_sent": 11,
    # Accepted, scheduled, no-show, held, and the two cancelled after a yes.
    "accepted": 6,
    "held": 1,
    "last_interview_activity_at": T0 + timedelta(hours=1),
}


def test_student_interview_figures_exact(student, sams_interviews):
    assert _figures(student)[student.pk] == SAMS


def test_student_interview_figures_nothing_is_zero_and_none(student, student2, sams_interviews):
    assert _figures(student2)[student2.pk] == {
        "requests_sent": 0,
        "accepted": 0,
        "held": 0,
        "last_interview_activity_at": None,
    }


def test_student_interview_figures_cancelled_counts_as_accepted_by_its_timeline(
    student2, time_machine
):
    time_machine.move_to(T0, tick=False)
    interview = InterviewFactory(student=student2, state=State.CANCELLED)
    assert _figures(student2)[student2.pk]["accepted"] == 0

    # A cancellation from a request never answered (the lifecycle has no such move
    # today) would not be a yes either.
    _event(interview, EventKind.CANCELLED, from_state=State.REQUESTED, to_state=State.CANCELLED)
    assert _figures(student2)[student2.pk]["accepted"] == 0

    _event(interview, EventKind.CANCELLED, from_state=State.SCHEDULED, to_state=State.CANCELLED)
    assert _figures(student2)[student2.pk]["accepted"] == 1


def test_student_interview_figures_only_system_entries_are_no_activity(student2, time_machine):
    time_machine.move_to(T0, tick=False)
    interview_draft_save(
        student=student2, contact=ContactFactory(student=student2), message="Dear Kim"
    )
    interview = InterviewFactory(student=student2, state=State.REQUESTED)
    _event(interview, EventKind.NUDGED)
    _event(interview, EventKind.EXPIRED, from_state=State.REQUESTED, to_state=State.EXPIRED)

    assert _figures(student2)[student2.pk] == {
        "requests_sent": 1,
        "accepted": 0,
        "held": 0,
        "last_interview_activity_at": None,
    }


def test_student_interview_figures_never_count_another_students(
    student, student2, other_student, sams_interviews, time_machine
):
    time_machine.move_to(T0 + timedelta(hours=5), tick=False)
    theirs = InterviewFactory(student=student2, state=State.REQUESTED)
    interview_message(actor=student2, interview=theirs, body="Thank you for considering it.")
    time_machine.move_to(T0 + timedelta(hours=6), tick=False)
    elsewhere = InterviewFactory(student=other_student, state=State.SCHEDULED)
    interview_complete(student=other_student, interview=elsewhere)

    figures = _figures(student, student2, other_student)

    assert figures[student.pk] == SAMS
    assert figures[student2.pk] == {
        "requests_sent": 1,
        "accepted": 0,
        "held": 0,
        "last_interview_activity_at": T0 + timedelta(hours=5),
    }
    assert figures[other_student.pk] == {
        "requests_sent": 1,
        "accepted": 1,
        "held": 1,
        "last_interview_activity_at": T0 + timedelta(hours=6),
    }


@pytest.mark.parametrize("students", [1, 3])
def test_student_interview_figures_one_query_for_any_number_of_students(
    student, student2, other_student, django_assert_num_queries, students
):
    people = [student, student2, other_student][:students]
    for n, person in enumerate(people, start=1):
        for _ in range(n):
            held = InterviewFactory(student=person, state=State.SCHEDULED)
            interview_complete(student=person, interview=held)
        InterviewFactory(student=person, state=State.REQUESTED)

    with django_assert_num_queries(1):
        figures = _figures(*people)

    assert [figures[p.pk]["held"] for p in people] == [1, 2, 3][:students]
    assert [figures[p.pk]["requests_sent"] for p in people] == [2, 3, 4][:students]

"""People and things for the comments and coaching-notes tests: Sam (`student`) is
advised by Dana (`advisor`), assigned by Avery (`office_admin`); Uma is an advisor
of the same office who does not advise Sam. Sam has a pitch, a conversation being
prepared (questions), and one held with Alex whose notes Sam shared."""

from datetime import UTC, datetime

import pytest

from apps.accounts.enums import Role
from apps.advising.services import assignments_add
from apps.interviews.enums import State
from apps.interviews.services import interview_notes_save
from tests.factories.accounts import UserFactory
from tests.factories.interviews import InterviewFactory, add_questions, mark_held
from tests.factories.students import student_profile_set

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
PITCH = "I study economics and want to work in health care."


@pytest.fixture
def unassigned_advisor(office):
    return UserFactory(
        office=office, email="uma@northfield.test", full_name="Uma Advisor", role=Role.ADVISOR
    )


@pytest.fixture
def advised(student, advisor, office_admin):
    """Sam, assigned to Dana, with a pitch."""
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    student_profile_set(student, programme="Economics", graduation_year=2027, pitch=PITCH)
    return student


@pytest.fixture
def preparing(advised):
    """A request accepted, with questions being prepared."""
    interview = InterviewFactory(student=advised, state=State.ACCEPTED)
    add_questions(interview, "How did you start?", "What do you enjoy most?")
    return interview


@pytest.fixture
def shared(advised, volunteer):
    """A conversation with Alex (the volunteer), held, notes shared with the advisor."""
    interview = InterviewFactory(student=advised, volunteer=volunteer)
    mark_held(student=advised, interview=interview)
    interview_notes_save(
        student=advised, interview=interview, advice="Learn SQL.", shared_with_advisor=True
    )
    return interview


@pytest.fixture
def private(advised):
    """A conversation held whose notes Sam kept to themself."""
    interview = InterviewFactory(student=advised)
    mark_held(student=advised, interview=interview)
    interview_notes_save(
        student=advised, interview=interview, advice="Mine only.", shared_with_advisor=False
    )
    return interview

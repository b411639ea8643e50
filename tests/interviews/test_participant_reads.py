"""Reads of "my interviews, as student or as volunteer" (issue 10): each side comes
from its own index (through a UNION of ids, or an OR of the interview's own columns
with the volunteer profile a scalar subquery), never an OR across the volunteer
join, and the pages and the feed built on them show the same rows in the same order."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.followups.reminders import _digest_context
from apps.interviews import selectors
from apps.interviews.enums import State
from tests.factories.interviews import InterviewFactory

pytestmark = pytest.mark.django_db


def _at(hours):
    return timezone.now() + timedelta(hours=hours)


@pytest.fixture
def both_sides(student, student2, alumni, volunteer):
    """The student's own-email meeting, the student's platform meeting with the
    volunteer, and a meeting of another student with the same volunteer."""
    own = InterviewFactory(student=student, starts_at=_at(30))
    platform = InterviewFactory(student=student, volunteer=volunteer, starts_at=_at(10))
    other = InterviewFactory(student=student2, volunteer=volunteer, starts_at=_at(20))
    return own, platform, other


def test_each_side_sees_its_own_rows_only(
    both_sides, student, student2, alumni, other_student, other_alumni
):
    own, platform, other = both_sides

    assert list(selectors.interviews_of_participant(user=student).order_by("pk")) == [
        own,
        platform,
    ]
    assert list(selectors.interviews_of_participant(user=alumni).order_by("pk")) == [
        platform,
        other,
    ]
    assert list(selectors.interviews_of_participant(user=student2)) == [other]
    assert list(selectors.interviews_of_participant(user=other_student)) == []
    assert list(selectors.interviews_of_participant(user=other_alumni)) == []


def test_filters_apply_to_both_sides(student, alumni, volunteer):
    InterviewFactory(student=student, state=State.REQUESTED, starts_at=None)
    held = InterviewFactory(student=student, volunteer=volunteer, state=State.COMPLETED)
    kept = InterviewFactory(
        student=student, volunteer=volunteer, contact=held.contact, starts_at=_at(5)
    )

    assert list(selectors.interviews_of_participant(user=alumni, state=State.SCHEDULED)) == [kept]
    assert list(selectors.interviews_of_participant(user=student, state=State.SCHEDULED)) == [kept]


def test_upcoming_is_soonest_first_and_sliceable(both_sides, student, alumni):
    own, platform, other = both_sides
    InterviewFactory(student=student, starts_at=_at(-2))  # already begun: not upcoming

    assert list(selectors.upcoming_for_user(user=student)) == [platform, own]
    assert list(selectors.upcoming_for_user(user=alumni)) == [platform, other]
    assert list(selectors.upcoming_for_user(user=student)[:1]) == [platform]


def test_upcoming_is_one_query_without_or(both_sides, student, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(selectors.upcoming_for_user(user=student))
        assert [r.contact.full_name for r in rows] == ["Alex Alumni", "Jordan Lee"]

    sql = str(selectors.upcoming_for_user(user=student).query)
    assert " UNION " in sql
    assert " OR " not in sql


def test_the_feed_query_ors_the_interviews_own_columns_without_a_join(
    both_sides, student, alumni, student2
):
    own, platform, other = both_sides
    InterviewFactory(student=student2, starts_at=_at(5))  # nobody's here: not in either

    tokens = _token(student), _token(alumni)

    with CaptureQueriesContext(connection) as ctx:
        as_student = selectors.calendar_feed_read(token=tokens[0])
    as_volunteer = selectors.calendar_feed_read(token=tokens[1])

    # One query with the shared questions (an array per interview), the owner found
    # by the token inside it; both sides of the user an OR of the interview's own
    # columns (a BitmapOr of two indexes), not a join to the volunteer's profile.
    [main] = ctx.captured_queries
    assert " UNION " not in main["sql"]
    assert '"interviews_interview"."volunteer_id" = (SELECT' in main["sql"]
    assert " JOIN " not in main["sql"].split(" FROM ", 1)[0].split("(SELECT", 1)[0]
    assert as_student[0] == student.pk
    assert [row.pk for row in as_student[1]] == [own.pk, platform.pk]
    assert as_volunteer[0] == alumni.pk
    assert [row.pk for row in as_volunteer[1]] == [other.pk, platform.pk]


def _token(user) -> str:
    from apps.interviews import services

    return services.calendar_feed_get_or_create(user=user).token


def test_participant_download_reaches_either_side_only(both_sides, student, alumni, student2):
    own, platform, other = both_sides

    assert selectors.interview_get_for_participant(user=student, pk=platform.pk) == platform
    assert selectors.interview_get_for_participant(user=alumni, pk=platform.pk) == platform
    with pytest.raises(Http404):
        selectors.interview_get_for_participant(user=student2, pk=own.pk)


def test_digest_lists_meetings_of_either_side_within_a_day(both_sides, student, alumni):
    own, platform, other = both_sides  # own is 30 hours ahead: beyond the day
    soon = InterviewFactory(student=student, starts_at=_at(15))

    class Preference:
        meeting = True
        thank_you = keep_in_touch = requests = False

    now = timezone.now()
    context = _digest_context(user=alumni, preference=Preference, now=now, local=now)
    assert context["meetings"] == [platform, other]
    context = _digest_context(user=student, preference=Preference, now=now, local=now)
    assert context["meetings"] == [platform, soon]

"""A student's follow-up figures for the advisor's caseload, and all three apps'
figures on one queryset: each one exact, 0 for a student with nothing, never
another student's, in one query for any number of students."""

from datetime import timedelta

import pytest

from apps.accounts.models import User
from apps.contacts.selectors import student_contact_figures
from apps.followups.enums import Kind, Snooze, Status
from apps.followups.models import FollowUp
from apps.followups.selectors import student_followup_figures
from apps.followups.services import followup_complete, followup_snooze, followup_stop
from apps.interviews.enums import State
from apps.interviews.selectors import student_interview_figures
from apps.interviews.services import interview_message
from tests.factories.interviews import InterviewFactory, mark_held
from tests.followups.conftest import ENDED, NOW

pytestmark = pytest.mark.django_db

KEYS = ["thanks_on_time", "thanks_late", "thanks_missing", "overdue_followups"]
# The office's thank-you window: a day from the end of the meeting.
DUE = ENDED + timedelta(hours=24)
LATER = NOW + timedelta(days=400)


def _figures(*users, now) -> dict[int, dict]:
    rows = (
        User.objects.filter(pk__in=[u.pk for u in users])
        .annotate(**student_followup_figures(now=now))
        .values("pk", *KEYS)
    )
    return {row.pop("pk"): row for row in rows}


def _held(student):
    """A meeting that ended at ENDED, marked held now: its thank-you, due at DUE."""
    meeting = InterviewFactory(
        student=student, state=State.SCHEDULED, starts_at=NOW - timedelta(minutes=45)
    )
    return mark_held(student=student, interview=meeting)


def _checkin(thank_you):
    return FollowUp.objects.get(
        contact=thank_you.contact, kind=Kind.KEEP_IN_TOUCH, status=Status.OPEN
    )


@pytest.fixture
def sams_thanks(student, time_machine):
    """Four meetings held now: one thanked at once, one thanked an hour after the
    window closed, one still owed, one the student stopped. Each met contact has a
    check-in a few months out; one of those is snoozed."""
    on_time, owed, stopped, late = (_held(student) for _ in range(4))
    assert on_time.due_at == DUE
    followup_complete(student=student, followup=on_time)
    followup_stop(student=student, followup=stopped)
    followup_snooze(student=student, followup=_checkin(stopped), period=Snooze.WEEK)
    time_machine.move_to(DUE + timedelta(hours=1), tick=False)
    followup_complete(student=student, followup=late)
    time_machine.move_to(NOW, tick=False)
    return {"owed": owed, "stopped": stopped}


def test_student_followup_figures_before_the_window_closes(student, sams_thanks):
    assert _figures(student, now=DUE - timedelta(minutes=1))[student.pk] == {
        "thanks_on_time": 1,
        "thanks_late": 1,
        "thanks_missing": 0,
        "overdue_followups": 0,
    }


def test_student_followup_figures_once_the_window_closed(student, sams_thanks):
    # Missing: the one owed and the one stopped. Overdue: only the one owed (the
    # stopped one is not open; the check-ins are months away).
    assert _figures(student, now=DUE + timedelta(minutes=1))[student.pk] == {
        "thanks_on_time": 1,
        "thanks_late": 1,
        "thanks_missing": 2,
        "overdue_followups": 1,
    }


def test_student_followup_figures_overdue_check_ins(student, sams_thanks):
    # A year on, the three open check-ins are overdue as well; the snoozed one is
    # not open (the sweep has not woken it), so it is not counted.
    assert _figures(student, now=LATER)[student.pk] == {
        "thanks_on_time": 1,
        "thanks_late": 1,
        "thanks_missing": 2,
        "overdue_followups": 4,
    }


def test_student_followup_figures_nothing_is_zero(student, student2, sams_thanks):
    assert _figures(student2, now=LATER)[student2.pk] == {
        "thanks_on_time": 0,
        "thanks_late": 0,
        "thanks_missing": 0,
        "overdue_followups": 0,
    }


def test_student_followup_figures_never_count_another_students(
    student, student2, other_student, sams_thanks
):
    _held(student2)
    followup_complete(student=other_student, followup=_held(other_student))

    figures = _figures(student, student2, other_student, now=DUE + timedelta(minutes=1))

    assert figures[student.pk] == {
        "thanks_on_time": 1,
        "thanks_late": 1,
        "thanks_missing": 2,
        "overdue_followups": 1,
    }
    assert figures[student2.pk] == {
        "thanks_on_time": 0,
        "thanks_late": 0,
        "thanks_missing": 1,
        "overdue_followups": 1,
    }
    assert figures[other_student.pk]["thanks_on_time"] == 1


# --- All three apps on one queryset -------------------------------------------------


def _all_figures(now):
    return {
        **student_contact_figures(),
        **student_interview_figures(),
        **student_followup_figures(now=now),
    }


def _caseload(people, now):
    return (
        User.objects.filter(pk__in=[p.pk for p in people])
        .annotate(**_all_figures(now))
        .order_by("pk")
    )


def _busy(student, n):
    """n meetings held (one thank-you sent, the rest owed), and one request open
    with a message on it."""
    thanks = [_held(student) for _ in range(n)]
    followup_complete(student=student, followup=thanks[0])
    request = InterviewFactory(student=student, state=State.REQUESTED)
    interview_message(actor=student, interview=request, body="Thursday works too.")


def test_figure_keys_are_distinct_and_free_on_user():
    keys = [
        *student_contact_figures(),
        *student_interview_figures(),
        *student_followup_figures(now=NOW),
    ]
    user_names = {f.name for f in User._meta.get_fields()}
    user_names |= {f.attname for f in User._meta.concrete_fields}

    assert len(set(keys)) == len(keys) == 15
    assert set(keys) & user_names == set()


@pytest.mark.parametrize("students", [1, 3])
def test_all_figures_one_query_for_any_number_of_students(
    student, student2, other_student, django_assert_num_queries, students
):
    people = [student, student2, other_student][:students]
    for n, person in enumerate(people, start=1):
        _busy(person, n)

    with django_assert_num_queries(1):
        rows = list(_caseload(people, LATER))

    assert [(r.contacts_count, r.held, r.thanks_missing) for r in rows] == [
        (2, 1, 0),
        (3, 2, 1),
        (4, 3, 2),
    ][:students]


def test_all_figures_together_equal_each_alone(student, student2, other_student):
    _busy(student, 3)
    _busy(student2, 1)
    people = [student, student2, other_student]
    now = DUE + timedelta(minutes=1)

    together = {u.pk: u for u in _caseload(people, now)}

    for figures in (
        student_contact_figures(),
        student_interview_figures(),
        student_followup_figures(now=now),
    ):
        alone = User.objects.filter(pk__in=[p.pk for p in people]).annotate(**figures)
        for user in alone:
            assert {key: getattr(together[user.pk], key) for key in figures} == {
                key: getattr(user, key) for key in figures
            }
    assert (
        together[student.pk].contacts_count,
        together[student.pk].accepted,
        together[student.pk].thanks_missing,
        together[student2.pk].thanks_on_time,
        together[other_student.pk].furthest_stage,
        together[other_student.pk].last_interview_activity_at,
    ) == (4, 3, 2, 1, "", None)


def test_all_figures_sort_the_caseload_on_every_column(student, student2, time_machine):
    _busy(student, 3)
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    _busy(student2, 1)
    people = [student, student2]
    now = DUE + timedelta(minutes=1)
    values = {u.pk: u for u in _caseload(people, now)}

    for key in _all_figures(now):
        for sign in ("", "-"):
            got = list(_caseload(people, now).order_by(f"{sign}{key}", "pk"))
            expected = sorted(
                people, key=lambda p, k=key: getattr(values[p.pk], k), reverse=bool(sign)
            )
            if getattr(values[student.pk], key) == getattr(values[student2.pk], key):
                expected = people
            assert [u.pk for u in got] == [p.pk for p in expected], (sign, key)

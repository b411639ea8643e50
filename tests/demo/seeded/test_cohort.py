"""The demo cohort (apps.demo.cohort): about forty more students of the demo office
with six months of history made through the services, a caseload for
advisor@demo.test with exactly one stalled student and one missed thank-you, and a
second run that changes nothing.

The package seeds once for all its tests (conftest.py)."""

from datetime import timedelta

import pytest
from django.db.models import Count, Max, Min, Q

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.advising.models import Assignment
from apps.core.models import OutboundEmail
from apps.demo.cohort import (
    ADVISOR,
    COHORT_EMAILS,
    MISSED_THANK_YOU,
    SECOND_ADVISOR,
    SECOND_CASELOAD_SIZE,
    STALLED,
    STUDENTS,
)
from apps.followups.enums import Kind, Status
from apps.followups.models import FollowUp, Interaction
from apps.interviews.enums import State
from apps.interviews.models import Interview, InterviewEvent, InterviewNotes
from apps.students.models import StudentProfile
from tests.advising.test_last_activity import _computed
from tests.demo.seeded.conftest import NOW

# One worker seeds for the whole package (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_seeded")]

ORIGINAL = ["student1@demo.test", "student2@demo.test", "student3@demo.test"]


@pytest.fixture
def cohort(seeded):
    return User.objects.filter(email__in=COHORT_EMAILS)


def _emails(response) -> list[str]:
    return sorted(s.email for s in response.context["page"].object_list)


def test_the_cohort_is_forty_students_across_programmes_and_years(cohort):
    profiles = StudentProfile.objects.filter(user__in=cohort)

    assert cohort.count() == len(STUDENTS) == 40
    assert set(cohort.values_list("role", flat=True)) == {Role.STUDENT}
    assert set(cohort.values_list("office__slug", flat=True)) == {"demo"}
    assert len(set(profiles.values_list("programme", flat=True))) == 8
    assert set(profiles.values_list("graduation_year", flat=True)) == {2026, 2027, 2028, 2029}
    assert profiles.filter(fields__isnull=True).count() == 0
    pitched = profiles.exclude(pitch="").count()
    assert 10 < pitched < 40
    # Hashed once for all of them (apps.demo.cohort.demo_password_set).
    assert all(user.check_password(DEMO_PASSWORD) for user in cohort)
    assert User.objects.get(email="alumni1@demo.test").check_password(DEMO_PASSWORD)


def test_the_history_spans_six_months_with_every_step(cohort):
    events = InterviewEvent.objects.filter(interview__student__in=cohort)
    span = events.aggregate(first=Min("created_at"), last=Max("created_at"))
    held = Interview.objects.filter(student__in=cohort, state=State.COMPLETED)
    thanks = FollowUp.objects.filter(student__in=cohort, kind=Kind.THANK_YOU, status=Status.DONE)

    assert timedelta(days=150) <= NOW - span["first"] <= timedelta(days=183)
    assert span["last"] <= NOW
    # Conversations in each of the last six months, for the charts per week.
    months_ago = {(NOW - at).days // 30 for at in events.values_list("created_at", flat=True)}
    assert set(range(6)) <= months_ago
    assert set(Interview.objects.filter(student__in=cohort).values_list("state", flat=True)) >= {
        State.COMPLETED,
        State.DECLINED,
        State.EXPIRED,
        State.SCHEDULED,
        State.REQUESTED,
    }
    assert held.count() >= 30
    # A.I.R. notes within three hours of each meeting (one held just before the seed
    # may have none yet).
    written = held.filter(held_at__lt=NOW - timedelta(hours=3))
    assert InterviewNotes.objects.filter(interview__in=written).exclude(advice="").count() == (
        written.count()
    )
    assert thanks.filter(on_time=True).exists()
    assert thanks.filter(on_time=False).exists()
    assert Interaction.objects.filter(student__in=cohort).exists()
    assert FollowUp.objects.filter(
        student__in=cohort, kind=Kind.KEEP_IN_TOUCH, status=Status.DONE
    ).exists()
    assert Interview.objects.filter(student__in=cohort, volunteer__isnull=False).exists()
    assert Interview.objects.filter(student__in=cohort, volunteer__isnull=True).exists()


def test_the_cohort_runs_forward_in_time(cohort):
    for interview in Interview.objects.filter(student__in=cohort):
        times = list(interview.events.order_by("pk").values_list("created_at", flat=True))
        assert times == sorted(times), interview.pk
        assert interview.requested_at <= times[0]


def test_engagement_is_spread_from_very_active_to_did_little(cohort):
    sent = Count("interviews", filter=~Q(interviews__state=State.DRAFT), distinct=True)
    requests = {s.email: s.n for s in cohort.annotate(n=sent)}

    assert sum(1 for n in requests.values() if n >= 5) >= 5
    assert sum(1 for n in requests.values() if 2 <= n <= 4) >= 15
    assert sum(1 for n in requests.values() if n <= 1) >= 5


def test_the_demo_advisor_sees_exactly_one_stalled_and_one_missed_thank_you(seeded, login_as):
    browser = login_as(User.objects.get(email=ADVISOR))

    mine = browser.get("/advising/")
    stalled = browser.get("/advising/", {"flag": "stalled"})
    missed = browser.get("/advising/", {"flag": "missed_thank_you"})
    unassigned = browser.get("/advising/", {"scope": "office", "flag": "unassigned"})

    assert mine.context["query"].scope == "mine"
    assert len(_emails(mine)) == 18
    assert set(ORIGINAL) < set(_emails(mine))
    assert _emails(stalled) == [STALLED]
    assert _emails(missed) == [MISSED_THANK_YOU]
    assert len(_emails(unassigned)) >= 10
    assert set(_emails(unassigned)) <= set(COHORT_EMAILS)
    second = User.objects.get(email=SECOND_ADVISOR)
    assert Assignment.objects.filter(advisor=second).count() == SECOND_CASELOAD_SIZE


def test_the_stalled_student_is_clearly_stalled_and_the_missed_one_is_not(seeded):
    ellis = User.objects.get(email=STALLED)
    tariq = User.objects.get(email=MISSED_THANK_YOU)
    missed = FollowUp.objects.filter(student=tariq, kind=Kind.THANK_YOU).exclude(status=Status.DONE)

    assert NOW - ellis.last_activity_at > timedelta(days=42)
    assert NOW - tariq.last_activity_at < timedelta(days=21)
    [followup] = missed
    assert followup.status == Status.OPEN
    assert followup.due_at < NOW - timedelta(days=2)
    assert followup.interview.state == State.COMPLETED


def test_the_caseload_query_count_is_the_same_with_the_whole_demo_office(
    seeded, login_as, django_assert_num_queries
):
    browser = login_as(User.objects.get(email=ADVISOR))

    # As tests/advising/test_caseload.py, with 1, 3 and 50 students.
    with django_assert_num_queries(7):
        response = browser.get("/advising/", {"scope": "office"})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 43


def test_last_activity_agrees_with_the_tables_for_every_student(seeded):
    office = User.objects.get(email=ADVISOR).office

    both = _computed(office)

    assert set(COHORT_EMAILS) <= set(both)
    assert {email: kept for email, (kept, _) in both.items()} == {
        email: computed for email, (_, computed) in both.items()
    }


def test_no_email_of_the_cohort_waits_with_a_due_time_in_the_past(cohort):
    refs = [
        f"interview:{pk}"
        for pk in Interview.objects.filter(student__in=cohort).values_list("pk", flat=True)
    ]
    theirs = OutboundEmail.objects.filter(Q(recipient__in=cohort) | Q(subject_ref__in=refs))

    assert theirs.filter(status=OutboundEmail.Status.SENT, sent_at__lt=NOW).count() > 100
    assert (
        list(
            theirs.filter(status=OutboundEmail.Status.PENDING, due_at__lt=NOW).values_list(
                "dedupe_key", flat=True
            )
        )
        == []
    )


def test_a_second_seed_run_changes_no_counts(seeded):
    assert seeded["second"] == seeded["first"]


def test_other_offices_and_students_see_none_of_the_cohort(seeded, login_as):
    other_admin = User.objects.get(email="admin@other.test")
    student = User.objects.get(email=COHORT_EMAILS[0])
    someone = User.objects.get(email=COHORT_EMAILS[1])

    office_wide = login_as(other_admin).get("/advising/", {"scope": "office"})
    page = login_as(other_admin).get(f"/advising/students/{someone.pk}/")
    as_student = login_as(student).get("/advising/")

    assert not set(_emails(office_wide)) & set(COHORT_EMAILS)
    assert page.status_code == 404
    assert as_student.status_code == 403

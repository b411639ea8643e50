"""The demo office shows the directory's edge cases, as the issue asks: among about a
dozen approved volunteers, one at capacity, one paused and one pending."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from apps.accounts.demo import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DEMO_TWO_FACTOR_EMAILS,
    OFFICES,
    PEOPLE,
)
from apps.accounts.enums import Approval, Role
from apps.accounts.models import Office, User
from apps.contacts.directory import volunteer_list_for_admin, volunteers_with_status
from apps.demo.cohort import CASELOAD_SIZE, COHORT_EMAILS, STALLED
from apps.demo.cohort import MISSED_THANK_YOU as MISSED
from apps.demo.seed import AT_CAPACITY, PAUSED, PENDING, VOLUNTEERS
from apps.interviews.enums import State
from apps.interviews.models import Interview
from tests.demo.seeded.conftest import DEACTIVATED_BETWEEN_RUNS, NOW

# One worker seeds for the whole package (conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_seeded")]

NAMES = {email: name for email, name, *_ in VOLUNTEERS}


@pytest.fixture
def demo(seeded, time_machine, login_as):
    time_machine.move_to(NOW, tick=True)
    return {
        "admin": User.objects.get(email="admin@demo.test"),
        "sam": login_as(User.objects.get(email="student1@demo.test")),
        "priya": login_as(User.objects.get(email="student2@demo.test")),
    }


def test_demo_has_one_volunteer_paused_one_at_capacity_and_one_pending(demo):
    admin = demo["admin"]

    listed = volunteers_with_status(volunteer_list_for_admin(admin=admin), office=admin.office)

    statuses = {p.user.email: p.status for p in listed}
    assert len(statuses) == 12
    assert {e: s for e, s in statuses.items() if s != "active"} == {
        PAUSED: "paused",
        AT_CAPACITY: "at_capacity",
    }
    assert list(
        User.objects.filter(office=admin.office, role=Role.ALUMNI)
        .exclude(approval=Approval.APPROVED)
        .values_list("email", "approval")
    ) == [(PENDING[0], Approval.PENDING)]


def test_demo_at_capacity_volunteer_is_full_through_real_requests(demo):
    noah = User.objects.get(email=AT_CAPACITY).volunteer_profile

    requests = Interview.objects.filter(volunteer=noah)

    assert list(requests.values_list("student__email", "state")) == [
        ("student3@demo.test", State.REQUESTED)
    ]
    assert (noah.capacity_per_month, noah.requests_in_month, noah.requests_received) == (1, 1, 1)


def test_demo_directory_hides_paused_and_pending_and_shows_the_full_one_fully_booked(demo):
    response = demo["sam"].get("/directory/")

    page = response.content.decode()
    shown = {v.user.email: v.spare_capacity for v in response.context["page"].object_list}
    assert set(shown) == set(NAMES) - {PAUSED}
    assert NAMES[PAUSED] not in page
    assert PENDING[1] not in page
    assert shown[AT_CAPACITY] == 0
    assert sorted(email for email, spare in shown.items() if spare == 0) == [AT_CAPACITY]
    noah = User.objects.get(email=AT_CAPACITY).volunteer_profile
    [card] = [c for c in re.findall(r"<article.*?</article>", page, re.S) if "Noah Williams" in c]
    assert "Fully booked this month" in card
    assert reverse("interview_request_volunteer", args=[noah.pk]) not in card


def test_demo_directory_filters_on_industry_major_and_open_to_find_people(demo):
    def found(**params):
        response = demo["sam"].get("/directory/", params)
        assert response.status_code == 200
        return sorted(v.user.full_name for v in response.context["page"].object_list)

    assert found(industry="consulting") == ["Alex Alumni", "Hana Kim"]
    assert found(major="Economics") == ["Alex Alumni", "Ava Thompson"]
    assert found(open_to="career_changers") == ["Hana Kim", "Morgan Chen"]


def test_demo_at_capacity_volunteer_cannot_be_requested(demo):
    noah = User.objects.get(email=AT_CAPACITY).volunteer_profile

    response = demo["priya"].post(
        reverse("interview_request_volunteer", args=[noah.pk]),
        {"message": "Dear Noah, could we talk for 15 minutes about finance careers?"},
    )

    assert response.status_code == 409
    assert "Noah Williams has had all the requests they can take this month." in (
        response.content.decode()
    )
    assert Interview.objects.filter(volunteer=noah).count() == 1


def test_the_demo_office_has_two_request_templates_with_one_default(demo):
    from apps.interviews.models import RequestTemplate

    templates = list(
        RequestTemplate.objects.filter(office__slug="demo", archived_at__isnull=True).values_list(
            "name", "is_default"
        )
    )
    assert sorted(templates) == [("Fellow alumni", False), ("Standard request", True)]


def test_the_held_demo_conversation_has_air_notes_and_referrals_that_became_contacts(demo):
    from apps.contacts.models import Contact
    from apps.interviews.models import InterviewNotes

    sam = User.objects.get(email="student1@demo.test")
    held = Interview.objects.get(student=sam, state=State.COMPLETED)
    notes = InterviewNotes.objects.get(interview=held)

    assert all([notes.advice, notes.information, notes.referrals, notes.reflection])
    referred = Contact.objects.filter(owner=sam, referred_by=held.contact)
    assert sorted(referred.values_list("full_name", flat=True)) == ["Hana Kim", "Priya Shah"]
    assert all(c.target_rank is not None for c in referred)


def test_every_held_demo_meeting_has_its_thank_you(demo):
    # The seed marks meetings held through interviews.services.interview_complete,
    # as the buttons do: each one has its thank-you, and only those.
    from apps.followups.enums import Kind
    from apps.followups.models import FollowUp

    held = Interview.objects.filter(state=State.COMPLETED)
    thanks = FollowUp.objects.filter(kind=Kind.THANK_YOU)

    assert held.count() >= 30
    assert sorted(thanks.values_list("interview_id", "contact_id")) == sorted(
        held.values_list("pk", "contact_id")
    )


def test_demo_timelines_run_forward_in_time(demo):
    for interview in Interview.objects.exclude(state=State.DRAFT):
        times = list(interview.events.order_by("pk").values_list("created_at", flat=True))
        assert times == sorted(times), interview.pk
        assert interview.requested_at <= times[0]


def test_demo_answers_sit_on_their_timelines(demo):
    from apps.interviews.enums import EventKind

    answered = Interview.objects.filter(
        events__kind__in=[EventKind.ACCEPTED, EventKind.DECLINED], answered_at__isnull=False
    ).distinct()
    assert answered.exists()
    for interview in answered:
        event = interview.events.filter(kind__in=[EventKind.ACCEPTED, EventKind.DECLINED]).earliest(
            "created_at"
        )
        assert interview.answered_at == event.created_at, interview.pk


def test_the_demo_advisor_sees_the_demo_students_on_their_caseload(demo, login_as):
    advisor = User.objects.get(email="advisor@demo.test")

    response = login_as(advisor).get(reverse("caseload"))

    assert response.context["query"].scope == "mine"
    emails = sorted(s.email for s in response.context["page"].object_list)
    # Besides the cohort's students on the caseload (tests/demo/seeded/test_cohort.py).
    assert [e for e in emails if e not in COHORT_EMAILS] == [
        "student1@demo.test",
        "student2@demo.test",
        "student3@demo.test",
    ]
    assert len(emails) == 3 + CASELOAD_SIZE
    assert [s.held for s in response.context["page"].object_list if s.held] != []


def test_sams_pitch_has_the_advisors_comment_thread_and_a_coaching_note(demo):
    from apps.advising.models import CoachingNote, CommentThread
    from apps.demo.seed import SAM_PITCH_THREAD

    sam = User.objects.get(email="student1@demo.test")
    [thread] = CommentThread.objects.filter(student=sam, on=CommentThread.On.PITCH)
    page = demo["sam"].get(reverse("student_profile")).content.decode()

    assert [c.body for c in thread.comments.order_by("created_at", "pk")] == [
        body for _who, body in SAM_PITCH_THREAD
    ]
    assert [c.by_student for c in thread.comments.order_by("created_at", "pk")] == [
        who == "student" for who, _body in SAM_PITCH_THREAD
    ]
    assert thread.resolved_at is None
    assert CoachingNote.objects.filter(student=sam).count() == 1
    # Sam sees the thread beside the pitch; never the coaching note.
    assert "Lead with the transit project" in page
    assert "less so with cold outreach" not in page


def test_a_second_seed_run_prints_the_same_and_every_demo_user_can_sign_in(seeded):
    """The README's logins: a re-run (as `make run` does each time) prints what the
    first printed, brings back a demo student deactivated meanwhile, and every
    named demo person then signs in with the published password."""
    extra = {v[0] for v in VOLUNTEERS} - {p[1] for p in PEOPLE} | {PENDING[0]}
    people = len(PEOPLE) + len(extra) + len(COHORT_EMAILS)
    assert (Office.objects.count(), User.objects.count(), EmailAddress.objects.count()) == (
        len(OFFICES),
        people,
        people,
    )
    assert seeded["second_output"] == seeded["first_output"]
    assert seeded["first_output"].startswith("Demo data ready: ")
    assert User.objects.get(email=DEACTIVATED_BETWEEN_RUNS).is_active
    states = set(Interview.objects.values_list("state", flat=True))
    assert states == set(State.values) - {State.DRAFT}
    # The cohort shares one password hash (test_cohort.py checks every one); two
    # of them sign in here, the two the advisor guide names.
    for email in [p[1] for p in PEOPLE] + sorted(extra - {PENDING[0]}) + [STALLED, MISSED]:
        browser = Client()
        response = browser.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        if email in DEMO_TWO_FACTOR_EMAILS:
            # The other office requires two-factor; the README publishes the secret.
            assert response.get("Location") == "/accounts/2fa/authenticate/"
            code = format_hotp_value(
                hotp_value(DEMO_TOTP_SECRET, int(time.time()) // mfa_settings.TOTP_PERIOD)
            )
            response = browser.post("/accounts/2fa/authenticate/", {"code": code})
        assert (email, response.status_code, response.get("Location")) == (email, 302, "/")
    assert dict(Office.objects.values_list("slug", "staff_two_factor_required")) == {
        "demo": False,
        "other": True,
    }

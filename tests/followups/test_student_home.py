"""The student's home: getting ready, what is due, what is coming up, and the one
next step."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contacts.enums import Stage
from apps.contacts.models import Contact
from apps.contacts.services import contact_create, contact_set_stage
from apps.followups.enums import Kind
from apps.followups.models import FollowUp
from apps.interviews.enums import State
from apps.students.models import ResearchNote, StudentProfile
from apps.students.selectors import student_profile_get
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory, mark_held
from tests.factories.students import FieldFactory
from tests.followups.conftest import NOW

pytestmark = pytest.mark.django_db


def _held(student, name, *, ended_ago=timedelta(minutes=15)):
    """A conversation with `name` that ended `ended_ago`, marked held now: its
    thank-you is due a day later."""
    now = timezone.now()
    contact = contact_create(student=student, full_name=name, organisation="Harbour Health")
    interview = InterviewFactory(
        student=student,
        contact=contact,
        state=State.SCHEDULED,
        starts_at=now - ended_ago - timedelta(minutes=30),
        duration_minutes=30,
    )
    mark_held(student=student, interview=interview)
    return interview


def _booked(student, name, *, starts_in):
    contact = contact_create(student=student, full_name=name)
    return InterviewFactory(
        student=student, contact=contact, state=State.SCHEDULED, starts_at=NOW + starts_in
    )


def _ready(student, office):
    """A student who has done every getting-ready step."""
    profile = student_profile_get(user=student)
    field = FieldFactory(office=office, name="Consulting")
    profile.fields.add(field)
    profile.pitch = "Hi, I am Sam."
    profile.save()
    ResearchNote.objects.create(student=student, field=field, title="Consulting", body="Notes")
    for name in ("Ann", "Ben", "Cy"):
        ContactFactory(student=student, full_name=name, on_target_list=True)


def test_new_student_is_pointed_at_the_first_step(login_as, student):
    response = login_as(student).get(reverse("student_home"))

    assert response.status_code == 200
    assert response.context["next_step"]["url"] == reverse("student_profile")
    assert [s["done"] for s in response.context["steps"]] == [False] * 5


def test_home_counts_contacts_targets_referrals_and_meetings(login_as, student, office):
    field = FieldFactory(office=office, name="Consulting")
    profile = student_profile_get(user=student)
    profile.fields.add(field)
    maria = ContactFactory(student=student, full_name="Maria", field=field, on_target_list=True)
    ContactFactory(student=student, full_name="Aisha", referred_by=maria, on_target_list=True)
    tom = ContactFactory(student=student, full_name="Tom", on_target_list=True)
    contact_set_stage(contact=tom, stage=Stage.MET)

    response = login_as(student).get(reverse("student_home"))

    counts = response.context["counts"]
    assert (counts["total"], counts["targets"], counts["referrals"], counts["met"]) == (3, 3, 1, 1)
    assert [s["done"] for s in response.context["steps"]] == [True, False, False, True, True]
    assert response.context["next_step"]["url"] == reverse("research_note_create")


def test_getting_ready_counts_only_the_students_own_fields_and_notes(
    login_as, student, student2, office
):
    _ready(student2, office)

    response = login_as(student).get(reverse("student_home"))

    assert [s["done"] for s in response.context["steps"]] == [False] * 5
    assert StudentProfile.objects.filter(user=student).count() == 1

    profile = student_profile_get(user=student)
    profile.fields.add(FieldFactory(office=office, name="Policy"))
    response = login_as(student).get(reverse("student_home"))
    assert [s["done"] for s in response.context["steps"]] == [True, False, False, False, False]

    ResearchNote.objects.create(student=student, title="Policy", body="Notes")
    response = login_as(student).get(reverse("student_home"))
    assert [s["done"] for s in response.context["steps"]] == [True, True, False, False, False]


@pytest.mark.parametrize("persona", ["alumni", "advisor"])
def test_student_home_is_for_students(login_as, request, persona):
    assert (
        login_as(request.getfixturevalue(persona)).get(reverse("student_home")).status_code == 403
    )


def test_a_thank_you_due_is_the_next_step_and_is_listed(login_as, student, office):
    student.time_zone = "America/New_York"
    student.save()
    _ready(student, office)
    meeting = _held(student, "Rosa Reyes")
    followup = meeting.followups.get()

    response = login_as(student).get(reverse("student_home"))

    assert response.context["next_step"]["url"] == reverse("followup_thank_you", args=[followup.pk])
    assert response.context["next_step"]["label"] == "Thank Rosa Reyes for the conversation"
    assert [(f.contact.full_name, f.is_overdue) for f in response.context["due"]] == [
        ("Rosa Reyes", False)
    ]
    html = response.content.decode()
    assert "Thank Rosa Reyes" in html
    # A day after the meeting ended (09:45 in New York), shown in her zone.
    assert "due Wed 4 Mar, 09:45" in html


def test_overdue_follow_ups_come_first_and_are_counted(login_as, student, office, time_machine):
    _held(student, "Old Olga")
    time_machine.move_to(NOW + timedelta(days=3), tick=False)
    _held(student, "New Nia")

    response = login_as(student).get(reverse("student_home"))

    assert [(f.contact.full_name, f.is_overdue) for f in response.context["due"]] == [
        ("Old Olga", True),
        ("New Nia", False),
    ]
    assert (response.context["due_count"], response.context["overdue_count"]) == (2, 1)
    assert "overdue by 2\xa0days" in response.content.decode()


def test_a_conversation_within_two_days_asks_for_preparation(login_as, student, office):
    _ready(student, office)
    later = _booked(student, "Later Lou", starts_in=timedelta(days=5))
    soon = _booked(student, "Soon Sue", starts_in=timedelta(hours=20))

    response = login_as(student).get(reverse("student_home"))

    assert response.context["next_step"]["url"] == reverse("interview_prepare", args=[soon.pk])
    assert [iv.pk for iv in response.context["upcoming"]] == [soon.pk, later.pk]


def test_a_ready_student_is_asked_to_request_the_best_ranked_person(login_as, student, office):
    _ready(student, office)
    first = Contact.objects.filter(owner=student).order_by("target_rank").first()

    response = login_as(student).get(reverse("student_home"))

    assert response.context["next_step"]["url"] == reverse(
        "interview_request_contact", args=[first.pk]
    )
    assert response.context["next_step"]["label"] == (
        f"Ask {first.full_name} for a short conversation"
    )
    assert response.context["due"] == []
    assert "Nothing due." in response.content.decode()


def test_a_volunteer_on_the_list_is_asked_through_fieldnotes(login_as, student, office, alumni):
    from tests.factories.contacts import make_volunteer

    _ready(student, office)
    profile = make_volunteer(alumni)
    Contact.objects.filter(owner=student).update(target_rank=5)
    ContactFactory(student=student, full_name="Alex Alumni", volunteer=profile, on_target_list=True)
    Contact.objects.filter(owner=student, volunteer=profile).update(target_rank=1)

    response = login_as(student).get(reverse("student_home"))

    assert response.context["next_step"]["url"] == reverse(
        "interview_request_volunteer", args=[profile.pk]
    )


def test_the_request_step_respects_the_limit_and_skips_those_already_asked(
    login_as, student, office
):
    _ready(student, office)
    Contact.objects.filter(owner=student).update(stage=Stage.REQUESTED)
    dee = ContactFactory(student=student, full_name="Dee Last", on_target_list=True)
    office.max_open_requests = 3
    office.save()

    at_limit = login_as(student).get(reverse("student_home"))
    office.max_open_requests = 5
    office.save()
    below = login_as(student).get(reverse("student_home"))
    Contact.objects.filter(pk=dee.pk).update(stage=Stage.REQUESTED)
    nobody_left = login_as(student).get(reverse("student_home"))

    assert at_limit.context["next_step"] is None
    assert below.context["next_step"]["url"] == reverse("interview_request_contact", args=[dee.pk])
    assert nobody_left.context["next_step"] is None


def test_someone_elses_follow_ups_and_conversations_stay_out(
    login_as, student, student2, other_student
):
    _held(student2, "Her Contact")
    _booked(student2, "Her Booking", starts_in=timedelta(days=1))
    _held(other_student, "Elsewhere")

    response = login_as(student).get(reverse("student_home"))

    assert (response.context["due"], response.context["upcoming"]) == ([], [])
    html = response.content.decode()
    assert "Her Contact" not in html and "Elsewhere" not in html and "Her Booking" not in html


@pytest.mark.parametrize("items", [1, 3, 50])
def test_student_home_query_count(login_as, student, items, django_assert_num_queries):
    student_profile_get(user=student)
    for n in range(items):
        _held(student, f"Held {n}")
        _booked(student, f"Booked {n}", starts_in=timedelta(days=n + 1))
    browser = login_as(student)

    # session, user with office, profile with whether it has fields and notes,
    # contact counts, the first three follow-ups due with their contacts and the
    # counts of all due, upcoming conversations with their contacts
    with django_assert_num_queries(6):
        response = browser.get(reverse("student_home"))
    assert len(response.context["due"]) == len(response.context["upcoming"]) == min(items, 3)
    assert response.context["due_count"] == items
    assert response.context["overdue_count"] == 0


def test_a_thank_you_behind_many_check_ins_is_still_the_next_step(
    login_as, student, django_assert_num_queries
):
    student_profile_get(user=student)
    for n in range(5):
        contact = contact_create(student=student, full_name=f"Checkin {n}")
        FollowUp.objects.create(
            student=student,
            contact=contact,
            kind=Kind.KEEP_IN_TOUCH,
            cadence_months=3,
            due_at=NOW - timedelta(days=5 - n),
        )
    _held(student, "Rosa Reyes")
    browser = login_as(student)

    # the 6 of every home, and the earliest thank-you
    with django_assert_num_queries(7):
        response = browser.get(reverse("student_home"))

    assert response.context["next_step"]["label"] == "Thank Rosa Reyes for the conversation"
    assert [f.contact.full_name for f in response.context["due"]] == [
        "Checkin 0",
        "Checkin 1",
        "Checkin 2",
    ]
    assert (response.context["due_count"], response.context["overdue_count"]) == (6, 5)
    assert "See all 6" in response.content.decode()


def test_student_home_query_count_on_the_request_step(
    login_as, student, office, django_assert_num_queries
):
    _ready(student, office)
    browser = login_as(student)

    # the 6 of every home, and the best-ranked person not asked yet
    with django_assert_num_queries(7):
        response = browser.get(reverse("student_home"))
    assert response.context["next_step"]["action"] == "Write the request"


def test_home_statements_are_kept_and_bound_for_each_student(login_as, student, student2):
    """The profile, the follow-ups due and the conversations coming up are read by
    statements compiled once (core.statements): a second student's home, read
    through the statements the first one's kept, shows only their own."""
    from apps.core import statements

    statements.statements_clear()
    for who, name in ((student, "Sam's"), (student2, "Priya's")):
        profile = student_profile_get(user=who)
        profile.pitch = f"{name} pitch"
        profile.save()
        _held(who, f"{name} host")
        _booked(who, f"{name} booking", starts_in=timedelta(days=1))

    pages = {}
    for who in (student, student2):
        response = login_as(who).get(reverse("student_home"))
        pages[who.pk] = response
        kept = {shape[1] for shape in statements._statements("default")}
        assert {
            "followups.student_profile_for_home",
            "followups.due_soon",
            "interviews.upcoming_rows_for_student",
        } <= kept

    for who, mine, theirs in ((student, "Sam's", "Priya's"), (student2, "Priya's", "Sam's")):
        response = pages[who.pk]
        html = response.content.decode()
        assert response.context["profile"].user_id == who.pk
        assert [f.contact_name for f in response.context["due"]] == [f"{mine} host"]
        assert [i.contact_name for i in response.context["upcoming"]] == [f"{mine} booking"]
        assert mine.replace("'", "&#x27;") in html
        assert theirs.replace("'", "&#x27;") not in html
    statements.statements_clear()


def test_coming_up_lists_the_students_conversations_as_volunteer_too(login_as, student, student2):
    """The home's read of what is coming up (one scan, the volunteer profile as a
    scalar subquery) lists what upcoming_for_user's union does: as student and as
    volunteer, scheduled and not yet started, soonest first. (Only alumni volunteer:
    this is an alumna who volunteered and is a student again, profile kept.)"""
    from apps.accounts.enums import Role
    from apps.interviews.selectors import upcoming_for_user
    from tests.factories.accounts import UserFactory
    from tests.factories.contacts import make_volunteer

    student.role = Role.ALUMNI
    student.save(update_fields=["role"])
    profile = make_volunteer(student)
    student.role = Role.STUDENT
    student.save(update_fields=["role"])
    _booked(student, "Mine later", starts_in=timedelta(days=3))
    # One open interview per student and volunteer: a third student had one already.
    third = UserFactory(office=student.office, role=Role.STUDENT)
    for who, state, starts_in in (
        (student2, State.SCHEDULED, timedelta(days=1)),
        (third, State.SCHEDULED, -timedelta(days=1)),
        (student2, State.COMPLETED, timedelta(days=2)),
    ):
        InterviewFactory(
            student=who, contact=contact_create(student=who, full_name="Sam as volunteer"),
            volunteer=profile, state=state, starts_at=NOW + starts_in,
        )  # fmt: skip
    _booked(student2, "Not mine", starts_in=timedelta(days=2))

    response = login_as(student).get(reverse("student_home"))

    upcoming = response.context["upcoming"]
    assert [(i.contact_name, i.starts_at) for i in upcoming] == [
        ("Sam as volunteer", NOW + timedelta(days=1)),
        ("Mine later", NOW + timedelta(days=3)),
    ]
    assert [i.pk for i in upcoming] == [i.pk for i in upcoming_for_user(user=student)]


def test_coming_up_without_a_volunteer_profile_is_the_students_own(login_as, student, alumni):
    from tests.factories.contacts import make_volunteer

    make_volunteer(alumni)
    booked = _booked(student, "Mine", starts_in=timedelta(days=1))

    response = login_as(student).get(reverse("student_home"))

    assert [i.pk for i in response.context["upcoming"]] == [booked.pk]

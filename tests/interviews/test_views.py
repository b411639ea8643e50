from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import user_create
from apps.contacts.models import VolunteerProfile
from apps.interviews import services
from apps.interviews.enums import State
from apps.interviews.models import Interview
from apps.interviews.request_check import request_text_check
from tests.factories.contacts import ContactFactory
from tests.interviews.conftest import make_volunteer

GOOD = "Dear Alex, I study economics. Could you spare 15 minutes for a short call about your path?"


def _codes(text):
    return [w["code"] for w in request_text_check(text)]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        (GOOD, []),
        ("Do you have any open positions? Could we talk for 15 minutes?", ["job_ask"]),
        ("Could you refer me for a role on your team? A 15-minute call?", ["job_ask"]),
        ("I'd love to learn about your work. Could we meet sometime?", ["no_short_ask"]),
        ("word " * 151 + "15 minutes", ["too_long"]),
        ("I am not looking for a job, just advice. 15 minutes?", []),
        ("I'm not asking you to hire me. Could we talk for 15 minutes?", []),
    ],
)
def test_request_text_check(text, codes):
    assert _codes(text) == codes


def test_request_page_prefills_the_template_and_sends(
    login_as, student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    browser = login_as(student)
    page = browser.get(reverse("interview_request_volunteer", args=[volunteer.pk]))
    prefilled = page.context["form"].initial["message"]

    with django_capture_on_commit_callbacks(execute=True):
        sent = browser.post(
            reverse("interview_request_volunteer", args=[volunteer.pk]), {"message": prefilled}
        )

    interview = Interview.objects.get()
    assert prefilled.startswith("Dear Alex,")
    assert "15 minutes" in prefilled and "Consulting" in prefilled
    assert _codes(prefilled) == []
    assert sent["Location"] == reverse("interview_detail", args=[interview.pk])
    assert [m.to for m in mailoutbox] == [[volunteer.user.email]]


def test_request_check_returns_warnings_partial(login_as, student):
    response = login_as(student).get(
        reverse("interview_request_check"), {"message": "Are you hiring? 15 minutes?"}
    )

    assert response.status_code == 200
    assert 'data-warning="job_ask"' in response.content.decode()


def test_request_to_a_paused_volunteer_is_refused_with_similar_suggestions(
    login_as, student, volunteer, office, consulting
):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(
        paused_until=timezone.localdate() + timedelta(days=5)
    )
    similar = make_volunteer(
        user_create(
            office=office,
            email="sim@alumni.test",
            full_name="Sim Ilar",
            password="x-long-password-1",
            role="alumni",
            email_verified=True,
        ),
        fields=[consulting],
    )

    # A paused volunteer is not in the directory at all, so the page is a 404 ...
    response = login_as(student).post(
        reverse("interview_request_volunteer", args=[volunteer.pk]), {"message": GOOD}
    )
    assert response.status_code == 404

    # ... and one at capacity is shown with three similar ones instead.
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(paused_until=None, capacity_per_month=1)
    volunteer.refresh_from_db()
    from apps.contacts.volunteers import volunteer_stats_record_request

    volunteer_stats_record_request(profile=volunteer)
    refused = login_as(student).post(
        reverse("interview_request_volunteer", args=[volunteer.pk]), {"message": GOOD}
    )
    assert refused.status_code == 409
    assert [v.pk for v in refused.context["similar"]] == [similar.pk]
    assert Interview.objects.count() == 0


def test_request_with_empty_message_is_400(login_as, student, volunteer):
    response = login_as(student).post(
        reverse("interview_request_volunteer", args=[volunteer.pk]), {"message": ""}
    )

    assert response.status_code == 400
    assert Interview.objects.count() == 0


def test_other_office_volunteer_request_page_is_404(login_as, student, other_volunteer):
    assert (
        login_as(student)
        .get(reverse("interview_request_volunteer", args=[other_volunteer.pk]))
        .status_code
        == 404
    )


def test_interview_pages_of_another_student_are_404(
    login_as, student, student2, other_student, volunteer
):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    for intruder in (student2, other_student):
        browser = login_as(intruder)
        assert browser.get(reverse("interview_detail", args=[interview.pk])).status_code == 404
        for name in (
            "interview_withdraw",
            "interview_book",
            "interview_complete",
            "interview_cancel",
            "interview_message",
            "interview_no_show",
        ):
            assert (
                browser.post(
                    reverse(name, args=[interview.pk]), {"reason": "x", "body": "x", "slot": "1"}
                ).status_code
                == 404
            )
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED


def test_inbox_shows_only_requests_to_this_volunteer(
    login_as, student, volunteer, office, consulting, other_alumni
):
    mine = services.interview_request_volunteer(student=student, volunteer=volunteer, message=GOOD)
    someone = make_volunteer(
        user_create(
            office=office,
            email="else@alumni.test",
            full_name="Else",
            password="x-long-password-1",
            role="alumni",
            email_verified=True,
        ),
        fields=[consulting],
    )
    theirs = services.interview_request_volunteer(student=student, volunteer=someone, message=GOOD)

    response = login_as(volunteer.user).get(reverse("inbox"))

    items = [i for g in response.context["groups"] for i in g["items"]]
    assert items == [mine]
    assert (
        login_as(volunteer.user).get(reverse("inbox_detail", args=[theirs.pk])).status_code == 404
    )
    assert login_as(other_alumni).get(reverse("inbox_detail", args=[mine.pk])).status_code == 404


def test_inbox_detail_never_shows_the_students_notes(login_as, student, volunteer):
    from apps.interviews.models import InterviewNotes

    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    InterviewNotes.objects.create(interview=interview, advice="SECRET-ADVICE")

    page = login_as(volunteer.user).get(reverse("inbox_detail", args=[interview.pk]))

    assert "SECRET-ADVICE" not in page.content.decode()


def test_accept_form_with_past_time_is_400_and_changes_nothing(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    past = timezone.localtime(timezone.now() - timedelta(days=1))

    response = login_as(volunteer.user).post(
        reverse("inbox_accept", args=[interview.pk]),
        {
            "format": "phone",
            "duration_minutes": "15",
            "slot1_0": past.strftime("%Y-%m-%d"),
            "slot1_1": "10:00",
        },
    )

    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED


def test_accept_form_two_slots_then_student_books(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    day = (timezone.localdate() + timedelta(days=3)).strftime("%Y-%m-%d")

    accepted = login_as(volunteer.user).post(
        reverse("inbox_accept", args=[interview.pk]),
        {
            "format": "video",
            "duration_minutes": "30",
            "meeting_url": "meet.example/xyz",
            "slot1_0": day,
            "slot1_1": "10:00",
            "slot2_0": day,
            "slot2_1": "14:30",
        },
    )
    slot = interview.slots.order_by("starts_at").last()
    booked = login_as(student).post(
        reverse("interview_book", args=[interview.pk]), {"slot": slot.pk}
    )

    interview.refresh_from_db()
    assert accepted.status_code == 302
    assert booked.status_code == 302
    assert (interview.state, interview.starts_at, interview.meeting_url) == (
        State.SCHEDULED,
        slot.starts_at,
        "https://meet.example/xyz",
    )


def test_decline_from_the_inbox(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )

    login_as(volunteer.user).post(
        reverse("inbox_decline", args=[interview.pk]), {"note": "Not this month"}
    )

    interview.refresh_from_db()
    assert (interview.state, interview.decline_note) == (State.DECLINED, "Not this month")


@pytest.mark.parametrize("persona", ["alumni", "advisor"])
def test_student_interview_pages_are_for_students(login_as, request, persona):
    browser = login_as(request.getfixturevalue(persona))
    assert browser.get(reverse("interview_list")).status_code == 403


@pytest.mark.parametrize("persona", ["student", "advisor"])
def test_inbox_is_for_alumni(login_as, request, persona):
    assert login_as(request.getfixturevalue(persona)).get(reverse("inbox")).status_code == 403


def _many(student, office, consulting, count):
    made = []
    for i in range(count):
        v = make_volunteer(
            user_create(
                office=office,
                email=f"q{i}@alumni.test",
                full_name=f"Q {i}",
                password="x-long-password-1",
                role="alumni",
                email_verified=True,
            ),
            fields=[consulting],
        )
        made.append(
            services.interview_request_volunteer(student=student, volunteer=v, message=GOOD)
        )
    return made


@pytest.mark.parametrize("count", [1, 3])
def test_interview_list_query_count(
    login_as, student, office, consulting, count, django_assert_num_queries
):
    _many(student, office, consulting, count)
    browser = login_as(student)

    # session, user with office, interviews with contacts and volunteers
    with django_assert_num_queries(3):
        response = browser.get(reverse("interview_list"))

    assert sum(len(g["items"]) for g in response.context["groups"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_inbox_query_count(
    login_as, student, student2, office, volunteer, count, django_assert_num_queries
):
    students = [student, student2] + [
        user_create(
            office=office,
            email=f"s{i}@northfield.test",
            full_name=f"S {i}",
            password="x-long-password-1",
            email_verified=True,
        )
        for i in range(2)
    ]
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(capacity_per_month=10)
    volunteer.refresh_from_db()
    for s in students[:count]:
        services.interview_request_volunteer(student=s, volunteer=volunteer, message=GOOD)
    browser = login_as(volunteer.user)

    # session, user with office, requests with students and their profiles
    with django_assert_num_queries(3):
        response = browser.get(reverse("inbox"))

    assert sum(len(g["items"]) for g in response.context["groups"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_interview_detail_query_count(
    login_as, student, volunteer, count, django_assert_num_queries
):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    for i in range(count):
        services.interview_message(actor=volunteer.user, interview=interview, body=f"Q{i}")
    ContactFactory(student=student, full_name="Unused")
    browser = login_as(student)

    # session, user, interview, events with actors (slots only once accepted)
    with django_assert_num_queries(4):
        response = browser.get(reverse("interview_detail", args=[interview.pk]))

    assert len(response.context["events"]) == count + 1

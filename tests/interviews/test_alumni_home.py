"""The volunteer's home: requests waiting for an answer, conversations coming up,
and where the volunteer stands this month."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contacts.models import VolunteerProfile
from apps.followups.enums import Kind, Status
from apps.followups.models import FollowUp
from apps.interviews import services
from apps.interviews.enums import State
from apps.interviews.selectors import volunteer_home_profile
from tests.factories.accounts import UserFactory
from tests.factories.interviews import InterviewFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Could you spare 15 minutes to tell me how you got into consulting?"


def _ask(office, volunteer, name):
    student = UserFactory(office=office, full_name=name, email=f"{name.replace(' ', '.')}@x.test")
    return services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=MESSAGE
    )


def test_waiting_requests_oldest_first_with_the_month_counted(login_as, alumni, office, volunteer):
    first = _ask(office, volunteer, "Ada Early")
    Interview = type(first)
    Interview.objects.filter(pk=first.pk).update(requested_at=timezone.now() - timedelta(days=2))
    second = _ask(office, volunteer, "Ben Later")

    response = login_as(alumni).get(reverse("alumni_home"))

    assert response.status_code == 200
    assert [iv.pk for iv in response.context["waiting"]] == [first.pk, second.pk]
    assert response.context["counts"]["waiting"] == 2
    assert response.context["month"] == {"used": 2, "capacity": 3, "full": False, "paused": False}
    html = response.content.decode()
    assert f'href="/inbox/{first.pk}/">Ada Early</a>' in html
    assert "asked 2\xa0days ago" in html


def test_a_full_or_paused_month_is_said_plainly(login_as, alumni, office, volunteer):
    for name in ("Ann One", "Bo Two", "Cy Three"):
        _ask(office, volunteer, name)

    full = login_as(alumni).get(reverse("alumni_home"))
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(
        paused_until=timezone.localdate() + timedelta(days=10)
    )
    paused = login_as(alumni).get(reverse("alumni_home"))

    assert full.context["month"]["full"] is True
    assert "as many requests as you offered this month" in full.content.decode()
    assert paused.context["month"]["paused"] is True
    assert "Paused until" in paused.content.decode()


def test_a_volunteer_without_a_profile_is_asked_to_fill_it(login_as, alumni):
    response = login_as(alumni).get(reverse("alumni_home"))

    assert (response.context["profile"], response.context["month"]) == (None, None)
    assert "Fill in my volunteer profile" in response.content.decode()


def test_coming_up_lists_booked_conversations_only(login_as, alumni, student, student2, volunteer):
    booked = InterviewFactory(
        student=student, volunteer=volunteer, starts_at=timezone.now() + timedelta(days=2)
    )
    InterviewFactory(student=student2, volunteer=volunteer, state=State.COMPLETED)

    response = login_as(alumni).get(reverse("alumni_home"))

    assert [iv.pk for iv in response.context["upcoming"]] == [booked.pk]
    assert response.context["counts"]["held"] == 1


def test_someone_elses_requests_stay_out(login_as, alumni, office, volunteer, other_volunteer):
    from tests.factories.contacts import make_volunteer

    colleague = make_volunteer(UserFactory(office=office, role="alumni", full_name="Colleague"))
    _ask(office, colleague, "Not Yours")
    _ask(other_volunteer.office, other_volunteer, "Other Office")

    response = login_as(alumni).get(reverse("alumni_home"))

    assert (response.context["waiting"], response.context["counts"]["waiting"]) == ([], 0)
    html = response.content.decode()
    assert "Not Yours" not in html and "Other Office" not in html


@pytest.mark.parametrize("persona", ["student", "advisor", "pending_alumni"])
def test_alumni_home_is_for_approved_volunteers(login_as, request, persona):
    response = login_as(request.getfixturevalue(persona)).get(reverse("alumni_home"))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] != reverse("alumni_home")


@pytest.mark.parametrize("items", [1, 3, 50])
def test_alumni_home_query_count(
    login_as, alumni, office, volunteer, items, django_assert_num_queries
):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(capacity_per_month=10)
    for n in range(items):
        InterviewFactory(
            student=UserFactory(office=office, email=f"asking{n}@x.test"),
            volunteer=volunteer,
            state=State.REQUESTED,
        )
        booked = InterviewFactory(
            student=UserFactory(office=office, email=f"booked{n}@x.test"),
            volunteer=volunteer,
            starts_at=timezone.now() + timedelta(days=n + 1),
        )
        FollowUp.objects.create(
            student=booked.student,
            contact=booked.contact,
            kind=Kind.KEEP_IN_TOUCH,
            status=Status.DONE,
            cadence_months=3,
            due_at=timezone.now(),
            done_at=timezone.now() - timedelta(days=n),
            outcome=f"Outcome {n}",
        )
    browser = login_as(alumni)

    # session, user with office, profile with the counts, waiting and upcoming, and
    # what came of the volunteer's advice (follow-ups' slot)
    with django_assert_num_queries(5):
        response = browser.get(reverse("alumni_home"))
    assert len(response.context["waiting"]) == len(response.context["upcoming"]) == min(items, 3)
    assert response.content.decode().count("data-outcome") == min(items, 5)


def _old_lists(user):
    """The home's two lists as the selectors it used before wrote them."""
    from apps.interviews import selectors

    waiting = selectors.interview_inbox_rows_for_volunteer(user=user, states=[State.REQUESTED])
    return (
        [iv.pk for iv in waiting.order_by("requested_at", "pk")[:3]],
        [iv.pk for iv in selectors.upcoming_for_user(user=user)[:3]],
    )


def test_each_list_is_its_first_three_in_order(login_as, alumni, office, volunteer):
    from apps.interviews.models import Interview

    now = timezone.now()
    for n, hours in enumerate([5, 70, 1, 30]):
        asked = _ask(office, volunteer, f"Asker {n}")
        Interview.objects.filter(pk=asked.pk).update(requested_at=now - timedelta(hours=hours))
    for n, hours in enumerate([50, -2, 3, 20, 9]):
        InterviewFactory(
            student=UserFactory(office=office, email=f"met{n}@x.test"),
            volunteer=volunteer,
            state=State.SCHEDULED,
            starts_at=now + timedelta(hours=hours),
        )

    response = login_as(alumni).get(reverse("alumni_home"))

    shown = (
        [iv.pk for iv in response.context["waiting"]],
        [iv.pk for iv in response.context["upcoming"]],
    )
    assert shown == _old_lists(alumni)
    assert [len(part) for part in shown] == [3, 3]
    assert response.context["counts"] == {"waiting": 4, "held": 0}


def test_a_profile_of_another_office_shows_no_requests(
    login_as, alumni, office, volunteer, other_volunteer
):
    _ask(office, volunteer, "Ada Early")
    booked = InterviewFactory(
        student=UserFactory(office=office, email="booked@x.test"),
        volunteer=volunteer,
        state=State.SCHEDULED,
        starts_at=timezone.now() + timedelta(days=1),
    )
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(office=other_volunteer.office)

    response = login_as(alumni).get(reverse("alumni_home"))

    # As the inbox's selectors: only requests of the user's own office; the meetings
    # booked, as upcoming_for_user, whatever the office.
    assert response.context["waiting"] == []
    assert response.context["counts"] == {"waiting": 0, "held": 0}
    assert [iv.pk for iv in response.context["upcoming"]] == [booked.pk]
    assert ([], [booked.pk]) == _old_lists(alumni)


def test_the_counts_are_the_volunteers_requests_waiting_and_conversations_held(
    alumni, office, volunteer, other_volunteer
):
    for n, state in enumerate(
        [State.REQUESTED, State.REQUESTED, State.COMPLETED, State.COMPLETED, State.COMPLETED]
        + [State.SCHEDULED, State.DECLINED, State.CANCELLED]
    ):
        InterviewFactory(
            student=UserFactory(office=office, email=f"counted{n}@x.test"),
            volunteer=volunteer,
            state=state,
        )
    InterviewFactory(
        student=UserFactory(office=office, email="elsewhere@x.test"),
        volunteer=other_volunteer,
        state=State.COMPLETED,
    )

    profile = volunteer_home_profile(user=alumni)

    assert (profile.waiting_count, profile.held_count) == (2, 3)


def test_the_home_profile_reads_only_what_the_home_shows(alumni, volunteer):
    profile = volunteer_home_profile(user=alumni)

    assert profile.pk == volunteer.pk
    assert {"search_vector", "search_document", "bio", "topics"} <= profile.get_deferred_fields()
    assert (profile.waiting_count, profile.held_count) == (0, 0)

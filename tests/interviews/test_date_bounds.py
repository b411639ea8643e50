"""Every date and time a person types is bounded to a sensible window: a time on
9999-12-31 (or in the year 1) is refused with a clear message and nothing changes,
whatever the person's time zone, where it used to end in a server error (issue 11,
finding 2)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contacts.models import VolunteerProfile
from apps.interviews import services
from apps.interviews.enums import Channel, State
from tests.factories.contacts import ContactFactory
from tests.interviews.test_views import GOOD, _interview_for, _snapshot

FAR = ["9999-12-31", "3000-01-01", "0001-01-01"]
WITHIN = "Choose a time within the next 12 months."


def _in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture(params=["Pacific/Kiritimati", "Pacific/Pago_Pago"], ids=["UTC+14", "UTC-11"])
def zone(request, student, volunteer):
    """The student and the volunteer far ahead of, or far behind, UTC."""
    for user in (student, volunteer.user):
        user.time_zone = request.param
        user.save(update_fields=["time_zone"])
    return request.param


@pytest.mark.parametrize("day", FAR)
def test_offering_a_far_time_is_refused(day, zone, login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )

    response = login_as(volunteer.user).post(
        reverse("inbox_accept", args=[interview.pk]),
        {"format": "phone", "duration_minutes": "15", "slot1_0": day, "slot1_1": "23:55"},
    )

    assert response.status_code == 400
    assert (WITHIN if day > "2000" else "Choose a time in the future.") in (
        response.content.decode()
    )
    interview.refresh_from_db()
    assert (interview.state, interview.slots.count()) == (State.REQUESTED, 0)


def test_offering_a_time_a_year_ahead_is_still_fine(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )

    response = login_as(volunteer.user).post(
        reverse("inbox_accept", args=[interview.pk]),
        {"format": "phone", "duration_minutes": "15", "slot1_0": _in_days(360), "slot1_1": "10:00"},
    )

    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.state == State.SCHEDULED


@pytest.mark.parametrize("day", FAR)
@pytest.mark.parametrize("side", ["student", "volunteer"])
def test_rescheduling_to_a_far_time_is_refused(day, side, zone, login_as, student, volunteer):
    interview = _interview_for(student, volunteer, State.SCHEDULED, Channel.PLATFORM)
    before = _snapshot(interview)
    actor = student if side == "student" else volunteer.user

    response = login_as(actor).post(
        reverse("interview_reschedule", args=[interview.pk]),
        {"starts_at_0": day, "starts_at_1": "23:55", "reason": "Moved"},
        follow=True,
    )

    assert response.status_code in (200, 400)
    assert WITHIN in response.content.decode() or "Choose a time in the future." in (
        response.content.decode()
    )
    assert _snapshot(interview) == before


@pytest.mark.parametrize("day", FAR)
def test_recording_a_yes_at_a_far_time_is_refused(day, zone, login_as, student):
    contact = ContactFactory(student=student, full_name="Jordan Lee")
    outreach = services.interview_log_outreach(student=student, contact=contact, message="Hi")

    response = login_as(student).post(
        reverse("interview_record_reply", args=[outreach.pk]),
        {
            "answer": "yes",
            "starts_at_0": day,
            "starts_at_1": "23:55",
            "format": "phone",
            "duration_minutes": "30",
        },
        follow=True,
    )

    assert response.status_code in (200, 400)
    assert "within the last 12 months or the next 12" in response.content.decode()
    outreach.refresh_from_db()
    assert (outreach.state, outreach.starts_at) == (State.REQUESTED, None)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_pausing_until_a_far_date_from_a_decline_is_refused(
    day, zone, login_as, student, volunteer
):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )

    response = login_as(volunteer.user).post(
        reverse("inbox_decline", args=[interview.pk]),
        {"note": "Busy", "pause_until": day},
        follow=True,
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Pause for at most a year" in text or "Choose a date in the future." in text
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED
    assert VolunteerProfile.objects.get(pk=volunteer.pk).paused_until is None


# --- A message that cannot be sent says why and keeps the text (finding 5) -------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("x" * 4001, "Ensure this value has at most 4000 characters (it has 4001)."),
        ("Hello\x00there", "Null characters are not allowed."),
        ("   ", "Write a message first."),
    ],
    ids=["too-long", "nul", "empty"],
)
@pytest.mark.parametrize("side", ["student", "volunteer"])
def test_a_refused_message_says_why_and_keeps_the_text(
    body, says, side, login_as, student, volunteer
):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    browser = login_as(student if side == "student" else volunteer.user)
    before = interview.events.count()

    page = browser.post(
        reverse("interview_message", args=[interview.pk]), {"body": body}, follow=True
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert says in text
    assert interview.events.count() == before
    kept = body.replace("\x00", "").strip()
    if kept:
        assert f">{kept}</textarea>" in text
    # Once: the next visit shows an empty box.
    again = browser.get(page.redirect_chain[-1][0]).content.decode()
    assert f">{kept}</textarea>" not in again or not kept

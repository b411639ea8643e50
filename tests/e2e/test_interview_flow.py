"""Issue 4's whole path in a real browser with real SMTP: a student asks a volunteer
from the directory, the volunteer accepts with two times, the student books one,
and both receive a calendar invitation that parses back."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from apps.interviews.enums import State
from apps.interviews.models import Interview
from tests.e2e.conftest import log_in
from tests.factories.accounts import PASSWORD
from tests.factories.contacts import make_volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ics(msg):
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def test_request_accept_book_with_calendar_invitations(page_for, smtp, student, alumni, office):
    from tests.factories.students import FieldFactory

    consulting = FieldFactory(office=office, name="Consulting")
    make_volunteer(alumni, fields=[consulting])

    student_page = page_for()
    log_in(student_page, student.email, PASSWORD)
    student_page.goto("/directory/")
    student_page.get_by_role("link", name="Ask for a conversation").first.click()
    student_page.get_by_role("button", name="Send request").click()
    student_page.wait_for_url("**/interviews/*/")
    interview = Interview.objects.get()
    request_mail = smtp.wait_for(alumni.email)
    assert "would like to hear about your work" in request_mail["Subject"]

    volunteer_page = page_for(390, 844)
    log_in(volunteer_page, alumni.email, PASSWORD)
    volunteer_page.goto(f"/inbox/{interview.pk}/")
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    volunteer_page.locator("#id_format").select_option("video")
    volunteer_page.locator("#id_meeting_url").fill("https://meet.example/e2e")
    volunteer_page.locator("#id_slot1_0").fill(day)
    volunteer_page.locator("#id_slot1_1").fill("10:00")
    volunteer_page.locator("#id_slot2_0").fill(day)
    volunteer_page.locator("#id_slot2_1").fill("15:30")
    volunteer_page.get_by_role("button", name="Accept", exact=True).click()
    volunteer_page.get_by_text("has been told and will pick a time").wait_for()

    student_page.goto(f"/interviews/{interview.pk}/")
    student_page.get_by_label("15:30", exact=False).check()
    student_page.get_by_role("button", name="Book this time").click()
    student_page.get_by_text("Booked.").wait_for()

    interview.refresh_from_db()
    assert interview.state == State.SCHEDULED
    for person in (student, alumni):
        invite = next(
            m
            for m in smtp.messages
            if person.email in m["To"] and m["Subject"].startswith("Confirmed")
        )
        event = _ics(invite).walk("VEVENT")[0]
        assert _ics(invite)["METHOD"] == "REQUEST"
        assert str(event["UID"]) == f"{interview.uid}@fieldnotes"
        assert event["DTSTART"].dt == interview.starts_at
        assert int(event["SEQUENCE"]) == 0


def test_a_pasted_job_ask_is_refused_until_sent_anyway_with_a_reason(
    page_for, smtp, student, alumni, office
):
    """Issue 13: text put in without a key press (a paste, an autofill: Playwright's
    fill() fires only `input`) is checked live, and sending it is refused until the
    student sends it anyway with a reason; the volunteer's email then has no "not
    for a job" line above it."""
    volunteer = make_volunteer(alumni)
    pasted = "Dear Alex, could you recommend me for the analyst position? 15 minutes?"

    page = page_for(390, 844)
    log_in(page, student.email, PASSWORD)
    page.goto(f"/interviews/request/volunteer/{volunteer.pk}/")
    page.locator("#id_message").fill(pasted)
    page.locator('#request-warnings [data-warning="job_ask"]').wait_for()
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("Not sent: this reads like asking for a job.").wait_for()

    assert page.locator("#id_message").input_value() == pasted
    assert Interview.objects.count() == 0

    page.get_by_role("button", name="Send anyway").click()
    page.get_by_text("Not sent: write why you are sending it as it is").wait_for()
    assert Interview.objects.count() == 0

    page.locator("#id_job_ask_reason").fill("Alex offered to refer me when we met.")
    page.get_by_role("button", name="Send anyway").click()
    page.wait_for_url("**/interviews/*/")

    interview = Interview.objects.get()
    assert (interview.job_ask_flagged, interview.job_ask_reason) == (
        True,
        "Alex offered to refer me when we met.",
    )
    mail = smtp.wait_for(alumni.email)
    assert pasted in smtp.text(mail)
    assert "not for a job" not in smtp.text(mail)

"""The request page's mailto link in a real browser: it follows edits in the
textarea. Uses the browser fixtures of tests/e2e."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser, log_in, page_for  # noqa: F401 - fixtures
from tests.factories.accounts import PASSWORD
from tests.factories.contacts import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mailto_link_follows_the_edited_message(page_for, student):  # noqa: F811
    contact = ContactFactory(student=student, full_name="Jordan Lee", email="jordan@harbour.test")
    page = page_for()
    log_in(page, student.email, PASSWORD)
    page.goto(f"/interviews/request/contact/{contact.pk}/")
    edited = "Dear Jordan,\nCould we talk for 15 minutes? Q&A, 50% advice.\nSam"

    page.locator("#id_message").fill(edited)

    link = urlsplit(page.locator("#mailto-link").get_attribute("href"))
    assert (link.scheme, link.path) == ("mailto", "jordan@harbour.test")
    assert parse_qs(link.query) == {
        "subject": ["Informational interview request"],
        "body": [edited],
    }


def test_choosing_another_template_refills_the_text_and_the_mailto_link(
    page_for,  # noqa: F811
    student,
):
    from apps.interviews.models import RequestTemplate

    RequestTemplate.objects.create(
        office=student.office,
        name="Standard",
        subject="About {field}",
        body="Hi {name}, 15 minutes?",
        is_default=True,
    )
    RequestTemplate.objects.create(
        office=student.office,
        name="Warm",
        subject="Hello from {my_name}",
        body="Hello {full_name}!",
    )
    contact = ContactFactory(student=student, full_name="Jordan Lee", email="jordan@harbour.test")
    page = page_for()
    log_in(page, student.email, PASSWORD)
    page.goto(f"/interviews/request/contact/{contact.pk}/")

    page.locator("#id_template").select_option(label="Warm")
    # expect() polls from Playwright's own world: the page's Content-Security-Policy
    # refuses the eval that wait_for_function(<string>) would need.
    expect(page.locator("#id_message")).to_have_value("Hello Jordan Lee!")
    page.locator("#id_subject").fill("My own subject")

    link = urlsplit(page.locator("#mailto-link").get_attribute("href"))
    assert parse_qs(link.query) == {"subject": ["My own subject"], "body": ["Hello Jordan Lee!"]}


@pytest.mark.parametrize(
    ("starts_in", "note"),
    [
        # Days ahead: the agreed time, not thousands of minutes.
        (timedelta(days=3), re.compile(r"^Agreed: 30 minutes, \d\d:\d\d–\d\d:\d\d\.$")),
        # Within the hour: a countdown to the start.
        (timedelta(minutes=29, seconds=30), "Starts in 30 min. Start the timer when you begin."),
    ],
)
def test_meeting_timer_note_before_the_start(page_for, student, starts_in, note):  # noqa: F811
    from django.utils import timezone

    from apps.interviews.enums import State
    from tests.factories.interviews import InterviewFactory

    interview = InterviewFactory(
        student=student, state=State.SCHEDULED, starts_at=timezone.now() + starts_in
    )
    page = page_for()
    log_in(page, student.email, PASSWORD)
    page.goto(f"/interviews/{interview.pk}/meeting/")
    page.wait_for_timeout(1200)  # a tick of the timer

    text = page.locator("#timer-note").inner_text()
    if isinstance(note, str):
        assert text == note
    else:
        assert note.match(text), text
    assert page.locator("#timer-display").inner_text() == "30:00"

"""The student's conversation page written from what apps/interviews/detail.py works
out is the same HTML, byte for byte, as the template that worked it out with
template tags, includes and filters. interview_detail_before.html is that
template's content block as it was (its partials inlined), rendered here from the
context the old view gave it."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from apps.contacts.models import Contact
from apps.contacts.services import contact_create
from apps.core.rendering import datetime_zone_shown, zone_shown
from apps.interviews import selectors
from apps.interviews.enums import OPEN_STATES, Channel, EventKind, State
from apps.interviews.forms import MessageForm, ReasonForm, RecordReplyForm, RescheduleForm
from apps.interviews.models import Interview, InterviewEvent, TimeSlot
from tests.factories.interviews import InterviewFactory

pytestmark = pytest.mark.django_db

OLD_CONTENT = (Path(__file__).parent / "interview_detail_before.html").read_text()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _old_context(student, pk: int) -> dict:
    """What the old view gave its template."""
    interview = selectors.interview_get_for_student(student=student, pk=pk)
    shares = {}
    if interview.volunteer_id and interview.state in (
        State.ACCEPTED,
        State.SCHEDULED,
        State.COMPLETED,
        State.NO_SHOW,
        State.CANCELLED,
    ):
        volunteer = interview.volunteer
        shares = {
            "email": volunteer.user.email if volunteer.share_email_on_accept else "",
            "phone": volunteer.phone if volunteer.share_phone_on_accept else "",
        }
    return {
        "interview": interview,
        "events": interview.events.select_related("actor"),
        "slots": interview.slots.all(),
        "message_form": MessageForm(),
        "reason_form": ReasonForm(),
        "reschedule_form": RescheduleForm(),
        "reply_form": RecordReplyForm(),
        "can_message": interview.state in OPEN_STATES and interview.channel == Channel.PLATFORM,
        "next_contact": selectors.next_ranked_contact(interview=interview)
        if interview.state in (State.DECLINED, State.EXPIRED)
        else None,
        "volunteer_shares": shares,
    }


def _page_and_old(browser, student, interview) -> tuple[str, str]:
    response = browser.get(reverse("interview_detail", args=[interview.pk]))
    assert response.status_code == 200
    with timezone.override(zoneinfo.ZoneInfo(student.time_zone)):
        old = (
            engines["django"]
            .from_string(OLD_CONTENT)
            .render(_old_context(student, interview.pk), response.wsgi_request)
        )
    assert "{%" not in old and "Timeline" in old
    return CSRF.sub("csrf", response.content.decode()), CSRF.sub("csrf", old)


def _events(interview, count: int, actor):
    start = datetime(2026, 3, 7, 14, 5, tzinfo=UTC)
    notes = ["", "Line one\nline <b>two</b> & more", 'Tom\'s "note"']
    for n in range(count):
        event = InterviewEvent.objects.create(
            interview=interview,
            actor=actor if n % 2 == 0 else None,
            kind=[EventKind.MESSAGE, EventKind.REQUESTED, EventKind.ACCEPTED][n % 3],
            note=notes[n % 3],
        )
        # Across a change of summer time in both zones, so the zone's abbreviation changes.
        InterviewEvent.objects.filter(pk=event.pk).update(
            created_at=start + timedelta(days=11 * n, hours=7 * n)
        )


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("count", [0, 1, 3, 12])
@pytest.mark.parametrize(
    "state", [State.COMPLETED, State.REQUESTED, State.SCHEDULED, State.DECLINED, State.DRAFT]
)
def test_the_page_is_the_html_the_old_template_wrote(
    login_as, student, volunteer, zone, count, state
):
    student.time_zone = zone
    student.save(update_fields=["time_zone"])
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state=state,
        request_subject="Hello <there>",
        request_message="Hi,\nI'd like to ask <you> & more.",
        location="Room 5 & <b>",
        meeting_url="https://meet.example/x?a=1&b=2",
        decline_note="Busy\nnow",
    )
    _events(interview, count, volunteer.user)

    page, old = _page_and_old(login_as(student), student, interview)

    assert old in page


@pytest.mark.parametrize("zone", ["America/New_York", "UTC"])
@pytest.mark.parametrize("slots", [0, 1, 3])
def test_a_yes_with_times_is_the_html_the_old_template_wrote(
    login_as, student, volunteer, zone, slots
):
    student.time_zone = zone
    student.save(update_fields=["time_zone"])
    volunteer.phone = "+1 617 555 0100"
    volunteer.share_email_on_accept = True
    volunteer.share_phone_on_accept = True
    volunteer.save()
    interview = InterviewFactory(student=student, volunteer=volunteer, state=State.ACCEPTED)
    for n in range(slots):
        TimeSlot.objects.create(
            interview=interview,
            starts_at=datetime(2026, 10, 30, 13, 30, tzinfo=UTC) + timedelta(days=n),
        )
    _events(interview, 2, volunteer.user)

    page, old = _page_and_old(login_as(student), student, interview)

    assert old in page
    assert page.count('name="slot"') == slots


@pytest.mark.parametrize(
    "state",
    [
        State.REQUESTED,
        State.DECLINED,
        State.EXPIRED,
        State.SCHEDULED,
        State.WITHDRAWN,
        State.CANCELLED,
        State.NO_SHOW,
    ],
)
def test_a_conversation_outside_fieldnotes_is_the_html_the_old_template_wrote(
    login_as, student, state
):
    interview = InterviewFactory(student=student, state=state)
    upcoming = contact_create(student=student, full_name="Next <Person>", organisation="Acme & Co")
    Contact.objects.filter(pk=upcoming.pk).update(
        target_rank=1, field_id=interview.contact.field_id
    )
    _events(interview, 3, student)

    page, old = _page_and_old(login_as(student), student, interview)

    assert old in page


def test_a_meeting_not_started_yet_is_the_html_the_old_template_wrote(login_as, student, volunteer):
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state=State.SCHEDULED,
        starts_at=timezone.now() + timedelta(days=2),
    )

    page, old = _page_and_old(login_as(student), student, interview)

    assert old in page
    assert 'id="held-later"' in page


def test_another_students_conversation_is_a_404(login_as, student, student2, volunteer):
    theirs = InterviewFactory(student=student2, volunteer=volunteer, state=State.COMPLETED)

    response = login_as(student).get(reverse("interview_detail", args=[theirs.pk]))

    assert response.status_code == 404
    assert Interview.objects.filter(pk=theirs.pk).exists()


def test_a_conversation_that_is_not_there_is_a_404(login_as, student):
    response = login_as(student).get(reverse("interview_detail", args=[2**40]))

    assert response.status_code == 404


@pytest.mark.parametrize("language", ["en", "fr", "de"])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata"])
def test_datetime_zone_shown_is_what_the_date_filter_shows(language, zone):
    moments = [
        datetime(2026, month, day, hour, minute, tzinfo=UTC)
        for month, day, hour, minute in [
            (1, 1, 0, 0),
            (3, 29, 1, 30),
            (7, 4, 18, 5),
            (11, 1, 6, 0),
            (10, 25, 0, 30),
            (10, 25, 1, 30),
        ]
    ]
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        for moment in moments:
            local = timezone.localtime(moment)
            assert datetime_zone_shown(moment) == (
                dateformat.format(local, "c"),
                dateformat.format(local, "j M Y, H:i T"),
            )
            assert zone_shown(local) == dateformat.format(local, "T")


def _deferred(interview) -> list[set]:
    volunteer = interview.volunteer
    return [
        interview.get_deferred_fields(),
        interview.contact.get_deferred_fields(),
        volunteer.get_deferred_fields() if volunteer else set(),
        volunteer.user.get_deferred_fields() if volunteer else set(),
    ]


@pytest.mark.parametrize("channel", [Channel.PLATFORM, Channel.OWN])
@pytest.mark.parametrize("state", list(State))
def test_the_page_reads_no_field_its_read_left_out(login_as, student, volunteer, channel, state):
    """The page's read (selectors.interview_page_for_student) defers what the page
    does not show: rendering it in any state loads none of those fields (each
    would be a query of its own)."""
    on_platform = channel == Channel.PLATFORM
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer if on_platform else None,
        channel=channel,
        state=state,
        decline_note="Busy",
    )
    if state == State.ACCEPTED:
        TimeSlot.objects.create(interview=interview, starts_at=timezone.now() + timedelta(days=2))
    _events(interview, 2, student)

    response = login_as(student).get(reverse("interview_detail", args=[interview.pk]))

    assert response.status_code == 200
    fresh = selectors.interview_page_for_student(student=student, pk=interview.pk)
    assert _deferred(response.context["interview"]) == _deferred(fresh)
    assert _deferred(fresh)[0]  # the read did leave fields out

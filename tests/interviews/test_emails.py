"""Every email the interviews services send: who gets it, its subject, both forms,
the calendar file, and times in each recipient's own zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from apps.accounts.services import user_update_profile
from apps.contacts.enums import Format
from apps.contacts.services import contact_target_add
from apps.contacts.volunteers import volunteer_add_to_contacts
from apps.interviews import services
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.students import student_profile_set

pytestmark = pytest.mark.django_db

MESSAGE = "I'd love 15 minutes to hear how you got into consulting & what you'd do differently."
MEET = "https://meet.example.test/fieldnotes-abc"
STUDENT_TZ = "America/New_York"
VOLUNTEER_TZ = "Asia/Kolkata"


def _utc(month, day, hour, minute=0):
    """A time next year, far enough ahead for every service's 'in the future' rule."""
    return datetime(timezone.now().year + 1, month, day, hour, minute, tzinfo=UTC)


# 3 and 4 June at 14:00 UTC: 10:00 in New York (EDT), 19:30 in Kolkata (IST).
FIRST = _utc(6, 3, 14)
SECOND = _utc(6, 4, 14)
# Moved to 5 June 13:15 UTC: 09:15 in New York, 18:45 in Kolkata.
MOVED = _utc(6, 5, 13, 15)


def _day(moment, zone):
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B}"


def _local(moment, zone, clock):
    """The way the emails print a time, built independently of Django's filters;
    `clock` is the local time the reader must see, written out literally."""
    local = moment.astimezone(ZoneInfo(zone))
    assert local.strftime("%H:%M") == clock
    return f"{_day(moment, zone)} {local.year}, {clock} ({zone})"


@pytest.fixture
def people(student, alumni):
    user_update_profile(user=student, full_name=student.full_name, time_zone=STUDENT_TZ)
    user_update_profile(user=alumni, full_name=alumni.full_name, time_zone=VOLUNTEER_TZ)
    return student, alumni


@pytest.fixture
def requested(people, volunteer, django_capture_on_commit_callbacks, mailoutbox):
    student, _alumni = people
    with django_capture_on_commit_callbacks(execute=True):
        interview = services.interview_request_volunteer(
            student=student, volunteer=volunteer, message=MESSAGE
        )
    mailoutbox.clear()
    return interview


@pytest.fixture
def accepted(requested, alumni, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_accept(
            user=alumni,
            interview=requested,
            format=Format.VIDEO,
            duration_minutes=30,
            slots=[SECOND, FIRST],
            meeting_url=MEET,
        )
    mailoutbox.clear()
    return requested


@pytest.fixture
def scheduled(accepted, student, django_capture_on_commit_callbacks, mailoutbox):
    slot = accepted.slots.get(starts_at=FIRST)
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_book_slot(student=student, interview=accepted, slot_id=slot.pk)
    mailoutbox.clear()
    return accepted


def _by_recipient(mailoutbox) -> dict:
    return {m.to[0]: m for m in mailoutbox}


def _html(message) -> str:
    assert [mimetype for _content, mimetype in message.alternatives] == ["text/html"]
    return message.alternatives[0][0]


def _ics(message) -> tuple[str, Calendar]:
    [attachment] = message.attachments
    return attachment.mimetype, Calendar.from_ical(attachment.content)


# --- Requests -----------------------------------------------------------------------


def test_request_received_tells_the_volunteer_who_asks_and_why(
    people, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    student, alumni = people
    student_profile_set(student, programme="Economics", graduation_year=2027)

    with django_capture_on_commit_callbacks(execute=True):
        interview = services.interview_request_volunteer(
            student=student, volunteer=volunteer, message=MESSAGE
        )

    [message] = mailoutbox
    assert message.to == [alumni.email]
    assert message.subject == "Sam Student would like to hear about your work"
    assert f"Their message:\n\n{MESSAGE}" in message.body
    assert "Programme: Economics · Graduating in 2027" in message.body
    assert f"http://127.0.0.1:8000/inbox/{interview.pk}/" in message.body
    html = _html(message)
    assert "I&#x27;d love 15 minutes" in html
    assert "Graduating in 2027" in html
    assert f"/inbox/{interview.pk}/" in html


def test_request_received_carries_the_students_subject_line(
    people, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    student, _alumni = people

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_request_volunteer(
            student=student,
            volunteer=volunteer,
            message=MESSAGE,
            subject="Economics student & your path into consulting",
        )

    [message] = mailoutbox
    assert f"Their message:\n\nEconomics student & your path into consulting\n\n{MESSAGE}" in (
        message.body
    )
    assert "<strong>Economics student &amp; your path into consulting</strong><br>" in _html(
        message
    )


def test_request_received_without_a_student_profile_leaves_the_line_out(
    people, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    student, _alumni = people

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_request_volunteer(student=student, volunteer=volunteer, message=MESSAGE)

    [message] = mailoutbox
    assert "Programme" not in message.body
    assert "Graduating" not in message.body
    assert MESSAGE in message.body


def test_request_withdrawn_tells_the_volunteer_with_the_note(
    requested, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_withdraw(
            student=student, interview=requested, note="I found an internship mentor."
        )

    [message] = mailoutbox
    assert message.to == [alumni.email]
    assert message.subject == "Sam Student withdrew their request"
    assert "I found an internship mentor." in message.body
    assert "I found an internship mentor." in _html(message)


def test_messages_go_to_the_other_side(
    requested, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_message(
            actor=alumni, interview=requested, body="Happy to help. Video or phone?"
        )
        services.interview_message(actor=student, interview=requested, body="Video, please!")

    to_student, to_alumni = mailoutbox
    assert (to_student.to, to_student.subject) == (
        [student.email],
        "Alex Alumni sent you a message",
    )
    assert "Happy to help. Video or phone?" in to_student.body
    assert f"/interviews/{requested.pk}/" in to_student.body
    assert (to_alumni.to, to_alumni.subject) == ([alumni.email], "Sam Student sent you a message")
    assert "Video, please!" in _html(to_alumni)
    assert f"/inbox/{requested.pk}/" in to_alumni.body


def test_request_accepted_lists_the_offered_times_in_the_students_zone(
    requested, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_accept(
            user=alumni,
            interview=requested,
            format=Format.VIDEO,
            duration_minutes=30,
            slots=[SECOND, FIRST],
            meeting_url=MEET,
        )

    [message] = mailoutbox
    assert message.to == [student.email]
    assert message.subject == "Alex Alumni said yes: choose a time"
    first = _local(FIRST, STUDENT_TZ, "10:00")
    second = _local(SECOND, STUDENT_TZ, "10:00")
    assert f"- {first}\n- {second}\n" in message.body
    assert "How: Video call, 30 minutes" in message.body
    assert MEET in message.body
    assert "The contact details Alex Alumni chose to share are now on the interview page." in (
        message.body
    )
    html = _html(message)
    assert f"<li>{first}</li><li>{second}</li>" in html
    assert message.attachments == []


def test_request_declined_suggests_the_next_contact_on_the_fields_list(
    requested, student, alumni, consulting, django_capture_on_commit_callbacks, mailoutbox
):
    jordan = ContactFactory(
        student=student, full_name="Jordan Lee", field=consulting, on_target_list=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_decline(
            user=alumni, interview=requested, note="Quarter end is hectic; try me in July."
        )

    [message] = mailoutbox
    assert message.to == [student.email]
    assert message.subject == "Alex Alumni cannot take your request just now"
    assert "Quarter end is hectic; try me in July." in message.body
    assert "Next on your list for Consulting: Jordan Lee" in message.body
    link = f"http://127.0.0.1:8000/interviews/request/contact/{jordan.pk}/"
    assert f"Write to them: {link}" in message.body
    html = _html(message)
    assert "Next on your list for Consulting: <strong>Jordan Lee</strong>" in html
    assert f'href="{link}"' in html


def test_request_declined_links_a_next_volunteer_to_the_volunteer_request_page(
    requested, student, alumni, office, consulting, django_capture_on_commit_callbacks,
    mailoutbox,
):  # fmt: skip
    casey = UserFactory(
        office=office, email="casey@alumni.test", full_name="Casey Chen", role="alumni"
    )
    casey_profile = make_volunteer(casey, fields=[consulting])
    contact, _new = volunteer_add_to_contacts(student=student, profile=casey_profile)
    contact_target_add(student=student, contact=contact)

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_decline(user=alumni, interview=requested)

    [message] = mailoutbox
    assert "Next on your list for Consulting: Casey Chen" in message.body
    assert f"http://127.0.0.1:8000/interviews/request/volunteer/{casey_profile.pk}/" in message.body
    assert "Their note" not in message.body


def test_request_declined_with_nobody_next_points_to_the_directory(
    requested, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_decline(user=alumni, interview=requested)

    [message] = mailoutbox
    assert "Next on your list" not in message.body
    assert "http://127.0.0.1:8000/directory/" in message.body


# --- Scheduling ---------------------------------------------------------------------


def test_booking_sends_each_side_an_invitation_in_their_own_zone(
    accepted, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    slot = accepted.slots.get(starts_at=FIRST)

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_book_slot(student=student, interview=accepted, slot_id=slot.pk)

    mails = _by_recipient(mailoutbox)
    assert sorted(mails) == [alumni.email, student.email]
    to_student, to_alumni = mails[student.email], mails[alumni.email]
    subject = "Confirmed: your conversation with {} on {}"
    assert to_student.subject == subject.format("Alex Alumni", _day(FIRST, STUDENT_TZ))
    assert to_alumni.subject == subject.format("Sam Student", _day(FIRST, VOLUNTEER_TZ))
    assert f"When: {_local(FIRST, STUDENT_TZ, '10:00')}" in to_student.body
    assert f"When: {_local(FIRST, VOLUNTEER_TZ, '19:30')}" in to_alumni.body
    in_kolkata = _local(FIRST, VOLUNTEER_TZ, "19:30").removesuffix(f" ({VOLUNTEER_TZ})")
    assert f"<strong>{in_kolkata}</strong> ({VOLUNTEER_TZ})" in _html(to_alumni)
    assert "Send a thank-you within 24 hours." in to_student.body
    assert "There is nothing to prepare" in to_alumni.body
    for message in (to_student, to_alumni):
        mimetype, cal = _ics(message)
        assert mimetype == "text/calendar; method=REQUEST"
        assert message.attachments[0].filename == "invite.ics"
        assert cal["METHOD"] == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert event.decoded("DTSTART") == FIRST
    assert to_alumni.reply_to == [student.email]


def test_accepting_a_single_time_schedules_and_sends_invitations(
    requested, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_accept(
            user=alumni,
            interview=requested,
            format=Format.IN_PERSON,
            duration_minutes=15,
            slots=[FIRST],
            location="Blue Bottle, 1 Main St",
        )

    mails = _by_recipient(mailoutbox)
    assert sorted(mails) == [alumni.email, student.email]
    assert "Where: Blue Bottle, 1 Main St" in mails[student.email].body
    assert "How: In person, 15 minutes" in mails[alumni.email].body
    assert all(len(m.attachments) == 1 for m in mailoutbox)


def test_reschedule_tells_both_sides_old_and_new_time_and_reason(
    scheduled, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_reschedule(
            actor=alumni, interview=scheduled, starts_at=MOVED, reason="A client call moved."
        )

    mails = _by_recipient(mailoutbox)
    to_student, to_alumni = mails[student.email], mails[alumni.email]
    assert to_student.subject.startswith("New time: your conversation with Alex Alumni on ")
    assert "Alex Alumni moved your conversation to a new time." in to_student.body
    assert "You moved your conversation to a new time." in to_alumni.body
    assert "Why: A client call moved." in to_student.body
    assert f"Was: {_local(FIRST, STUDENT_TZ, '10:00')}" in to_student.body
    assert f"When: {_local(MOVED, STUDENT_TZ, '09:15')}" in to_student.body
    assert f"Was: {_local(FIRST, VOLUNTEER_TZ, '19:30')}" in to_alumni.body
    assert f"When: {_local(MOVED, VOLUNTEER_TZ, '18:45')}" in to_alumni.body
    for message in (to_student, to_alumni):
        mimetype, cal = _ics(message)
        assert mimetype == "text/calendar; method=REQUEST"
        assert cal.walk("VEVENT")[0]["SEQUENCE"] == 1
        assert "A client call moved." in _html(message)


def test_cancel_sends_both_sides_a_cancellation(
    scheduled, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_cancel(
            actor=student, interview=scheduled, reason="My exam was moved to that day."
        )

    mails = _by_recipient(mailoutbox)
    to_student, to_alumni = mails[student.email], mails[alumni.email]
    assert to_student.subject == "Cancelled: your conversation with Alex Alumni"
    assert to_alumni.subject == "Cancelled: your conversation with Sam Student"
    assert "You cancelled your conversation." in to_student.body
    assert "Sam Student cancelled your conversation." in to_alumni.body
    assert f"It was planned for {_local(FIRST, VOLUNTEER_TZ, '19:30')}." in to_alumni.body
    assert "Why: My exam was moved to that day." in to_alumni.body
    assert "Thank you for having made time." in to_alumni.body
    for message in (to_student, to_alumni):
        mimetype, cal = _ics(message)
        assert mimetype == "text/calendar; method=CANCEL"
        assert message.attachments[0].filename == "cancel.ics"
        assert cal["METHOD"] == "CANCEL"
        assert "My exam was moved to that day." in _html(message)


def test_cancel_before_a_time_is_agreed_sends_no_calendar_file(
    accepted, student, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_cancel(
            actor=alumni, interview=accepted, reason="I am being sent abroad next month."
        )

    mails = _by_recipient(mailoutbox)
    assert sorted(mails) == [alumni.email, student.email]
    to_student = mails[student.email]
    assert "Alex Alumni cancelled your conversation." in to_student.body
    assert "It was planned" not in to_student.body
    assert "next person on your list" in to_student.body
    assert all(m.attachments == [] for m in mailoutbox)


def test_text_emails_are_not_html_escaped(
    requested, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_message(
            actor=alumni, interview=requested, body="Let's talk <soon> & often"
        )

    [message] = mailoutbox
    assert "Let's talk <soon> & often" in message.body
    assert "Let&#x27;s talk &lt;soon&gt; &amp; often" in _html(message)


def test_a_decline_does_not_reveal_the_volunteers_address(
    requested, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_decline(user=alumni, interview=requested)

    [message] = mailoutbox
    assert alumni.email not in message.reply_to

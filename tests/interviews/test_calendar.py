"""Calendar files and feeds, parsed back with icalendar: invitations by email
(RFC 5546 REQUEST/CANCEL), the participant's download and the secret feed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from apps.contacts import services as contact_services
from apps.contacts.enums import Format
from apps.contacts.models import VolunteerProfile
from apps.core import statements
from apps.core.links import site_url
from apps.interviews import calendar, services
from apps.interviews.models import CalendarFeed, Interview, PreparedQuestion
from apps.interviews.selectors import feeds
from tests.factories.accounts import UserFactory
from tests.factories.contacts import make_volunteer

pytestmark = pytest.mark.django_db

MESSAGE = "Could you spare 15 minutes to tell me how you got into consulting?"
MEET = "https://meet.example.test/fieldnotes-abc"


def _utc(month, day, hour, minute=0):
    return datetime(timezone.now().year + 1, month, day, hour, minute, tzinfo=UTC)


FIRST = _utc(6, 3, 14)
SECOND = _utc(6, 4, 14)
MOVED = _utc(6, 5, 13, 15)


def _scheduled(student, volunteer, starts_at=FIRST, **accept):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=MESSAGE
    )
    accept = {"format": Format.VIDEO, "duration_minutes": 30, "meeting_url": MEET, **accept}
    services.interview_accept(user=volunteer.user, interview=interview, slots=[starts_at], **accept)
    return interview


def _alumni_volunteer(office, name, email, **kwargs):
    user = UserFactory(office=office, email=email, full_name=name, role="alumni")
    return make_volunteer(user, **kwargs)


def _parse(body: bytes) -> tuple[Calendar, object]:
    cal = Calendar.from_ical(body)
    [event] = cal.walk("VEVENT")
    return cal, event


def _attendees(event) -> list[str]:
    value = event.get("ATTENDEE", [])
    return sorted(str(a) for a in (value if isinstance(value, list) else [value]))


def _invitations(mailoutbox) -> dict:
    """Each recipient's calendar file, parsed; emails without one are skipped."""
    out = {}
    for message in mailoutbox:
        if not message.attachments:
            continue
        [attachment] = message.attachments
        out[message.to[0]] = _parse(attachment.content)
    return out


# --- Invitations by email -----------------------------------------------------------


def test_invitations_keep_one_uid_and_raise_sequence_through_reschedule_and_cancel(
    student, alumni, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        interview = _scheduled(student, volunteer)
    steps = [_invitations(mailoutbox)]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_reschedule(
            actor=student, interview=interview, starts_at=MOVED, reason="My exam moved."
        )
    steps.append(_invitations(mailoutbox))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_cancel(actor=alumni, interview=interview, reason="Sent abroad.")
    steps.append(_invitations(mailoutbox))

    expected = [
        ("REQUEST", 0, "CONFIRMED", FIRST),
        ("REQUEST", 1, "CONFIRMED", MOVED),
        ("CANCEL", 2, "CANCELLED", MOVED),
    ]
    uid = f"{interview.uid}@fieldnotes"
    for step, (method, sequence, status, start) in zip(steps, expected, strict=True):
        assert sorted(step) == [alumni.email, student.email]
        for cal, event in step.values():
            assert cal["METHOD"] == method
            assert str(event["UID"]) == uid
            assert event["SEQUENCE"] == sequence
            assert event["STATUS"] == status
            assert event.decoded("DTSTART") == start
            assert event.decoded("DTSTART").utcoffset() == timedelta(0)
            assert event.decoded("DTEND") == start + timedelta(minutes=30)
            assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
            assert str(event["ORGANIZER"]) == "mailto:no-reply@fieldnotes.localhost"
            assert _attendees(event) == ["mailto:alex@alumni.test", "mailto:sam@northfield.test"]
            assert str(event["LOCATION"]) == MEET


def test_invitation_wire_format_is_utc_with_z(student, volunteer):
    interview = _scheduled(student, volunteer)

    body = calendar.interview_ics(interview=interview, method="REQUEST", viewer=student)

    lines = body.decode().splitlines()
    start = FIRST.strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in lines
    assert "VERSION:2.0" in lines
    assert "METHOD:REQUEST" in lines
    assert not any(line.startswith("BEGIN:VTIMEZONE") for line in lines)


def test_a_local_aware_time_is_written_in_utc(student, volunteer):
    interview = _scheduled(student, volunteer)
    from zoneinfo import ZoneInfo

    interview.starts_at = FIRST.astimezone(ZoneInfo("America/New_York"))

    _cal, event = _parse(calendar.interview_ics(interview=interview, method="REQUEST"))

    assert event.decoded("DTSTART") == FIRST
    assert "TZID" not in event["DTSTART"].params


def test_each_side_sees_the_event_named_after_the_other_person(
    student, alumni, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        interview = _scheduled(student, volunteer)

    step = _invitations(mailoutbox)
    _cal, for_student = step[student.email]
    _cal, for_alumni = step[alumni.email]
    assert for_student["SUMMARY"] == "Informational interview with Alex Alumni"
    assert for_alumni["SUMMARY"] == "Informational interview with Sam Student"
    assert f"/interviews/{interview.pk}/" in for_student["DESCRIPTION"]
    assert f"/inbox/{interview.pk}/" in for_alumni["DESCRIPTION"]


def test_students_copy_leaves_out_an_address_the_volunteer_did_not_share(
    student, alumni, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(share_email_on_accept=False)
    volunteer.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        _scheduled(student, volunteer)

    step = _invitations(mailoutbox)
    assert _attendees(step[student.email][1]) == ["mailto:sam@northfield.test"]
    assert _attendees(step[alumni.email][1]) == [
        "mailto:alex@alumni.test",
        "mailto:sam@northfield.test",
    ]


def test_description_lists_the_questions_in_order_only_once_shared(student, volunteer):
    interview = _scheduled(student, volunteer)
    for position, text in [(2, "What skills matter most?"), (1, "How did you get started?")]:
        PreparedQuestion.objects.create(interview=interview, text=text, position=position)

    _cal, before = _parse(calendar.interview_ics(interview=interview, method="REQUEST"))
    Interview.objects.filter(pk=interview.pk).update(questions_shared_at=timezone.now())
    interview.refresh_from_db()
    _cal, after = _parse(calendar.interview_ics(interview=interview, method="REQUEST"))

    assert "How did you get started?" not in before["DESCRIPTION"]
    questions = "Questions, most important first:\n1. How did you get started?\n"
    assert questions in after["DESCRIPTION"]
    assert "2. What skills matter most?" in after["DESCRIPTION"]


def test_sharing_questions_after_booking_updates_the_volunteers_invitation(
    student, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    from apps.interviews.services.questions import interview_questions_share

    with django_capture_on_commit_callbacks(execute=True):
        interview = _scheduled(student, volunteer)
    _cal, booked = _invitations(mailoutbox)["alex@alumni.test"]
    PreparedQuestion.objects.create(interview=interview, text="How did you start?", position=1)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        interview_questions_share(student=student, interview=interview)

    [message] = mailoutbox
    assert message.to == ["alex@alumni.test"]
    cal, updated = _invitations(mailoutbox)["alex@alumni.test"]
    assert str(cal["METHOD"]) == "REQUEST"
    # The same event, not a change of time: same UID and SEQUENCE, a later stamp.
    assert (str(updated["UID"]), updated["SEQUENCE"]) == (str(booked["UID"]), booked["SEQUENCE"])
    assert updated["DTSTAMP"].dt >= booked["DTSTAMP"].dt
    assert "1. How did you start?" in updated["DESCRIPTION"]


def test_sharing_questions_before_booking_sends_no_invitation(
    student, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    from apps.interviews.services.questions import interview_questions_share

    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=MESSAGE
    )
    PreparedQuestion.objects.create(interview=interview, text="How did you start?", position=1)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        interview_questions_share(student=student, interview=interview)

    [message] = mailoutbox
    assert message.attachments == []


def test_interview_ics_refuses_an_unknown_method(student, volunteer):
    interview = _scheduled(student, volunteer)

    with pytest.raises(ValueError):
        calendar.interview_ics(interview=interview, method="REFRESH")


def test_invitation_mime_part_names_its_charset_once(
    student, volunteer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        _scheduled(student, volunteer)

    mime = mailoutbox[-1].message()
    [part] = [p for p in mime.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part["Content-Type"].count("charset") == 1


def test_booking_again_after_scheduling_is_refused(student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=MESSAGE
    )
    services.interview_accept(
        user=volunteer.user, interview=interview, format=Format.VIDEO, duration_minutes=30,
        slots=[FIRST, SECOND], meeting_url=MEET,
    )  # fmt: skip
    first, second = interview.slots.order_by("starts_at")
    services.interview_book_slot(student=student, interview=interview, slot_id=first.pk)

    with pytest.raises(services.TransitionError):
        services.interview_book_slot(student=student, interview=interview, slot_id=second.pk)


# --- Download -----------------------------------------------------------------------


def test_participants_download_the_meeting_to_import(student, alumni, volunteer, login_as):
    interview = _scheduled(student, volunteer)
    url = f"/interviews/{interview.pk}/invite.ics"
    assert reverse("interview_ics", args=[interview.pk]) == url

    for user, summary in [(student, "Alex Alumni"), (alumni, "Sam Student")]:
        response = login_as(user).get(url)

        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="interview-{interview.pk}.ics"'
        )
        cal, event = _parse(response.content)
        assert cal["METHOD"] == "PUBLISH"
        assert str(event["UID"]) == f"{interview.uid}@fieldnotes"
        assert event["SUMMARY"] == f"Informational interview with {summary}"
        assert event.decoded("DTSTART") == FIRST
        # RFC 5546 PUBLISH names no attendees.
        assert "ATTENDEE" not in event


def test_nobody_else_can_download_the_meeting(
    student, student2, volunteer, advisor, office_admin, other_student, other_alumni, login_as,
    nobody,
):  # fmt: skip
    interview = _scheduled(student, volunteer)
    url = f"/interviews/{interview.pk}/invite.ics"

    for user in (student2, advisor, office_admin, other_student, other_alumni):
        assert login_as(user).get(url).status_code == 404
    response = nobody.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_download_needs_an_agreed_time(student, volunteer, login_as):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=MESSAGE
    )
    services.interview_accept(
        user=volunteer.user, interview=interview, format=Format.VIDEO, duration_minutes=30,
        slots=[FIRST, SECOND],
    )  # fmt: skip

    assert login_as(student).get(f"/interviews/{interview.pk}/invite.ics").status_code == 404

    services.interview_cancel(actor=student, interview=interview, reason="Plans changed.")
    assert login_as(student).get(f"/interviews/{interview.pk}/invite.ics").status_code == 404


# --- Feed ---------------------------------------------------------------------------


def _feed_token(user) -> str:
    return services.calendar_feed_get_or_create(user=user).token


def _feed_url(user) -> str:
    return f"/calendar/{_feed_token(user)}.ics"


def _feed_uids(response) -> list[str]:
    cal = Calendar.from_ical(response.content)
    return [str(event["UID"]) for event in cal.walk("VEVENT")]


@pytest.fixture
def casey(office, consulting):
    return _alumni_volunteer(office, "Casey Chen", "casey@alumni.test", fields=[consulting])


def test_feed_shows_only_the_owners_interviews_to_anyone_with_the_token(
    student, student2, alumni, volunteer, casey, nobody
):
    mine = _scheduled(student, volunteer)
    theirs = _scheduled(student2, casey, starts_at=SECOND)

    response = nobody.get(_feed_url(student))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert _feed_uids(response) == [f"{mine.uid}@fieldnotes"]
    assert "Priya" not in response.content.decode()
    assert _feed_uids(nobody.get(_feed_url(alumni))) == [f"{mine.uid}@fieldnotes"]
    assert _feed_uids(nobody.get(_feed_url(casey.user))) == [f"{theirs.uid}@fieldnotes"]


def test_feed_is_a_subscribable_calendar_that_no_shared_cache_keeps(student, volunteer, nobody):
    _scheduled(student, volunteer)

    response = nobody.get(_feed_url(student))

    assert nobody.head(_feed_url(student)).status_code == 200
    cal = Calendar.from_ical(response.content)
    assert cal["METHOD"] == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Fieldnotes interviews"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.content.decode().splitlines()
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert "public" not in cache_control
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "Set-Cookie" not in response


def test_feed_reaches_back_30_days_and_leaves_out_cancelled_meetings(
    student, office, volunteer, casey, nobody
):
    dana = _alumni_volunteer(office, "Dana Diaz", "dana@alumni.test")
    held = _scheduled(student, volunteer)
    old = _scheduled(student, casey, starts_at=SECOND)
    cancelled = _scheduled(student, dana, starts_at=MOVED)
    now = timezone.now()
    Interview.objects.filter(pk=held.pk).update(starts_at=now - timedelta(days=29))
    Interview.objects.filter(pk=old.pk).update(starts_at=now - timedelta(days=31))
    services.interview_complete(student=student, interview=Interview.objects.get(pk=held.pk))
    services.interview_cancel(actor=student, interview=cancelled, reason="Plans changed.")

    assert _feed_uids(nobody.get(_feed_url(student))) == [f"{held.uid}@fieldnotes"]


def test_feed_of_someone_who_can_no_longer_sign_in_is_gone(student, volunteer, nobody):
    _scheduled(student, volunteer)
    url = _feed_url(student)
    type(student).objects.filter(pk=student.pk).update(is_active=False)

    assert nobody.get(url).status_code == 404


def test_unknown_token_is_404(student, nobody):
    _feed_url(student)

    assert nobody.get("/calendar/" + "x" * 43 + ".ics").status_code == 404


def test_feed_without_meetings_is_an_empty_calendar_read_in_two_queries(
    student, nobody, django_assert_num_queries
):
    url = _feed_url(student)

    # No meeting names the owner: the feed's own row tells empty from gone.
    with django_assert_num_queries(2):
        response = nobody.get(url)

    assert response.status_code == 200
    assert _feed_uids(response) == []
    assert response.content.endswith(b"X-PUBLISHED-TTL:PT1H\r\nEND:VCALENDAR\r\n")


def test_forged_token_is_404_without_reading_the_database(
    student, volunteer, nobody, django_assert_num_queries
):
    _scheduled(student, volunteer)
    token = _feed_token(student)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")

    with django_assert_num_queries(0):
        assert nobody.get(f"/calendar/{forged}.ics").status_code == 404
        assert nobody.get(f"/calendar/{token[:22]}.ics").status_code == 404


def test_calendar_feed_ics_drops_interviews_of_other_people(student, student2, volunteer, casey):
    mine = _scheduled(student, volunteer)
    theirs = _scheduled(student2, casey, starts_at=SECOND)

    rows = [
        *feeds.calendar_feed_read(token=_feed_token(student))[1],
        *feeds.calendar_feed_read(token=_feed_token(student2))[1],
    ]
    assert {row.pk for row in rows} == {mine.pk, theirs.pk}

    body = calendar.calendar_feed_ics(owner=student.pk, rows=rows)

    assert [str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT")] == [
        f"{mine.uid}@fieldnotes"
    ]


@pytest.mark.parametrize("count", [1, 3, 50])
def test_feed_query_count_does_not_grow_with_interviews(
    count, student, office, nobody, django_assert_num_queries
):
    for n in range(count):
        profile = _alumni_volunteer(office, f"Volunteer {n}", f"v{n}@alumni.test")
        interview = _scheduled(student, profile, starts_at=FIRST + timedelta(days=n))
        PreparedQuestion.objects.create(interview=interview, text="How did you start?", position=1)
    Interview.objects.update(questions_shared_at=timezone.now())
    url = _feed_url(student)

    # The interviews with their shared questions, the owner found by the token.
    with django_assert_num_queries(1):
        response = nobody.get(url)

    assert len(_feed_uids(response)) == count
    assert response.content.decode().count("1. How did you start?") == count


def test_feed_queries_are_compiled_once_and_the_next_fetch_only_binds(
    student, alumni, volunteer, casey, nobody, django_assert_num_queries
):
    statements.statements_clear()
    mine = _scheduled(student, volunteer, starts_at=FIRST)
    PreparedQuestion.objects.create(interview=mine, text="What surprised you?", position=1)
    Interview.objects.filter(pk=mine.pk).update(questions_shared_at=timezone.now())
    url = _feed_url(student)

    first = nobody.get(url)
    with django_assert_num_queries(1):
        again = nobody.get(url)

    kept = {shape[1] for shape in statements._statements("default")}
    assert kept == {"calendar feed rows"}
    assert _event_lines(again.content) == _event_lines(first.content)
    assert "What surprised you?" in again.content.decode()
    # The kept statements bind each fetch's own token and user: the volunteer's own
    # feed shows the same meeting from the other side, and a wrong token nothing.
    volunteer_feed = nobody.get(_feed_url(alumni))
    assert _feed_uids(volunteer_feed) == _feed_uids(again)
    assert "What surprised you?" in volunteer_feed.content.decode()
    assert nobody.get(url[:-8] + "A" * 4 + url[-4:]).status_code == 404
    assert _feed_uids(nobody.get(_feed_url(casey.user))) == []
    statements.statements_clear()


# --- The feed as calendar programs poll it ---------------------------------------


def _event_lines(body: bytes) -> list[list[str]]:
    """Each VEVENT's unfolded content lines, DTSTAMP (the time of writing) left out."""
    events, current = [], None
    for line in body.decode().replace("\r\n ", "").split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None and not line.startswith("DTSTAMP:"):
            current.append(line)
    return events


def test_feed_events_are_the_downloaded_events_line_for_line(
    student, alumni, volunteer, casey, login_as, nobody
):
    """The feed writes its events itself; the download goes through icalendar. Both
    must say the same thing, escapes and all."""
    video = _scheduled(student, volunteer)
    in_person = _scheduled(
        student,
        casey,
        starts_at=SECOND,
        format=Format.IN_PERSON,
        meeting_url="",
        location="Café Müller, 3rd floor; the room with the long table \\ by the window",
    )
    for n, text in enumerate(["Which skills, tools; habits matter?", "Où commencer ?"], 1):
        PreparedQuestion.objects.create(interview=in_person, text=text, position=n)
    services.interview_questions_share(student=student, interview=in_person)

    for user, mine in ((student, [video, in_person]), (alumni, [video]), (casey.user, [in_person])):
        feed = nobody.get(_feed_url(user)).content
        downloads = [
            calendar.interview_ics(
                interview=Interview.objects.get(pk=i.pk), method="PUBLISH", viewer=user
            )
            for i in mine
        ]
        assert _event_lines(feed) == [_event_lines(d)[0] for d in downloads]
    [casey_event] = _event_lines(nobody.get(_feed_url(casey.user)).content)
    assert (
        "DESCRIPTION:An informational interview arranged through Fieldnotes.\\nIn person\\, "
        "30 minutes\\nPlace: Café Müller\\, 3rd floor\\; the room with the long table \\\\ by "
        "the window\\n\\nQuestions\\, most important first:\\n1. Which skills\\, tools\\; "
        "habits matter?\\n2. Où commencer ?\\n\\n" + site_url("inbox_detail", in_person.pk)
    ) in casey_event


def test_feed_lines_are_folded_at_75_octets_without_splitting_a_character(
    student, volunteer, casey, nobody
):
    _scheduled(
        student,
        casey,
        format=Format.IN_PERSON,
        meeting_url="",
        location="Ünïcödé Straße 12, Zürich — " * 5 + "Ünïcödé Straße 12",
    )

    body = nobody.get(_feed_url(student)).content

    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode()  # each line is whole UTF-8, or this raises
    assert body.endswith(b"END:VCALENDAR\r\n")
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["LOCATION"]) == "Ünïcödé Straße 12, Zürich — " * 5 + "Ünïcödé Straße 12"


def test_fold_keeps_an_escape_whole_and_unfolds_to_the_line():
    line = "DESCRIPTION:" + "x" * 62 + "\\,y" + "é" * 80

    folded = calendar._fold(line)

    parts = folded.split("\r\n ")
    assert all(len(part.encode()) <= (75 if i == 0 else 74) for i, part in enumerate(parts))
    assert not any(part.endswith("\\") for part in parts)
    assert "".join(parts) == line


def test_feed_answers_304_to_its_own_etag_until_something_changes(
    student, alumni, volunteer, nobody, django_assert_num_queries
):
    interview = _scheduled(student, volunteer)
    url = _feed_url(student)
    first = nobody.get(url)
    etag = first["ETag"]
    assert etag.startswith('W/"')

    with django_assert_num_queries(1):
        again = nobody.get(url, headers={"if-none-match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert {"private", "no-store"} <= {p.strip() for p in again["Cache-Control"].split(",")}
    assert nobody.get(url, headers={"if-none-match": 'W/"something-else"'}).status_code == 200
    assert "Last-Modified" not in first

    services.interview_reschedule(
        actor=student, interview=interview, starts_at=MOVED, reason="My exam moved."
    )
    moved = nobody.get(url, headers={"if-none-match": etag})
    assert moved.status_code == 200
    assert moved["ETag"] != etag
    assert _event_lines(moved.content)[0][1] == "DTSTART:" + MOVED.strftime("%Y%m%dT%H%M%SZ")


def _changes_etag(nobody, url, change) -> bool:
    before = nobody.get(url)["ETag"]
    change()
    after = nobody.get(url, headers={"if-none-match": before})
    return after.status_code == 200 and after["ETag"] != before


def test_feed_etag_follows_what_no_timestamp_of_the_interview_shows(
    student, alumni, volunteer, casey, nobody
):
    """A renamed contact, a question edited after sharing, a meeting that leaves the
    30 days, a new meeting: each is a new ETag at once."""
    interview = _scheduled(student, volunteer)
    PreparedQuestion.objects.create(interview=interview, text="How did you start?", position=1)
    services.interview_questions_share(student=student, interview=interview)
    url, volunteer_url = _feed_url(student), _feed_url(alumni)
    interview = Interview.objects.get(pk=interview.pk)

    assert _changes_etag(
        nobody,
        url,
        lambda: contact_services.contact_update(
            student=student, contact=interview.contact, full_name="Alex A. Alumni"
        ),
    )
    assert _changes_etag(
        nobody,
        url,
        lambda: services.prepared_question_add(
            student=student, interview=interview, text="What would you do in my place?"
        ),
    )
    assert _changes_etag(
        nobody,
        volunteer_url,
        lambda: type(student).objects.filter(pk=student.pk).update(full_name="Sam Q. Student"),
    )
    assert _changes_etag(nobody, url, lambda: _scheduled(student, casey, starts_at=SECOND))
    assert _changes_etag(
        nobody,
        url,
        lambda: Interview.objects.filter(pk=interview.pk).update(
            starts_at=timezone.now() - timedelta(days=31)
        ),
    )
    assert "What would you do in my place?" not in nobody.get(url).content.decode()


def test_feed_etag_differs_between_the_two_sides_of_one_meeting(student, alumni, volunteer, nobody):
    _scheduled(student, volunteer)

    assert nobody.get(_feed_url(student))["ETag"] != nobody.get(_feed_url(alumni))["ETag"]


def test_feed_keeps_the_latest_meetings_up_to_its_cap(
    student, office, volunteer, casey, nobody, monkeypatch
):
    dana = _alumni_volunteer(office, "Dana Diaz", "dana@alumni.test")
    past = _scheduled(student, volunteer)
    Interview.objects.filter(pk=past.pk).update(starts_at=timezone.now() - timedelta(days=2))
    soon = _scheduled(student, casey, starts_at=FIRST)
    later = _scheduled(student, dana, starts_at=SECOND)
    monkeypatch.setattr(feeds, "FEED_MAX_EVENTS", 2)

    assert _feed_uids(nobody.get(_feed_url(student))) == [
        f"{soon.uid}@fieldnotes",
        f"{later.uid}@fieldnotes",
    ]


def test_feed_with_shared_questions_all_removed_lists_none_and_reads_no_more(
    student, volunteer, nobody, django_assert_num_queries
):
    interview = _scheduled(student, volunteer)
    question = PreparedQuestion.objects.create(interview=interview, text="Why?", position=1)
    services.interview_questions_share(student=student, interview=interview)
    services.prepared_question_remove(
        student=student, interview=Interview.objects.get(pk=interview.pk), question_id=question.pk
    )
    url = _feed_url(student)

    with django_assert_num_queries(1):
        body = nobody.get(url).content.decode()

    assert "Questions" not in body
    assert "Why?" not in body


# --- Settings page and reset --------------------------------------------------------


def test_settings_page_shows_the_absolute_feed_url(student, alumni, login_as):
    for user in (student, alumni):
        response = login_as(user).get("/calendar/")

        token = CalendarFeed.objects.get(user=user).token
        assert response.status_code == 200
        page = response.content.decode()
        assert f'value="http://127.0.0.1:8000/calendar/{token}.ics"' in page
        assert f'href="webcal://127.0.0.1:8000/calendar/{token}.ics"' in page
        assert "Google Calendar" in page and "Outlook" in page and "Apple Calendar" in page
        assert "js/copy.js" in page
        assert "<script>" not in page


def test_settings_page_keeps_the_same_link_between_visits(student, login_as):
    browser = login_as(student)
    browser.get("/calendar/")
    first = CalendarFeed.objects.get(user=student).token

    browser.get("/calendar/")

    assert CalendarFeed.objects.get(user=student).token == first
    assert len(first) == 62  # a 22-character nonce and 40 hex of its HMAC


def test_settings_page_is_for_students_and_alumni_only(
    advisor, office_admin, pending_alumni, login_as, nobody
):
    assert login_as(advisor).get("/calendar/").status_code == 403
    assert login_as(office_admin).get("/calendar/").status_code == 403
    assert login_as(pending_alumni).get("/calendar/").status_code == 302
    assert nobody.get("/calendar/").status_code == 302
    assert CalendarFeed.objects.count() == 0


def test_reset_asks_first_then_kills_the_old_link(student, volunteer, login_as, nobody):
    interview = _scheduled(student, volunteer)
    old_url = _feed_url(student)
    browser = login_as(student)

    confirm = browser.get("/calendar/reset/")
    assert confirm.status_code == 200
    assert nobody.get(old_url).status_code == 200

    response = browser.post("/calendar/reset/")

    assert response.status_code == 302
    assert response["Location"] == "/calendar/"
    assert nobody.get(old_url).status_code == 404
    new_url = _feed_url(student)
    assert new_url != old_url
    assert _feed_uids(nobody.get(new_url)) == [f"{interview.uid}@fieldnotes"]
    assert new_url in browser.get("/calendar/").content.decode()


def test_reset_is_refused_to_other_roles(advisor, login_as, nobody):
    assert login_as(advisor).post("/calendar/reset/").status_code == 403
    assert nobody.post("/calendar/reset/").status_code == 302
    with pytest.raises(PermissionError):
        services.calendar_feed_reset(user=advisor)
    with pytest.raises(PermissionError):
        services.calendar_feed_get_or_create(user=advisor)


# --- The table holds no secret (issue 11, finding 5) --------------------------------


def test_the_table_holds_neither_the_token_nor_anything_that_opens_the_feed(student, nobody):
    url = _feed_url(student)
    token = url.removeprefix("/calendar/").removesuffix(".ics")

    row = CalendarFeed.objects.filter(user=student).values().get()

    assert token not in {str(value) for value in row.values()}
    assert nobody.get(f"/calendar/{row['nonce']}.ics").status_code == 404
    forged = row["nonce"] + "0" * (len(token) - len(row["nonce"]))
    assert nobody.get(f"/calendar/{forged}.ics").status_code == 404
    assert nobody.get(url).status_code == 200


def test_the_feed_url_depends_on_the_secret_key(student, nobody, settings):
    url = _feed_url(student)

    settings.SECRET_KEY = "another-secret-key-" + "x" * 40

    assert nobody.get(url).status_code == 404
    assert nobody.get(_feed_url(student)).status_code == 200


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_feed_a_new_url_and_keeps_no_token(student):
    from django.conf import settings as django_settings
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if not isinstance(django_settings.MIGRATION_MODULES, dict):
        pytest.skip("the suite builds its database without migrations: make test-migrations")
    before = [("interviews", "0006_interview_job_ask_reason")]
    after = [("interviews", "0007_calendar_feed_secret_not_stored")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldFeed = executor.loader.project_state(before).apps.get_model("interviews", "CalendarFeed")
    OldFeed.objects.create(user_id=student.pk, token="old-token-" + "a" * 33)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    feed = CalendarFeed.objects.get(user=student)
    opens_new = services_feed_opens(feed.token)
    opens_old = services_feed_opens("old-token-" + "a" * 33)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert (opens_new, opens_old) == (True, False)


def services_feed_opens(token: str) -> bool:
    from apps.interviews.selectors.feeds import calendar_feed_for_token

    return calendar_feed_for_token(token=token) is not None


def test_the_feed_is_the_first_url_pattern_django_tries_after_the_health_check():
    """Calendar apps poll the feed for every subscriber: config/urls.py lists it
    before the other tables, so resolving it does not try a hundred patterns first."""
    from django.urls import get_resolver, resolve

    from apps.interviews import views_calendar

    top = get_resolver().url_patterns
    names = [getattr(p, "name", None) for p in top]
    feed_at = next(
        i
        for i, pattern in enumerate(top)
        if any(
            getattr(p, "name", None) == "calendar_feed"
            for p in getattr(pattern, "url_patterns", ())
        )
    )
    assert feed_at == names.index("healthz") + 1
    match = resolve("/calendar/" + "A" * 43 + ".ics")
    assert match.func is views_calendar.calendar_feed
    assert match.kwargs == {"token": "A" * 43}

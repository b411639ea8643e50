"""The office's quiet hours: a window each office chooses (21:00-08:00 unless it
changes it), kept in each recipient's own time zone, whether it crosses midnight
or not, across daylight-saving changes; read with the recipient's preferences in
one query when an email goes; named on the email settings page."""

import html
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import Office, User
from apps.advising.guards import guard_comment
from apps.advising.services import assignments_add
from apps.advising.services_comments import comment_thread_start
from apps.core.models import OutboundEmail
from apps.followups.guards import guard_recipient
from apps.followups.notifications import (
    notification_preference_for_delivery,
    notification_preference_update,
    quiet_hours_end,
    quiet_hours_window,
)
from tests.factories.interviews import mark_held
from tests.factories.students import student_profile_set

pytestmark = pytest.mark.django_db

NY = "America/New_York"
Sent = OutboundEmail.Status


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _quiet(office: Office, start: time, end: time) -> None:
    Office.objects.filter(pk=office.pk).update(quiet_hours_start=start, quiet_hours_end=end)


def _start_row(meeting) -> OutboundEmail:
    return OutboundEmail.objects.select_related("recipient").get(
        dedupe_key=f"thanks:{meeting.pk}:start"
    )


# --- The window -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "until"),
    [
        # 22:30-07:15 in New York (EST, UTC-5), which crosses midnight.
        # 12:00 and 22:29: outside.
        (_utc(2026, 3, 3, 17, 0), None),
        (_utc(2026, 3, 4, 3, 29), None),
        # 22:30, the start, is inside: until 07:15 the next morning.
        (_utc(2026, 3, 4, 3, 30), _utc(2026, 3, 4, 12, 15)),
        # 23:59 and 00:00: the same morning.
        (_utc(2026, 3, 4, 4, 59), _utc(2026, 3, 4, 12, 15)),
        (_utc(2026, 3, 4, 5, 0), _utc(2026, 3, 4, 12, 15)),
        # 07:14 is inside; 07:15, the end, is not.
        (_utc(2026, 3, 4, 12, 14), _utc(2026, 3, 4, 12, 15)),
        (_utc(2026, 3, 4, 12, 15), None),
    ],
)
def test_a_window_across_midnight(at, until):
    assert quiet_hours_end(at=at, time_zone=NY, start=time(22, 30), end=time(7, 15)) == until


@pytest.mark.parametrize(
    ("at", "until"),
    [
        # 12:00-14:00 in New York, within one day.
        # 11:59: outside.
        (_utc(2026, 3, 3, 16, 59), None),
        # 12:00 and 13:59: inside, until 14:00 the same day.
        (_utc(2026, 3, 3, 17, 0), _utc(2026, 3, 3, 19, 0)),
        (_utc(2026, 3, 3, 18, 59), _utc(2026, 3, 3, 19, 0)),
        # 14:00, and the night: outside.
        (_utc(2026, 3, 3, 19, 0), None),
        (_utc(2026, 3, 4, 4, 0), None),
        (_utc(2026, 3, 4, 10, 0), None),
    ],
)
def test_a_window_within_a_day(at, until):
    assert quiet_hours_end(at=at, time_zone=NY, start=time(12), end=time(14)) == until


@pytest.mark.parametrize(
    ("at", "start", "end", "until"),
    [
        # 23:00 EST on Saturday 7 March 2026; the clocks go forward at 02:00: the
        # window ends at 06:30 EDT, not 06:30 plus an hour of EST.
        (_utc(2026, 3, 8, 4, 0), time(22), time(6, 30), _utc(2026, 3, 8, 10, 30)),
        # 23:00 EDT on Saturday 31 October; the clocks go back at 02:00: 06:30 EST.
        (_utc(2026, 11, 1, 3, 0), time(22), time(6, 30), _utc(2026, 11, 1, 11, 30)),
        # A window ending at 02:30, which does not exist on 8 March: read on the old
        # clock, 02:30 EST (03:30 EDT).
        (_utc(2026, 3, 8, 6, 0), time(0), time(2, 30), _utc(2026, 3, 8, 7, 30)),
        # A window ending at 01:30, which happens twice on 1 November: at 00:30 EDT
        # the first one (EDT) is next ...
        (_utc(2026, 11, 1, 4, 30), time(0), time(1, 30), _utc(2026, 11, 1, 5, 30)),
        # ... at 01:15 EST (the second 01:15) the first has gone: the EST one.
        (_utc(2026, 11, 1, 6, 15), time(0), time(1, 30), _utc(2026, 11, 1, 6, 30)),
        # A window starting at 01:30 that night: the second 01:15 is still outside.
        (_utc(2026, 11, 1, 6, 15), time(1, 30), time(8), None),
    ],
)
def test_a_window_on_the_days_the_clocks_change_in_new_york(at, start, end, until):
    assert quiet_hours_end(at=at, time_zone=NY, start=start, end=end) == until


def test_the_default_window_is_nine_at_night_to_eight_in_the_morning():
    # 21:00 in New York.
    at = _utc(2026, 3, 4, 2, 0)

    assert quiet_hours_end(at=at, time_zone=NY) == _utc(2026, 3, 4, 13, 0)
    assert quiet_hours_end(at=at, time_zone=NY, start=time(21), end=time(8)) == _utc(
        2026, 3, 4, 13, 0
    )


def test_an_empty_window_is_never_quiet():
    assert quiet_hours_end(at=_utc(2026, 3, 4, 2, 0), time_zone=NY, start=time(9), end=time(9)) is (
        None
    )


def test_an_office_starts_with_nine_at_night_to_eight_in_the_morning(office):
    assert quiet_hours_window(office) == (time(21), time(8))


def test_a_platform_user_without_an_office_keeps_the_default_window(student):
    root = User.objects.create_superuser(email="root@fieldnotes.test", full_name="Root")

    preference, start, end = notification_preference_for_delivery(user=root)

    assert (preference.pk, preference.quiet_hours, start, end) == (None, True, time(21), time(8))
    assert quiet_hours_window(None) == (time(21), time(8))


def test_the_recipients_preferences_and_their_offices_window_in_one_query(
    student, office, django_assert_num_queries
):
    _quiet(office, time(22, 30), time(7, 15))
    notification_preference_update(user=student, delivery="digest")

    with django_assert_num_queries(1):
        preference, start, end = notification_preference_for_delivery(user=student)

    assert (preference.delivery, start, end) == ("digest", time(22, 30), time(7, 15))


# --- When a reminder goes ---------------------------------------------------------------


def test_a_reminder_waits_out_the_offices_window(
    student, office, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    # It is 10:00 in New York: inside this office's 09:00-11:00.
    _quiet(office, time(9), time(11))

    with django_capture_on_commit_callbacks(execute=True):
        mark_held(student=student, interview=meeting)

    row = _start_row(meeting)
    assert (row.status, row.due_at, row.last_error) == (
        Sent.PENDING,
        _utc(2026, 3, 3, 16, 0),
        "",
    )
    assert mailoutbox == []


def test_a_reminder_goes_at_night_when_the_offices_window_is_elsewhere(
    student, office, meeting, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    # 23:00 in New York would be quiet by default; this office keeps 12:00-14:00.
    _quiet(office, time(12), time(14))
    eleven_pm = _utc(2026, 3, 4, 4, 0)
    time_machine.move_to(eleven_pm, tick=False)
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=eleven_pm - timedelta(minutes=45))
    meeting.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        mark_held(student=student, interview=meeting)

    assert _start_row(meeting).status == Sent.SENT
    assert [m.to for m in mailoutbox] == [["sam@northfield.test"]]


def test_another_offices_window_does_not_hold_a_reminder_back(
    student, other_office, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    _quiet(other_office, time(9), time(11))

    with django_capture_on_commit_callbacks(execute=True):
        mark_held(student=student, interview=meeting)

    assert _start_row(meeting).status == Sent.SENT
    assert len(mailoutbox) == 1


def test_a_person_who_switched_quiet_hours_off_gets_it_in_the_offices_window(
    student, office, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    _quiet(office, time(9), time(11))
    notification_preference_update(user=student, quiet_hours=False)

    with django_capture_on_commit_callbacks(execute=True):
        mark_held(student=student, interview=meeting)

    assert _start_row(meeting).status == Sent.SENT
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("saved", [False, True], ids=["default preferences", "saved ones"])
def test_the_reminder_guard_reads_the_window_without_another_query(
    saved, student, office, meeting, django_assert_num_queries
):
    _quiet(office, time(9), time(11))
    if saved:
        notification_preference_update(user=student, thank_you=True)
    # Queued, not delivered: the on-commit dispatch never runs here.
    mark_held(student=student, interview=meeting)
    # As the outbox reads it (apps.core.outbox._deliver).
    row = _start_row(meeting)

    with django_assert_num_queries(1):
        verdict = guard_recipient(row)

    assert (verdict.action, verdict.until, verdict.reason) == (
        "defer",
        _utc(2026, 3, 3, 16, 0),
        "quiet hours",
    )


def test_an_advisors_comment_waits_out_the_offices_window_in_two_queries(
    student, advisor, office_admin, office, django_assert_num_queries
):
    _quiet(office, time(9), time(11))
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    student_profile_set(
        student,
        programme="Economics",
        graduation_year=2027,
        pitch="I study economics and want to work in health care.",
    )
    comment_thread_start(
        advisor=advisor, student=student, on="pitch", interview_id=None, body="Lead with it."
    )
    row = OutboundEmail.objects.select_related("recipient").get(kind="advising/comment")

    # The thread still there, then the preferences with the window.
    with django_assert_num_queries(2):
        verdict = guard_comment(row)

    assert (verdict.action, verdict.until) == ("defer", _utc(2026, 3, 3, 16, 0))


# --- The email settings page --------------------------------------------------------------


QUIET_LABEL = "No reminder emails between {} and {} in my time zone"


@pytest.mark.parametrize("persona", ["student", "alumni"])
def test_the_email_settings_page_names_the_offices_window(persona, office, login_as, request):
    _quiet(office, time(22, 30), time(7, 15))

    page = login_as(request.getfixturevalue(persona)).get("/settings/notifications/")

    label = QUIET_LABEL.format("22:30", "07:15")
    assert page.status_code == 200
    assert page.context["form"].fields["quiet_hours"].label == label
    assert label in page.content.decode()


def test_the_email_settings_page_names_the_default_window(student, login_as):
    page = login_as(student).get("/settings/notifications/")

    assert page.context["form"].fields["quiet_hours"].label == QUIET_LABEL.format("21:00", "08:00")


def test_the_email_settings_page_shows_another_offices_people_their_own_window(
    office, other_student, login_as
):
    _quiet(office, time(22, 30), time(7, 15))

    page = login_as(other_student).get("/settings/notifications/")

    assert page.context["form"].fields["quiet_hours"].label == QUIET_LABEL.format("21:00", "08:00")


def test_an_advisor_has_no_quiet_hours_to_choose(advisor, login_as):
    page = login_as(advisor).get("/settings/notifications/")

    assert "quiet_hours" not in page.context["form"].fields


# --- A person's own quiet hours (issue 13.8c) ------------------------------------------


def test_a_persons_own_window_replaces_the_offices_in_one_query(
    student, office, django_assert_num_queries
):
    _quiet(office, time(22, 30), time(7, 15))
    notification_preference_update(
        user=student, quiet_hours_start=time(23), quiet_hours_end=time(9, 30)
    )

    with django_assert_num_queries(1):
        _preference, start, end = notification_preference_for_delivery(user=student)

    assert (start, end) == (time(23), time(9, 30))


def test_clearing_ones_own_window_goes_back_to_the_offices(student, office):
    _quiet(office, time(22, 30), time(7, 15))
    notification_preference_update(
        user=student, quiet_hours_start=time(23), quiet_hours_end=time(9, 30)
    )
    notification_preference_update(user=student, quiet_hours_start=None, quiet_hours_end=None)

    assert notification_preference_for_delivery(user=student)[1:] == (time(22, 30), time(7, 15))


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(23), None), (None, time(7)), (time(7), time(7))],
    ids=["no end", "no start", "empty"],
)
def test_an_own_window_must_have_both_ends_at_different_times(student, start, end):
    with pytest.raises(ValidationError, match="Give both a start and an end"):
        notification_preference_update(user=student, quiet_hours_start=start, quiet_hours_end=end)

    assert notification_preference_for_delivery(user=student)[1:] == (time(21), time(8))


def test_a_reminder_waits_out_the_persons_own_window(
    student, office, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    # 10:00 in New York: outside the office's 21:00-08:00, inside Sam's 09:00-11:00.
    notification_preference_update(
        user=student, quiet_hours_start=time(9), quiet_hours_end=time(11)
    )

    with django_capture_on_commit_callbacks(execute=True):
        mark_held(student=student, interview=meeting)

    row = _start_row(meeting)
    assert (row.status, row.due_at) == (Sent.PENDING, _utc(2026, 3, 3, 16, 0))
    assert mailoutbox == []


def test_a_persons_own_window_lets_a_reminder_go_in_the_offices(
    student, office, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    _quiet(office, time(9), time(11))
    notification_preference_update(
        user=student, quiet_hours_start=time(23), quiet_hours_end=time(6)
    )

    with django_capture_on_commit_callbacks(execute=True):
        mark_held(student=student, interview=meeting)

    assert _start_row(meeting).status == Sent.SENT
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("at", "until"),
    [
        # Sam's 22:00-06:30 in New York. 23:00 EST on Saturday 7 March; the clocks
        # go forward at 02:00: the window ends at 06:30 EDT (10:30 UTC).
        (_utc(2026, 3, 8, 4, 0), _utc(2026, 3, 8, 10, 30)),
        # 23:00 EDT on Saturday 31 October; the clocks go back at 02:00: 06:30 EST.
        (_utc(2026, 11, 1, 3, 0), _utc(2026, 11, 1, 11, 30)),
        # 07:00 EDT after the change: outside.
        (_utc(2026, 3, 8, 11, 0), None),
    ],
)
def test_the_reminder_guard_keeps_ones_own_window_across_the_clock_changes(
    student, meeting, time_machine, at, until
):
    notification_preference_update(
        user=student, quiet_hours_start=time(22), quiet_hours_end=time(6, 30)
    )
    mark_held(student=student, interview=meeting)
    row = _start_row(meeting)
    time_machine.move_to(at, tick=False)

    verdict = guard_recipient(row)

    assert (verdict.action, verdict.until) == (("defer", until) if until else ("send", None))


def test_an_advisors_comment_waits_out_the_students_own_window(
    student, advisor, office_admin, office
):
    notification_preference_update(
        user=student, quiet_hours_start=time(9), quiet_hours_end=time(11)
    )
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    student_profile_set(
        student,
        programme="Economics",
        graduation_year=2027,
        pitch="I study economics and want to work in health care.",
    )
    comment_thread_start(
        advisor=advisor, student=student, on="pitch", interview_id=None, body="Lead with it."
    )
    row = OutboundEmail.objects.select_related("recipient").get(kind="advising/comment")

    verdict = guard_comment(row)

    assert (verdict.action, verdict.until) == ("defer", _utc(2026, 3, 3, 16, 0))


def test_the_email_settings_page_saves_ones_own_window_and_names_it(student, login_as):
    browser = login_as(student)

    saved = browser.post(
        "/settings/notifications/",
        {"thank_you": "on", "delivery": "single", "quiet_hours": "on",
         "quiet_hours_start": "23:00", "quiet_hours_end": "09:30"},
    )  # fmt: skip
    page = browser.get("/settings/notifications/")

    assert saved.status_code == 302
    assert notification_preference_for_delivery(user=student)[1:] == (time(23), time(9, 30))
    assert page.context["form"].fields["quiet_hours"].label == QUIET_LABEL.format("23:00", "09:30")
    assert 'value="23:00"' in page.content.decode()
    assert "Leave both empty for your office's hours, 21:00 to 08:00." in html.unescape(
        page.content.decode()
    )


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("23:00", "", "quiet_hours_end", "Give both a start and an end, or leave both empty"),
        ("", "07:00", "quiet_hours_start", "Give both a start and an end, or leave both empty"),
        ("07:00", "07:00", "quiet_hours_end", "Quiet hours must end at another time"),
        ("25:00", "07:00", "quiet_hours_start", "Enter a time as HH:MM on a 24-hour clock"),
    ],
)
def test_the_email_settings_page_refuses_a_bad_own_window(
    student, login_as, start, end, field, message
):
    response = login_as(student).post(
        "/settings/notifications/",
        {"thank_you": "on", "delivery": "digest", "quiet_hours": "on",
         "quiet_hours_start": start, "quiet_hours_end": end},
    )  # fmt: skip

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert notification_preference_for_delivery(user=student)[0].pk is None

"""Who gets which reminder, and when: preferences, the daily digest, quiet hours in
the recipient's zone (across daylight-saving changes), and one-click unsubscribe."""

import base64
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_send_due
from apps.followups import reminders, services
from apps.followups.enums import Delivery, Topic
from apps.followups.models import NotificationPreference
from apps.followups.notifications import (
    notification_preference_get,
    notification_preference_update,
    quiet_hours_end,
    unsubscribe_token,
    unsubscribe_token_user,
)
from tests.factories.interviews import mark_held
from tests.followups.conftest import NOW

pytestmark = pytest.mark.django_db

Sent = OutboundEmail.Status


def _start_row(meeting) -> OutboundEmail:
    return OutboundEmail.objects.get(dedupe_key=f"thanks:{meeting.pk}:start")


def _held(student, meeting, capture):
    with capture(execute=True):
        return mark_held(student=student, interview=meeting)


# --- Preferences --------------------------------------------------------------------


def test_preferences_default_to_everything_on_single_emails_and_quiet_hours(student):
    preference = notification_preference_get(user=student)

    assert preference.pk is None
    assert (
        preference.thank_you,
        preference.keep_in_touch,
        preference.meeting,
        preference.requests,
        preference.delivery,
        preference.quiet_hours,
    ) == (True, True, True, True, Delivery.SINGLE, True)


def test_a_topic_switched_off_cancels_its_reminders(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preference_update(user=student, thank_you=False)

    _held(student, meeting, django_capture_on_commit_callbacks)

    row = _start_row(meeting)
    assert (row.status, row.last_error) == (Sent.CANCELLED, "unsubscribed")
    assert mailoutbox == []


def test_another_topic_switched_off_changes_nothing(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preference_update(user=student, keep_in_touch=False, meeting=False)

    _held(student, meeting, django_capture_on_commit_callbacks)

    assert _start_row(meeting).status == Sent.SENT
    assert len(mailoutbox) == 1


def test_an_inactive_account_gets_no_reminders(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    followup = mark_held(student=student, interview=meeting)
    User.objects.filter(pk=student.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        from apps.core.outbox import outbox_dispatch

        outbox_dispatch(_start_row(meeting).pk)

    assert followup.pk is not None
    row = _start_row(meeting)
    assert (row.status, row.last_error) == (Sent.CANCELLED, "inactive")
    assert mailoutbox == []


def test_transactional_emails_ignore_preferences_and_quiet_hours(
    student, alumni, meeting, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preference_update(user=alumni, meeting=False, requests=False)
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    # 23:00 in New York.
    time_machine.move_to(datetime(2026, 3, 4, 4, 0, tzinfo=UTC), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.followup_thank_you_send(
            student=student, followup=followup, subject="Thank you", body="Thanks, Alex."
        )

    assert [m.to for m in mailoutbox] == [["alex@alumni.test"]]


# --- The daily digest ---------------------------------------------------------------


def test_digest_readers_get_no_single_reminders(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preference_update(user=student, delivery=Delivery.DIGEST)

    _held(student, meeting, django_capture_on_commit_callbacks)

    row = _start_row(meeting)
    assert (row.status, row.last_error) == (Sent.CANCELLED, "digest")
    assert mailoutbox == []


def test_daily_digest_at_eight_local_lists_what_is_due_once(
    student, meeting, time_machine, mailoutbox
):
    notification_preference_update(user=student, delivery=Delivery.DIGEST)
    mark_held(student=student, interview=meeting)
    # Wednesday 4 March: 07:59 and then 08:00 in New York.
    time_machine.move_to(datetime(2026, 3, 4, 12, 59, tzinfo=UTC), tick=False)
    early = reminders.digests_create()
    time_machine.move_to(datetime(2026, 3, 4, 13, 0, tzinfo=UTC), tick=False)
    made = reminders.digests_create()
    again = reminders.digests_create()
    delivered = outbox_send_due()

    assert (early, made, again) == (0, 1, 0)
    # The start and last-call reminders were due; the lapse is not yet.
    assert delivered == {"cancelled": 2, "sent": 1}
    digest = OutboundEmail.objects.get(kind="followups/digest")
    assert (digest.dedupe_key, digest.status, digest.sent_at) == (
        f"digest:{student.pk}:2026-03-04",
        Sent.SENT,
        datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
    )
    [message] = mailoutbox
    assert message.subject == "Your Fieldnotes reminders for today"
    assert "Follow-ups due:\n- Thank Alex Alumni, by 09:45\n" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_digest_when_nothing_is_due(student, time_machine):
    notification_preference_update(user=student, delivery=Delivery.DIGEST)
    time_machine.move_to(datetime(2026, 3, 4, 13, 0, tzinfo=UTC), tick=False)

    assert reminders.digests_create() == 0


def test_digest_for_a_volunteer_lists_meetings_and_waiting_requests(
    alumni, volunteer, student, student2, time_machine, mailoutbox
):
    from apps.interviews import services as interview_services
    from tests.factories.interviews import InterviewFactory

    notification_preference_update(user=alumni, delivery=Delivery.DIGEST)
    InterviewFactory(
        student=student,
        volunteer=volunteer,
        starts_at=datetime(2026, 3, 4, 19, 0, tzinfo=UTC),
        location="Café Nord",
    )
    interview_services.interview_request_volunteer(
        student=student2, volunteer=volunteer, message="Could we talk for 15 minutes?"
    )
    time_machine.move_to(datetime(2026, 3, 4, 13, 5, tzinfo=UTC), tick=False)

    reminders.digests_create()
    outbox_send_due()

    [message] = [m for m in mailoutbox if m.subject == "Your Fieldnotes reminders for today"]
    assert message.to == ["alex@alumni.test"]
    assert "Meetings in the next 24 hours:\n- Sam Student, Wednesday 14:00, Café Nord\n" in (
        message.body
    )
    assert "Requests waiting for your answer:\n- Priya Patel, asked on 3 March\n" in message.body


# --- Quiet hours --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "zone", "until"),
    [
        # 10:00 and 20:59 in New York: not quiet.
        (datetime(2026, 3, 3, 15, 0, tzinfo=UTC), "America/New_York", None),
        (datetime(2026, 3, 4, 1, 59, tzinfo=UTC), "America/New_York", None),
        # 21:00 and 07:59: the next 08:00.
        (
            datetime(2026, 3, 4, 2, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 3, 4, 12, 59, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
        ),
        (datetime(2026, 3, 4, 13, 0, tzinfo=UTC), "America/New_York", None),
        # 23:00 EST on Saturday 7 March; clocks go forward that night: 08:00 EDT.
        (
            datetime(2026, 3, 8, 4, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
        ),
        # 23:00 EDT on Saturday 31 October; clocks go back that night: 08:00 EST.
        (
            datetime(2026, 11, 1, 3, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 11, 1, 13, 0, tzinfo=UTC),
        ),
        # London, the night the clocks go forward (29 March 2026): 08:00 BST.
        (
            datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
            "Europe/London",
            datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        ),
        # Kolkata, half an hour off UTC.
        (
            datetime(2026, 3, 3, 20, 0, tzinfo=UTC),
            "Asia/Kolkata",
            datetime(2026, 3, 4, 2, 30, tzinfo=UTC),
        ),
    ],
)
def test_quiet_hours_end_at_the_next_eight_oclock_local(at, zone, until):
    assert quiet_hours_end(at=at, time_zone=zone) == until


def test_a_reminder_due_at_eleven_at_night_before_the_clocks_change_goes_at_eight(
    student, meeting, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    # Saturday 7 March, 22:15 to 22:45 EST: marked held at 23:00 EST.
    eleven_pm = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    time_machine.move_to(eleven_pm, tick=False)
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=eleven_pm - timedelta(minutes=45))
    meeting.refresh_from_db()

    _held(student, meeting, django_capture_on_commit_callbacks)
    deferred = _start_row(meeting)
    time_machine.move_to(datetime(2026, 3, 8, 11, 59, tzinfo=UTC), tick=False)
    too_early = outbox_send_due()
    time_machine.move_to(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), tick=False)
    morning = outbox_send_due()

    assert (deferred.status, deferred.due_at) == (
        Sent.PENDING,
        datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
    )
    assert (too_early, morning) == ({}, {"sent": 1})
    sent = _start_row(meeting)
    assert sent.sent_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    assert sent.sent_at.astimezone(ZoneInfo("America/New_York")).hour == 8
    assert [m.subject for m in mailoutbox] == ["Send your thank-you to Alex Alumni within 24 hours"]


def test_quiet_hours_can_be_switched_off(
    student, meeting, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preference_update(user=student, quiet_hours=False)
    eleven_pm = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
    time_machine.move_to(eleven_pm, tick=False)
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=eleven_pm - timedelta(minutes=45))
    meeting.refresh_from_db()

    _held(student, meeting, django_capture_on_commit_callbacks)

    assert _start_row(meeting).status == Sent.SENT
    assert len(mailoutbox) == 1


# --- Unsubscribe --------------------------------------------------------------------


def test_every_reminder_carries_list_unsubscribe_headers_and_a_footer_link(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    _held(student, meeting, django_capture_on_commit_callbacks)

    [message] = mailoutbox
    # Each link is encrypted afresh: read it from the email and check what it opens.
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://127.0.0.1:8000/u/")
    token = url.removeprefix("http://127.0.0.1:8000/u/").rstrip("/")
    assert unsubscribe_token_user(token) == (student, Topic.THANK_YOU)
    assert message.extra_headers == {
        "Message-ID": f"<outbox-{_start_row(meeting).pk}.thanks.{meeting.pk}.start@fieldnotes>",
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert message.message()["List-Unsubscribe"] == f"<{url}>"
    assert f"Unsubscribe (one click, no sign-in): {url}" in message.body
    assert f'href="{url}"' in message.alternatives[0][0]
    assert "http://127.0.0.1:8000/settings/notifications/" in message.body


def test_unsubscribe_link_works_without_signing_in(student, nobody):
    url = reverse("unsubscribe", args=[unsubscribe_token(user_id=student.pk, topic="thank_you")])

    page = nobody.get(url)
    unchanged = NotificationPreference.objects.filter(user=student).exists()
    done = nobody.post(url)

    assert page.status_code == 200
    assert "Thank-you reminders" in page.content.decode()
    # Whoever holds the link does not learn whose account it is.
    assert "sam@northfield.test" not in page.content.decode()
    assert "sam@northfield.test" not in done_text(nobody.get(url))
    assert unchanged is False
    assert done.status_code == 200
    assert "Unsubscribed" in done.content.decode()
    preference = NotificationPreference.objects.get(user=student)
    assert (preference.thank_you, preference.keep_in_touch, preference.meeting) == (
        False,
        True,
        True,
    )


def done_text(response) -> str:
    return response.content.decode()


def test_the_link_carries_no_readable_user_id_or_topic(student):
    token = unsubscribe_token(user_id=student.pk, topic="thank_you")

    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    assert b"thank_you" not in decoded
    assert f"[{student.pk}," not in decoded.decode("latin-1")
    assert unsubscribe_token(user_id=student.pk, topic="thank_you") != token  # fresh each time


def test_an_expired_link_says_so_and_changes_nothing(student, nobody, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
    url = reverse("unsubscribe", args=[unsubscribe_token(user_id=student.pk, topic="thank_you")])

    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(days=179))
    still = nobody.get(url)
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(days=181))
    page = nobody.get(url)
    posted = nobody.post(url)
    one_click = nobody.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert still.status_code == 200
    assert page.status_code == posted.status_code == one_click.status_code == 400
    assert "This unsubscribe link has expired" in page.content.decode()
    assert not NotificationPreference.objects.filter(user=student).exists()


@pytest.mark.parametrize("token", ["not-a-token", "gAAAAA" + "x" * 80, "a" * 300])
def test_a_link_that_is_not_ours_is_refused(token, nobody, student):
    page = nobody.get(reverse("unsubscribe", args=[token]))

    assert page.status_code == 400
    assert "This unsubscribe link is not valid" in page.content.decode()


def test_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token(student):
    client = Client(enforce_csrf_checks=True)
    url = reverse("unsubscribe", args=[unsubscribe_token(user_id=student.pk, topic="meeting")])

    response = client.post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=student).meeting is False


def test_the_confirmation_form_is_csrf_protected(student):
    client = Client(enforce_csrf_checks=True)
    url = reverse("unsubscribe", args=[unsubscribe_token(user_id=student.pk, topic="meeting")])

    forged = client.post(url)
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    confirmed = client.post(url, {"csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert confirmed.status_code == 200
    assert NotificationPreference.objects.get(user=student).meeting is False


def test_the_digests_link_switches_every_reminder_off(student, nobody):
    url = reverse("unsubscribe", args=[unsubscribe_token(user_id=student.pk, topic="all")])

    nobody.post(url)

    preference = NotificationPreference.objects.get(user=student)
    assert (
        preference.thank_you,
        preference.keep_in_touch,
        preference.meeting,
        preference.requests,
    ) == (False, False, False, False)


def _tampered(token: str) -> str:
    """The token with one character of its MAC changed. (Its last two characters
    replaced by "xx" decoded to the same bytes once in 256 runs: the final base64
    character's low bits are ignored, so the test failed at random.)"""
    at = len(token) - 10
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


@pytest.mark.parametrize(
    "token",
    [
        lambda user: _tampered(unsubscribe_token(user_id=user.pk, topic="meeting")),
        lambda user: signing.dumps([user.pk, "meeting"], salt="another.purpose"),
        lambda user: unsubscribe_token(user_id=user.pk, topic="nonsense"),
        lambda user: unsubscribe_token(user_id=999999, topic="meeting"),
        lambda user: "not-a-token",
    ],
    ids=["tampered", "other-salt", "unknown-topic", "unknown-user", "garbage"],
)
def test_a_bad_unsubscribe_token_changes_nothing(student, nobody, token):
    url = reverse("unsubscribe", args=[token(student)])

    page = nobody.get(url)
    posted = nobody.post(url)
    one_click = nobody.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert (page.status_code, posted.status_code, one_click.status_code) == (400, 400, 400)
    assert NotificationPreference.objects.exists() is False


def test_unsubscribing_cancels_reminders_already_waiting(
    student, meeting, nobody, django_capture_on_commit_callbacks, time_machine
):
    _held(student, meeting, django_capture_on_commit_callbacks)
    nobody.post(
        reverse("unsubscribe", args=[unsubscribe_token(user_id=student.pk, topic="thank_you")])
    )
    time_machine.move_to(NOW + timedelta(hours=24), tick=False)

    assert outbox_send_due() == {"cancelled": 2}


# --- The settings page --------------------------------------------------------------


def test_settings_page_saves_preferences(login_as, student):
    browser = login_as(student)

    page = browser.get(reverse("notification_settings"))
    saved = browser.post(
        reverse("notification_settings"),
        {"thank_you": "on", "meeting": "on", "delivery": "digest", "quiet_hours": "on"},
    )

    assert page.status_code == 200
    assert list(page.context["form"].fields) == [
        "thank_you",
        "keep_in_touch",
        "meeting",
        "comments",
        "delivery",
        "quiet_hours",
        "quiet_hours_start",
        "quiet_hours_end",
    ]
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user=student)
    assert (
        preference.thank_you,
        preference.keep_in_touch,
        preference.meeting,
        preference.comments,
        preference.delivery,
        preference.quiet_hours,
    ) == (True, False, True, False, Delivery.DIGEST, True)


def test_volunteers_choose_meeting_and_request_reminders(login_as, alumni):
    browser = login_as(alumni)

    page = browser.get(reverse("notification_settings"))
    browser.post(reverse("notification_settings"), {"meeting": "on", "delivery": "single"})

    assert list(page.context["form"].fields) == [
        "meeting",
        "requests",
        "delivery",
        "quiet_hours",
        "quiet_hours_start",
        "quiet_hours_end",
    ]
    preference = NotificationPreference.objects.get(user=alumni)
    assert (preference.meeting, preference.requests, preference.quiet_hours) == (
        True,
        False,
        False,
    )


def test_settings_page_needs_a_signed_in_member(nobody):
    response = nobody.get(reverse("notification_settings"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

"""Unanswered requests run through the engine: the nudge and the expiry come from
its sweep, the nudge is a reminder (preferences, quiet hours, unsubscribe)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_send_due
from apps.followups import reminders
from apps.followups.enums import Topic
from apps.followups.notifications import notification_preference_update, unsubscribe_token_user
from apps.followups.tasks import followups_requests_sweep
from apps.interviews import services as interview_services
from apps.interviews.enums import State
from apps.interviews.models import Interview
from config.celery_schedule import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

MESSAGE = "Could you spare 15 minutes to tell me how you got into consulting?"
Sent = OutboundEmail.Status


@pytest.fixture
def requested(student, volunteer):
    interview = interview_services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=MESSAGE
    )
    Interview.objects.filter(pk=interview.pk).update(
        requested_at=timezone.now() - timedelta(days=8)
    )
    return interview


def _nudges():
    return list(
        OutboundEmail.objects.filter(kind="interviews/request_nudge").values_list(
            "status", "last_error"
        )
    )


def test_beat_runs_requests_through_the_follow_ups_engine():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}

    assert "apps.interviews.tasks.interview_requests_sweep" not in tasks
    # Nothing polls the interviews app: it announces what happened (apps.core.events).
    assert "apps.followups.tasks.followups_keep_in_touch_reconcile" not in tasks
    assert {
        "apps.followups.tasks.followups_requests_sweep",
        "apps.followups.tasks.followups_reminders_sweep",
        "apps.followups.tasks.followups_digest_sweep",
        "apps.core.tasks.outbox_sweep",
    } <= tasks


def test_sweep_nudges_and_expires_once_with_an_unsubscribe_link(
    requested, student2, volunteer, alumni, settings, django_capture_on_commit_callbacks,
    mailoutbox,
):  # fmt: skip
    settings.CELERY_TASK_ALWAYS_EAGER = True
    lapsing = interview_services.interview_request_volunteer(
        student=student2, volunteer=volunteer, message=MESSAGE
    )
    Interview.objects.filter(pk=lapsing.pk).update(
        requested_at=timezone.now() - timedelta(days=15),
        nudged_at=timezone.now() - timedelta(days=7),
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = followups_requests_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        again = followups_requests_sweep()

    assert first == {"nudges": 1, "expiries": 1}
    assert again == {"nudges": 0, "expiries": 0}
    lapsing.refresh_from_db()
    assert lapsing.state == State.EXPIRED
    assert _nudges() == [(Sent.SENT, "")]
    [nudge] = [m for m in mailoutbox if m.to == ["alex@alumni.test"]]
    url = nudge.extra_headers["List-Unsubscribe"].strip("<>")
    token = url.removeprefix("http://127.0.0.1:8000/u/").rstrip("/")
    assert unsubscribe_token_user(token) == (alumni, Topic.REQUESTS)
    assert nudge.subject == "A reminder: Sam Student is waiting for your answer"
    assert nudge.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert nudge.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Unsubscribe (one click, no sign-in): {url}" in nudge.body
    assert f'href="{url}"' in nudge.alternatives[0][0]
    assert nudge.alternatives[0][0].rstrip().endswith("</html>")
    [expired] = [m for m in mailoutbox if m.to == ["priya@northfield.test"]]
    assert "List-Unsubscribe" not in expired.extra_headers


def test_a_volunteer_who_turned_request_reminders_off_gets_no_nudge(
    requested, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    notification_preference_update(user=alumni, requests=False)

    with django_capture_on_commit_callbacks(execute=True):
        nudged = reminders.request_nudge(interview_id=requested.pk)

    assert nudged is True
    assert _nudges() == [(Sent.CANCELLED, "unsubscribed")]
    assert [m for m in mailoutbox if m.to == ["alex@alumni.test"]] == []


def test_a_nudge_at_night_waits_for_the_volunteers_morning(
    requested, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    # 22:30 in New York.
    time_machine.move_to(datetime(2026, 3, 4, 3, 30, tzinfo=UTC), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.request_nudge(interview_id=requested.pk)

    row = OutboundEmail.objects.get(kind="interviews/request_nudge")
    assert (row.status, row.due_at) == (Sent.PENDING, datetime(2026, 3, 4, 13, 0, tzinfo=UTC))


def test_a_nudge_for_a_request_answered_meanwhile_is_dropped(
    requested, alumni, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    time_machine.move_to(datetime(2026, 3, 4, 3, 30, tzinfo=UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.request_nudge(interview_id=requested.pk)
    interview_services.interview_decline(user=alumni, interview=requested, note="Too busy")
    time_machine.move_to(datetime(2026, 3, 4, 13, 0, tzinfo=UTC), tick=False)

    outbox_send_due()

    assert _nudges() == [(Sent.CANCELLED, "request answered")]

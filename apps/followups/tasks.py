"""Periodic work of the follow-ups engine (scheduled in config/celery_schedule.py).

The sweeps create outbox rows; the outbox sweep delivers them. Nothing here sleeps
until a time or uses ETA tasks: every run looks at the database and does what is
due, so a missed or repeated run is harmless.
"""

from celery import shared_task

from apps.followups import reminders
from apps.interviews import selectors as interview_selectors


@shared_task(ignore_result=True)
def followups_reminders_sweep() -> dict:
    """Every few minutes: meeting reminders for the next day, and check-ins that came
    due."""
    return {
        "meetings": reminders.meeting_reminders_create(),
        "checkins": reminders.checkin_reminders_create(),
    }


@shared_task(ignore_result=True)
def followups_digest_sweep() -> int:
    return reminders.digests_create()


@shared_task(ignore_result=True)
def followups_requests_sweep() -> dict:
    """Unanswered requests: one nudge after the office's nudge days, and expiry after
    two weeks. One task per request; each claims its row, so a repeated sweep
    does nothing twice."""
    nudges = interview_selectors.interviews_due_for_nudge()
    expiries = interview_selectors.interviews_due_for_expiry()
    for pk in nudges:
        followups_request_nudge_task.delay(pk)
    for pk in expiries:
        followups_request_expire_task.delay(pk)
    return {"nudges": len(nudges), "expiries": len(expiries)}


@shared_task(ignore_result=True)
def followups_request_nudge_task(interview_id: int) -> bool:
    return reminders.request_nudge(interview_id=interview_id)


@shared_task(ignore_result=True)
def followups_request_expire_task(interview_id: int) -> bool:
    return reminders.request_expire(interview_id=interview_id)

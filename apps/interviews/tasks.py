"""Periodic work of the interviews app: nudge and expire unanswered requests.

The sweep finds due rows in the database and fans out one task per row (never ETA
or countdown tasks, which a broker can lose or run twice); each task claims its row
so a repeated sweep does nothing twice. The follow-ups engine will fold these in.
"""

from celery import shared_task

from apps.interviews import services


@shared_task
def interview_requests_sweep() -> dict:
    nudges = services.interviews_due_for_nudge()
    expiries = services.interviews_due_for_expiry()
    for pk in nudges:
        interview_nudge_task.delay(pk)
    for pk in expiries:
        interview_expire_task.delay(pk)
    return {"nudges": len(nudges), "expiries": len(expiries)}


@shared_task
def interview_nudge_task(interview_id: int) -> None:
    services.interview_nudge(interview_id=interview_id)


@shared_task
def interview_expire_task(interview_id: int) -> None:
    services.interview_expire(interview_id=interview_id)

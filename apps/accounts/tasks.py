"""Periodic work of the accounts app (scheduled in config/celery_schedule.py)."""

from celery import shared_task

from apps.accounts import services


@shared_task(ignore_result=True)
def accounts_invitation_reminders_sweep() -> int:
    """Invitations unanswered a week after their link was sent: one reminder each,
    queued in the outbox. Safe to run twice or at once (see the service)."""
    return services.invitation_reminders_create()

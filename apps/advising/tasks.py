"""Background work of the advising app. Tasks are queued by name."""

from celery import current_app, shared_task
from django.utils import timezone

from apps.advising import digest, rights, services_import
from apps.advising.models import PeopleImport

# A run hands over to a fresh task after this long, well inside the worker's
# time limit (CELERY_TASK_TIME_LIMIT), whatever the size of the file.
RUN_BUDGET_SECONDS = 60


@shared_task
def people_import_run(import_id: int) -> None:
    """Send a confirmed people import's invitations and make its assignments."""
    if not PeopleImport.objects.filter(pk=import_id).exists():
        return
    more = services_import.people_import_run(import_id=import_id, budget_seconds=RUN_BUDGET_SECONDS)
    if more:
        current_app.send_task(services_import.RUN_TASK, args=[import_id])


@shared_task(ignore_result=True)
def advising_digest_sweep() -> int:
    """The advisors' weekly digests that are due (Monday 08:00 in each one's zone)."""
    return digest.advisor_digests_create()


@shared_task(ignore_result=True)
def people_imports_discard_unconfirmed() -> int:
    """Delete the people-import previews nobody confirmed within a week."""
    return services_import.people_import_discard_unconfirmed(now=timezone.now())


@shared_task(ignore_result=True)
def account_erase(user_id: int, reason: str) -> bool:
    """Erase one account (a deletion request past its grace period)."""
    return rights.account_erase(user_id=user_id, reason=reason)


@shared_task(ignore_result=True)
def data_rights_sweep() -> dict:
    """Nightly: deletion requests past their grace period, one task each; then each
    office's retention period (warn unused accounts, erase those warned 30 days ago
    and still unused)."""
    due = list(rights.erasures_due().values_list("pk", flat=True))
    for user_id in due:
        current_app.send_task(
            "apps.advising.tasks.account_erase", args=[user_id, "asked for; grace period over"]
        )
    return {"requests": len(due), **rights.retention_sweep()}

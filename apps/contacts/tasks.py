"""Background work of the contacts app."""

from celery import shared_task
from django.utils import timezone

from apps.accounts.models import Office
from apps.contacts import transfer
from apps.contacts.models import ContactImport
from apps.contacts.volunteers import volunteer_search_rebuild


@shared_task
def contact_import_run(import_id: int) -> None:
    """Import a confirmed CSV too large to import during the request."""
    # Only the id: the stored rows can be a megabyte, and the service reads them once.
    contact_import = ContactImport.objects.filter(pk=import_id).only("pk").first()
    if contact_import is None:
        return
    transfer.contact_import_run(import_id=contact_import.pk)


@shared_task
def volunteer_search_rebuild_all() -> int:
    """Refresh every office's directory search text. Names and field names are
    edited in apps to the left of contacts (accounts, students), which cannot call
    into it; this periodic rebuild brings the search up to date within the hour."""
    return sum(
        volunteer_search_rebuild(office_id=pk) for pk in Office.objects.values_list("pk", flat=True)
    )


@shared_task(ignore_result=True)
def contact_imports_discard_unconfirmed() -> int:
    """Delete the contact-import previews nobody confirmed within a week."""
    return transfer.contact_import_discard_unconfirmed(now=timezone.now())

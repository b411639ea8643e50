"""Reads for data rights: the office admin's pending deletion requests."""

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.enums import Role
from apps.accounts.models import User

# Who may export and ask for deletion: the people whose data it is. Staff accounts
# are the office's to deactivate.
OWN_DATA_ROLES = (Role.STUDENT, Role.ALUMNI)


def erasure_requests_for_admin(*, admin) -> QuerySet[User]:
    """The admin's office's pending deletion requests, oldest (soonest due) first."""
    return User.objects.filter(
        office_id=admin.office_id,
        role__in=OWN_DATA_ROLES,
        erasure_requested_at__isnull=False,
        erased_at__isnull=True,
    ).order_by("erasure_requested_at", "pk")


def erasure_request_for_admin(*, admin, pk: int) -> User:
    """One pending request of the admin's office; anyone else's is a 404."""
    user = erasure_requests_for_admin(admin=admin).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user

"""Reads. Every function that takes a user returns only what that user's office holds."""

from django.db.models import Q, QuerySet
from django.http import Http404

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Invitation, Office, User, token_digest


def office_get_open_for_volunteers(*, slug: str) -> Office:
    office = Office.objects.filter(slug=slug, accepts_volunteers=True).first()
    if office is None:
        raise Http404
    return office


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The invitation a token belongs to, usable or not; None for an unknown token."""
    return (
        Invitation.objects.select_related("office", "invited_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


def invitation_list_for_admin(*, admin: User) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(office_id=admin.office_id)
        .select_related("invited_by", "accepted_by")
        .order_by("-created_at")
    )


def member_list_for_admin(*, admin: User) -> QuerySet[User]:
    return User.objects.filter(office_id=admin.office_id).order_by("role", "full_name")


def volunteer_list_pending(*, admin: User) -> QuerySet[User]:
    return User.objects.filter(
        office_id=admin.office_id, role=Role.ALUMNI, approval=Approval.PENDING
    ).order_by("date_joined")


def member_get_for_admin(*, admin: User, pk: int) -> User:
    member = User.objects.filter(office_id=admin.office_id, pk=pk).first()
    if member is None:
        raise Http404
    return member


def user_email_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def outbox_failed_for_admin(*, admin) -> QuerySet:
    """Emails to people of the admin's office that could not be delivered."""
    from apps.core.models import OutboundEmail

    return (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED)
        .filter(Q(recipient__office_id=admin.office_id) | Q(office_id=admin.office_id))
        .select_related("recipient")
        .only(
            "pk",
            "dedupe_key",
            "kind",
            "subject",
            "to",
            "attempts",
            "last_error",
            "due_at",
            "created_at",
            "recipient__full_name",
            "recipient__email",
        )
        .order_by("-created_at")
    )

"""Reads. Every function that takes a user returns only what that user's office holds."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Invitation, Office, OfficeSignOn, User, token_digest
from apps.core.models import choice_label
from apps.core.versions import version_read


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
        .order_by("-created_at", "-pk")
    )


INVITATION_PENDING = "pending"
INVITATION_ACCEPTED = "accepted"
INVITATION_EXPIRED = "expired"
INVITATION_REVOKED = "revoked"


def invitation_status_filter(status: str, *, now: datetime) -> Q:
    """The invitations in one status, as Invitation.status names it (accepted wins
    over revoked, revoked over expired)."""
    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    return {
        INVITATION_PENDING: open_ & Q(expires_at__gt=now),
        INVITATION_ACCEPTED: Q(accepted_at__isnull=False),
        INVITATION_REVOKED: Q(accepted_at__isnull=True, revoked_at__isnull=False),
        INVITATION_EXPIRED: open_ & Q(expires_at__lte=now),
    }[status]


def invitation_search_for_admin(
    *, admin: User, status: str = "", email: str = "", now: datetime | None = None
) -> QuerySet[Invitation]:
    """The office's invitations, newest first, in one status and/or whose address
    contains `email`."""
    qs = invitation_list_for_admin(admin=admin)
    if status:
        qs = qs.filter(invitation_status_filter(status, now=now or timezone.now()))
    if email.strip():
        qs = qs.filter(email__icontains=email.strip())
    return qs


def invitation_get_for_admin(*, admin: User, pk: int) -> Invitation:
    invitation = Invitation.objects.filter(office_id=admin.office_id, pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def member_list_for_admin(*, admin: User) -> QuerySet[User]:
    return User.objects.filter(office_id=admin.office_id).order_by("role", "full_name")


# The people list's role and status filters.
ROLE_ADMIN = "admin"
STATUS_ACTIVE = "active"
STATUS_AWAITING = "awaiting"
STATUS_NOT_APPROVED = "not_approved"
STATUS_DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class MemberQuery:
    """What an office admin asked of the people list (validated by its form)."""

    search: str = ""
    role: str = ""
    status: str = ""


def member_search_for_admin(*, admin: User, query: MemberQuery) -> QuerySet[User]:
    """The office's members matching a search (name or email) and the role and
    status filters, unordered: the caller adds what it needs and orders."""
    qs = User.objects.filter(office_id=admin.office_id)
    if query.search:
        qs = qs.filter(Q(full_name__icontains=query.search) | Q(email__icontains=query.search))
    if query.role == ROLE_ADMIN:
        qs = qs.filter(is_office_admin=True)
    elif query.role:
        qs = qs.filter(role=query.role)
    if query.status == STATUS_DEACTIVATED:
        qs = qs.filter(is_active=False)
    elif query.status == STATUS_ACTIVE:
        qs = qs.filter(is_active=True, approval=Approval.APPROVED)
    elif query.status == STATUS_AWAITING:
        qs = qs.filter(is_active=True, approval=Approval.PENDING)
    elif query.status == STATUS_NOT_APPROVED:
        qs = qs.filter(is_active=True, approval=Approval.REJECTED)
    return qs


def member_counts_for_admin(*, admin: User) -> dict[str, int]:
    """Active members per role and the volunteers waiting for approval, in one
    aggregate query (the office's overview)."""
    active = Q(is_active=True)
    return User.objects.filter(office_id=admin.office_id).aggregate(
        student=Count("pk", filter=active & Q(role=Role.STUDENT)),
        alumni=Count("pk", filter=active & Q(role=Role.ALUMNI)),
        advisor=Count("pk", filter=active & Q(role=Role.ADVISOR)),
        pending=Count("pk", filter=Q(role=Role.ALUMNI, approval=Approval.PENDING)),
    )


# How long a version of an office's membership is remembered; a count cached under
# it (the People page's, the caseload's) lives a shorter while anyway.
MEMBERS_VERSION_SECONDS = 24 * 3600


def members_version_key(office_id: int) -> str:
    return f"office-members-version:{office_id}"


def members_version(*, office_id: int) -> str:
    """A token that changes whenever the office's membership changes (someone
    joins, is renamed, changes role, approval or activity, a student's programme
    or year, an advisor's assignments: accounts.services.members_changed). Counts
    over the office's members are cached under it, so a change shows at once."""
    return version_read(members_version_key(office_id), timeout=MEMBERS_VERSION_SECONDS)


def members_of_office(*, admin: User, ids) -> QuerySet[User]:
    """Those of `ids` who belong to the admin's office (the others are left out: the
    caller compares the counts)."""
    return User.objects.filter(office_id=admin.office_id, pk__in=ids)


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


def office_sign_on_get(*, office: Office) -> OfficeSignOn | None:
    return OfficeSignOn.objects.filter(office=office).first()


def office_sign_on_enabled(*, slug: str) -> OfficeSignOn | None:
    return (
        OfficeSignOn.objects.filter(office__slug=slug, enabled=True)
        .select_related("office")
        .first()
    )


def user_home_intro(*, user) -> dict:
    """The greeting on top of the student's and the volunteer's homes, in words:
    `welcome` and the `role`'s label (core.models.choice_label; get_role_display()
    rebuilds and translates the role's choices on every call)."""
    return {
        "welcome": _("Welcome, %(name)s") % {"name": user.get_short_name()},
        "role": choice_label(Role, user.role),
    }

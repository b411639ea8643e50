"""A person's account, for their data export, and the account's erasure (issue 11,
data rights). Called by advising.rights, which gathers every app's part."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.accounts.models import Invitation, User
from apps.accounts.services import members_changed
from apps.core.data_export import ExportTable

ACCOUNT_COLUMNS = [
    "id",
    "email",
    "full_name",
    "role",
    "office",
    "time_zone",
    "date_joined",
    "last_login",
    "last_activity_at",
    "erasure_requested_at",
    "two_factor",
]


def account_for_export(user) -> list[ExportTable]:
    def rows():
        yield {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role,
            "office": user.office.name if user.office_id else "",
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "last_activity_at": user.last_activity_at,
            "erasure_requested_at": user.erasure_requested_at,
            "two_factor": sorted(
                Authenticator.objects.filter(user=user).values_list("type", flat=True)
            ),
        }

    return [ExportTable("account", ACCOUNT_COLUMNS, rows, csv=False)]


def erased_name(role: str) -> str:
    return _("A former volunteer") if role == Role.ALUMNI else _("A former member")


def user_erase(user) -> bool:
    """Anonymise the account in place: name, address and password go, every sign-in
    route closes (sessions, whose hash the unusable password breaks; allauth's
    addresses; authenticators; social accounts), and it is deactivated. The row
    stays under its id so that the office's figures and the access log still count
    it, naming no one. False if it was erased already."""
    now = timezone.now()
    claimed = (
        User.objects.of_ids([user.pk])
        .filter(erased_at__isnull=True)
        .update(
            erased_at=now,
            email=f"erased-{user.pk}@erased.invalid",
            full_name=erased_name(user.role),
            password="!",
            is_active=False,
            is_staff=False,
            is_superuser=False,
            rejection_reason="",
            time_zone="UTC",
        )
    )
    if not claimed:
        return False
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        apps.get_model("socialaccount", "SocialAccount").objects.filter(user=user).delete()
    if apps.is_installed("allauth.usersessions"):
        apps.get_model("usersessions", "UserSession").objects.filter(user=user).delete()
    Invitation.objects.filter(accepted_by=user).update(email=f"erased-{user.pk}@erased.invalid")
    members_changed(office_id=user.office_id)
    user.refresh_from_db()
    return True

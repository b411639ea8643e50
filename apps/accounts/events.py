"""What the accounts services announce (apps.core.events), for the apps to the right
to react to in the same transaction. Each is announced after the change is saved.

Subscribers today (grep event_subscribe): advising assigns an invited student to the
advisor named on their invitation (a CSV import's advisor_email column), and writes
every OfficeAction to the office's audit trail (advising.AccessRecord).
"""

from dataclasses import dataclass

from apps.accounts.models import Invitation, User


@dataclass(frozen=True)
class InvitationAccepted:
    """Someone accepted an invitation (invitation_accept): `user` is their new
    account, and `invitation.accepted_by` is that user."""

    invitation: Invitation
    user: User


class OfficeActionKind:
    """What an office admin did to who may do what (the values are the audit
    trail's: advising.AccessRecord.What)."""

    INVITED = "invited"
    INVITATION_RESENT = "invitation_resent"
    INVITATION_REVOKED = "invitation_revoked"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    VOLUNTEER_APPROVED = "volunteer_approved"
    VOLUNTEER_DECLINED = "volunteer_declined"
    SETTINGS_CHANGED = "settings_changed"


@dataclass(frozen=True)
class OfficeAction:
    """An office admin changed who may do what: `subject_ids` are the accounts it
    was about (none for an invitation, whose address is the `detail`, or for the
    office's settings)."""

    actor: User
    kind: str
    subject_ids: tuple[int, ...] = ()
    detail: str = ""

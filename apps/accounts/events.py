"""What the accounts services announce (apps.core.events), for the apps to the right
to react to in the same transaction. Each is announced after the change is saved.

Subscribers today (grep event_subscribe): advising assigns an invited student to the
advisor named on their invitation (a CSV import's advisor_email column).
"""

from dataclasses import dataclass

from apps.accounts.models import Invitation, User


@dataclass(frozen=True)
class InvitationAccepted:
    """Someone accepted an invitation (invitation_accept): `user` is their new
    account, and `invitation.accepted_by` is that user."""

    invitation: Invitation
    user: User

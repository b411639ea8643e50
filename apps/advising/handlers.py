"""How advising reacts to what the accounts services announce (apps.core.events,
apps.accounts.events). Each handler runs in the announcing service's transaction:
a student who accepts an invitation naming an advisor is never left without the
assignment."""

from apps.accounts.events import InvitationAccepted, OfficeAction
from apps.advising.services import access_records
from apps.advising.services_import import assignment_from_invitation
from apps.core.events import event_subscribe


def on_invitation_accepted(event: InvitationAccepted) -> None:
    """The invitation named the student's advisor (a CSV import's advisor_email)."""
    assignment_from_invitation(invitation=event.invitation, user=event.user)


def on_office_action(event: OfficeAction) -> None:
    """An office admin changed who may do what: into the audit trail."""
    access_records(
        actor=event.actor,
        what=event.kind,
        subject_ids=event.subject_ids or [None],
        detail=event.detail,
    )


def register() -> None:
    """Called from AdvisingConfig.ready()."""
    event_subscribe(InvitationAccepted, on_invitation_accepted)
    event_subscribe(OfficeAction, on_office_action)

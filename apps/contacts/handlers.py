"""How contacts reacts to what the accounts services announce (apps.core.events,
apps.accounts.events). An office admin approving, declining, deactivating or
reactivating an account changes who is in the office's directory: the rankings
students' directory pages keep are retired (volunteers.directory_changed)."""

from apps.accounts.events import OfficeAction, OfficeActionKind
from apps.contacts.volunteers import directory_changed
from apps.core.events import event_subscribe

CHANGES_THE_DIRECTORY = {
    OfficeActionKind.DEACTIVATED,
    OfficeActionKind.REACTIVATED,
    OfficeActionKind.VOLUNTEER_APPROVED,
    OfficeActionKind.VOLUNTEER_DECLINED,
}


def on_office_action(event: OfficeAction) -> None:
    if event.kind in CHANGES_THE_DIRECTORY and event.actor.office_id is not None:
        directory_changed(office_id=event.actor.office_id)


def register() -> None:
    """Called from ContactsConfig.ready()."""
    event_subscribe(OfficeAction, on_office_action)

"""How the interviews app reacts to what the contacts services announce
(apps.core.events, apps.contacts.events), in the announcing service's transaction."""

from apps.contacts.events import ContactsMerging
from apps.core.events import event_subscribe
from apps.interviews.services.requests import interviews_move_to_contact


def on_contacts_merging(event: ContactsMerging) -> None:
    """The conversations with a merged contact, and the referrals that named them,
    carry on with the contact that stays."""
    interviews_move_to_contact(student=event.student, keep=event.keep, drop=event.drop)


def register() -> None:
    """Called from InterviewsConfig.ready()."""
    event_subscribe(ContactsMerging, on_contacts_merging)

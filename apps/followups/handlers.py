"""How the follow-ups engine reacts to what the interviews services announce
(apps.core.events, apps.interviews.events). Each handler runs in the announcing
service's transaction: a meeting is never held without its thank-you due, and a
contact's running check-in moves with the activity that moved their clock."""

from apps.contacts.events import ContactsMerging
from apps.core.events import event_subscribe
from apps.followups.services import (
    followups_move_to_contact,
    keep_in_touch_clock_moved,
    thank_you_start,
)
from apps.interviews.events import InterviewActivity, InterviewHeld, InterviewNotesSaved


def on_interview_held(event: InterviewHeld) -> None:
    """The thank-you becomes due, its reminders are queued, and check-ins with the
    contact start (or restart their clock)."""
    thank_you_start(interview=event.interview)


def on_interview_activity(event: InterviewActivity | InterviewNotesSaved) -> None:
    """A request, a message, an answer, a time agreed or moved, questions shared,
    notes written: the interviews service moved the contact's keep-in-touch clock
    (contacts.services.contact_record_interaction) if it was an interaction and the
    most recent one, and the running check-in follows it. A contact not met yet has
    no check-ins, and nothing happens."""
    contact = event.interview.contact
    if contact.last_interaction_at == event.at:
        keep_in_touch_clock_moved(contact=contact)


def on_contacts_merging(event: ContactsMerging) -> None:
    """What the student owes a merged contact, and what they logged with them, carry
    on with the contact that stays."""
    followups_move_to_contact(student=event.student, keep=event.keep, drop=event.drop)


def register() -> None:
    """Called from FollowupsConfig.ready()."""
    event_subscribe(InterviewHeld, on_interview_held)
    event_subscribe(InterviewActivity, on_interview_activity)
    event_subscribe(InterviewNotesSaved, on_interview_activity)
    event_subscribe(ContactsMerging, on_contacts_merging)

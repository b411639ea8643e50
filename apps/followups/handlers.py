"""How the follow-ups engine reacts to what the interviews services announce
(apps.core.events, apps.interviews.events). Each handler runs in the announcing
service's transaction: a meeting is never held without its thank-you due, and a
contact's keep-in-touch clock moves with the activity that moved it."""

from django.utils.translation import gettext as _

from apps.core.events import event_subscribe
from apps.followups.services import keep_in_touch_touch, thank_you_start
from apps.interviews.enums import EventKind
from apps.interviews.events import InterviewActivity, InterviewHeld, InterviewNotesSaved

# Timeline entries the system makes on its own: not a sign the student and the
# contact were in touch.
NOT_INTERACTIONS = frozenset({EventKind.CREATED, EventKind.NUDGED, EventKind.EXPIRED})


def on_interview_held(event: InterviewHeld) -> None:
    """The thank-you becomes due, its reminders are queued, and check-ins with the
    contact start (or restart their clock)."""
    thank_you_start(interview=event.interview)


def on_interview_activity(event: InterviewActivity) -> None:
    """A request, a message, an answer, a time agreed or moved, questions shared:
    the student was in touch with the contact, so the next check-in counts from now.
    A contact not met yet has no check-ins, and nothing happens."""
    if event.kind in NOT_INTERACTIONS:
        return
    keep_in_touch_touch(
        contact=event.interview.contact,
        at=event.at,
        what=str(EventKind(event.kind).label),
    )


def on_interview_notes_saved(event: InterviewNotesSaved) -> None:
    keep_in_touch_touch(contact=event.interview.contact, at=event.at, what=_("Notes updated"))


def register() -> None:
    """Called from FollowupsConfig.ready()."""
    event_subscribe(InterviewHeld, on_interview_held)
    event_subscribe(InterviewActivity, on_interview_activity)
    event_subscribe(InterviewNotesSaved, on_interview_notes_saved)

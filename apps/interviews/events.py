"""What the interviews services announce (apps.core.events), for the apps to the right
to react to in the same transaction. Each is announced after the change is saved.

The services move the contact's keep-in-touch clock themselves
(contacts.services.contact_record_interaction) before announcing. Subscribers today
(grep event_subscribe): the follow-ups engine starts the thank-you when a meeting is
held, and moves the running check-in with the contact's clock on any other activity.
"""

from dataclasses import dataclass
from datetime import datetime

from apps.interviews.models import Interview, InterviewEvent


@dataclass(frozen=True)
class InterviewHeld:
    """The student marked the meeting held (interview_complete): `held_at` is set."""

    interview: Interview


@dataclass(frozen=True)
class InterviewActivity:
    """Any other entry on an interview's timeline: requested, a message, accepted,
    declined, a time agreed or moved, cancelled, withdrawn, no-show, questions
    shared, a reply recorded, and the system's own (drafted, reminded, expired).
    `kind` is the InterviewEvent's kind."""

    interview: Interview
    kind: str
    at: datetime

    @classmethod
    def of(cls, event: InterviewEvent) -> "InterviewActivity":
        return cls(interview=event.interview, kind=event.kind, at=event.created_at)


@dataclass(frozen=True)
class InterviewNotesSaved:
    """The student saved quick notes or A.I.R. notes on the interview."""

    interview: Interview
    at: datetime

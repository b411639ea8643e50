"""A person's conversations, for their export, and their erasure (issue 11, data
rights). Called by advising.rights, which gathers every app's part.

Erasing keeps each interview as an anonymised fact (who asked, the state, when it
was requested, answered, held; the length and format), because the office's
figures count them; every word anyone wrote in it goes."""

from django.db.models import Q
from django.utils.translation import gettext

from apps.core.data_export import ExportTable
from apps.interviews.enums import State
from apps.interviews.models import (
    CalendarFeed,
    Interview,
    InterviewEvent,
    InterviewNotes,
    PreparedQuestion,
    Referral,
    TimeSlot,
)

INTERVIEW_COLUMNS = [
    "id",
    "as",
    "contact_id",
    "with",
    "state",
    "channel",
    "request_subject",
    "request_message",
    "job_ask_flagged",
    "job_ask_reason",
    "requested_at",
    "answered_at",
    "decline_note",
    "duration_minutes",
    "format",
    "location",
    "meeting_url",
    "starts_at",
    "cancel_reason",
    "held_at",
    "created_at",
]
NOTES_COLUMNS = [
    "interview_id",
    "quick_notes",
    "advice",
    "information",
    "referrals",
    "reflection",
    "field_fit",
    "shared_with_advisor",
    "updated_at",
]


def _mine(user, prefix: str = "") -> Q:
    """The user's conversations as student, and as volunteer those sent to them (a
    draft is the student's alone)."""
    return Q(**{f"{prefix}student": user}) | (
        Q(**{f"{prefix}volunteer__user": user}) & ~Q(**{f"{prefix}state": State.DRAFT})
    )


def interviews_of_participant_for_export(user) -> list[ExportTable]:
    """Every conversation the user took part in, as student or as volunteer, with
    its timeline, questions and referrals; the notes only for the student, whose
    notes they are (a volunteer never sees them)."""

    def interview_rows():
        interviews = (
            Interview.objects.filter(_mine(user))
            .select_related("contact", "student")
            .order_by("pk")
            .iterator(chunk_size=500)
        )
        for i in interviews:
            as_student = i.student_id == user.pk
            yield {
                "id": i.pk,
                "as": "student" if as_student else "volunteer",
                "contact_id": i.contact_id if as_student else None,
                "with": i.contact.full_name if as_student else i.student.full_name,
                "state": i.state,
                "channel": i.channel,
                "request_subject": i.request_subject,
                "request_message": i.request_message,
                "job_ask_flagged": i.job_ask_flagged if as_student else None,
                "job_ask_reason": i.job_ask_reason if as_student else "",
                "requested_at": i.requested_at,
                "answered_at": i.answered_at,
                "decline_note": i.decline_note,
                "duration_minutes": i.duration_minutes,
                "format": i.format,
                "location": i.location,
                "meeting_url": i.meeting_url,
                "starts_at": i.starts_at,
                "cancel_reason": i.cancel_reason,
                "held_at": i.held_at,
                "created_at": i.created_at,
            }

    def event_rows():
        events = (
            InterviewEvent.objects.filter(_mine(user, "interview__"))
            .order_by("interview_id", "created_at", "pk")
            .iterator(chunk_size=1000)
        )
        for e in events:
            yield {
                "interview_id": e.interview_id,
                "at": e.created_at,
                "kind": e.kind,
                "by_me": e.actor_id == user.pk,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }

    def note_rows():
        notes = InterviewNotes.objects.filter(interview__student=user).order_by("interview_id")
        for n in notes.iterator(chunk_size=500):
            yield {column: getattr(n, column) for column in NOTES_COLUMNS}

    def question_rows():
        questions = PreparedQuestion.objects.filter(interview__student=user).order_by(
            "interview_id", "position", "pk"
        )
        for q in questions.iterator(chunk_size=1000):
            yield {
                "interview_id": q.interview_id,
                "position": q.position,
                "text": q.text,
                "asked": q.asked,
            }

    def referral_rows():
        referrals = Referral.objects.filter(interview__student=user).order_by("pk")
        for r in referrals.iterator(chunk_size=1000):
            yield {
                "interview_id": r.interview_id,
                "full_name": r.full_name,
                "organisation": r.organisation,
                "email": r.email,
                "note": r.note,
                "contact_id": r.contact_id,
            }

    return [
        ExportTable("interviews", INTERVIEW_COLUMNS, interview_rows),
        ExportTable(
            "interview_timeline",
            ["interview_id", "at", "kind", "by_me", "from_state", "to_state", "note"],
            event_rows,
        ),
        ExportTable("interview_notes", NOTES_COLUMNS, note_rows),
        ExportTable(
            "interview_questions", ["interview_id", "position", "text", "asked"], question_rows
        ),
        ExportTable(
            "referrals",
            ["interview_id", "full_name", "organisation", "email", "note", "contact_id"],
            referral_rows,
        ),
    ]


def _close_open(interviews, *, unanswered: str, reason: str) -> None:
    """Requests still waiting for an answer are closed (`unanswered`: withdrawn when
    the student leaves, expired when the volunteer does), agreed meetings
    cancelled, so nobody waits for a person who has gone. No timeline entry: one
    would count as activity on the office's dashboard, whose figures an erasure must
    not change (a request's `answered_at` keeps it counted as accepted)."""
    interviews.filter(state=State.REQUESTED).update(state=unanswered, cancel_reason=reason)
    interviews.filter(state__in=[State.ACCEPTED, State.SCHEDULED]).update(
        state=State.CANCELLED, cancel_reason=reason
    )


def interviews_erase_student(user) -> None:
    """The student's conversations become facts without words: the request, notes,
    questions, referrals' details, places, links and every note on the timeline go.
    The rows, states and times stay for the office's figures; open ones close."""
    interviews = Interview.objects.filter(student=user)
    interviews.update(
        request_subject="",
        request_message="",
        job_ask_reason="",
        decline_note="",
        location="",
        meeting_url="",
        cancel_reason="",
    )
    InterviewEvent.objects.filter(interview__student=user).update(note="")
    InterviewNotes.objects.filter(interview__student=user).delete()
    PreparedQuestion.objects.filter(interview__student=user).update(text="")
    Referral.objects.filter(interview__student=user).update(
        full_name="", organisation="", email="", note=""
    )
    TimeSlot.objects.filter(interview__student=user, interview__state=State.DRAFT).delete()
    _close_open(
        interviews,
        unanswered=State.WITHDRAWN,
        reason=gettext("The student has left Fieldnotes."),
    )
    CalendarFeed.objects.filter(user=user).delete()


def interviews_erase_volunteer(user) -> None:
    """A volunteer's side: what they wrote to students (a decline note, a place, a
    link, their messages) goes; the conversations stay for the students, who see
    the other side as "A former volunteer" (contacts.erasure.volunteer_erase)."""
    interviews = Interview.objects.filter(volunteer__user=user)
    interviews.update(decline_note="", meeting_url="")
    InterviewEvent.objects.filter(actor=user).update(note="")
    _close_open(
        interviews,
        unanswered=State.EXPIRED,
        reason=gettext("The volunteer has left Fieldnotes."),
    )
    CalendarFeed.objects.filter(user=user).delete()

"""The meeting: a time booked or moved, cancelled, held (the thank-you becomes
due: apps.followups.handlers), or a no-show."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contacts.enums import Stage
from apps.contacts.services import contact_record_interaction, contact_set_stage
from apps.core.dates import meeting_time_problem
from apps.core.events import event_announce
from apps.interviews.enums import (
    EventKind,
    State,
)
from apps.interviews.events import InterviewHeld
from apps.interviews.models import Interview, InterviewEvent
from apps.interviews.services.lifecycle import (
    TransitionError,
    announce,
    lock,
    send_invitations,
    tell_student,
    tell_volunteer,
    transition,
    volunteer_user,
)


def schedule(interview: Interview, *, starts_at: datetime, actor) -> Interview:
    event = transition(interview, State.SCHEDULED, actor=actor, kind=EventKind.SCHEDULED)
    interview.starts_at = starts_at
    interview.save(update_fields=["state", "starts_at", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.SCHEDULED)
    announce(event)
    send_invitations(interview, "scheduled", "REQUEST")
    return interview


@transaction.atomic
def interview_book_slot(*, student, interview: Interview, slot_id: int) -> Interview:
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")
    slot = interview.slots.filter(pk=slot_id).first()
    if slot is None:
        raise ValidationError(_("Choose one of the offered times."))
    if slot.starts_at <= timezone.now():
        raise ValidationError(_("That time has passed. Ask for a new one in a message."))
    lock(interview)
    if interview.state != State.ACCEPTED:
        # A second booking (a stale tab) must not move a meeting: that is a reschedule.
        raise TransitionError(_("This meeting is already booked. To change the time, move it."))
    return schedule(interview, starts_at=slot.starts_at, actor=student)


def _check_participant(actor, interview: Interview) -> None:
    if actor.pk != interview.student_id and volunteer_user(interview) != actor:
        raise PermissionError("not a participant")


@transaction.atomic
def interview_reschedule(
    *,
    actor,
    interview: Interview,
    starts_at: datetime,
    reason: str,
    location: str | None = None,
    meeting_url: str | None = None,
) -> Interview:
    _check_participant(actor, interview)
    if problem := meeting_time_problem(starts_at, now=timezone.now()):
        raise ValidationError({"starts_at": problem})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the other person understands.")})
    lock(interview)
    if interview.state != State.SCHEDULED:
        raise TransitionError(_("Only a scheduled meeting can be moved."))
    old = interview.starts_at
    event = InterviewEvent.objects.create(
        interview=interview,
        actor=actor,
        kind=EventKind.RESCHEDULED,
        from_state=State.SCHEDULED,
        to_state=State.SCHEDULED,
        note=reason.strip(),
    )
    interview.starts_at = starts_at
    if location is not None:
        interview.location = location.strip()
    if meeting_url is not None:
        interview.meeting_url = meeting_url.strip()
    interview.sequence += 1
    interview.save(update_fields=["starts_at", "location", "meeting_url", "sequence", "updated_at"])
    announce(event)
    send_invitations(
        interview, "rescheduled", "REQUEST", reason=reason.strip(), previous_start=old, actor=actor
    )
    return interview


@transaction.atomic
def interview_cancel(*, actor, interview: Interview, reason: str) -> Interview:
    _check_participant(actor, interview)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the other person understands.")})
    lock(interview)
    was_scheduled = interview.state == State.SCHEDULED
    event = transition(
        interview, State.CANCELLED, actor=actor, kind=EventKind.CANCELLED, note=reason.strip()
    )
    interview.cancel_reason = reason.strip()
    interview.sequence += 1
    interview.save(update_fields=["state", "cancel_reason", "sequence", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.IDENTIFIED)
    announce(event)
    if was_scheduled:
        send_invitations(interview, "cancelled", "CANCEL", reason=reason.strip(), actor=actor)
    else:
        tell_student(interview, "cancelled", reason=reason.strip(), actor=actor)
        tell_volunteer(interview, "cancelled", reason=reason.strip(), actor=actor)
    return interview


@transaction.atomic
def interview_complete(*, student, interview: Interview) -> Interview:
    """The meeting was held: the interview is held from now, the contact met, and
    InterviewHeld is announced, on which the follow-ups engine makes the thank-you
    due and queues its reminders (apps.followups.handlers), all in this
    transaction. Every "Meeting held" button comes here."""
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")
    lock(interview)
    if interview.state == State.SCHEDULED and interview.starts_at > timezone.now():
        raise TransitionError(_("The meeting has not started yet."))
    transition(interview, State.COMPLETED, actor=student, kind=EventKind.COMPLETED)
    interview.held_at = timezone.now()
    interview.save(update_fields=["state", "held_at", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.MET)
    contact_record_interaction(
        contact=interview.contact, at=interview.held_at, what=str(EventKind.COMPLETED.label)
    )
    event_announce(InterviewHeld(interview=interview))
    return interview


@transaction.atomic
def interview_no_show(*, student, interview: Interview, note: str = "") -> Interview:
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")
    lock(interview)
    if interview.state == State.SCHEDULED and interview.starts_at > timezone.now():
        raise TransitionError(_("The meeting has not started yet."))
    event = transition(interview, State.NO_SHOW, actor=student, kind=EventKind.NO_SHOW, note=note)
    interview.save(update_fields=["state", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.NO_RESPONSE)
    announce(event)
    return interview

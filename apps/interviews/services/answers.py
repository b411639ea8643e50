"""A volunteer's answer: accepting with times to choose from, declining, or the
student recording the answer an off-platform contact gave."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contacts.enums import Stage
from apps.contacts.services import contact_set_stage
from apps.contacts.volunteers import (
    volunteer_pause,
    volunteer_stats_record_answer,
)
from apps.core.dates import HORIZON, meeting_time_problem
from apps.interviews.enums import (
    Channel,
    EventKind,
    State,
)
from apps.interviews.models import Interview, TimeSlot
from apps.interviews.selectors.interviews import (
    next_ranked_contact,
)
from apps.interviews.services.lifecycle import announce, lock, tell_student, transition
from apps.interviews.services.meetings import schedule

MAX_SLOTS = 3


def _check_volunteer(user, interview: Interview) -> None:
    if not interview.volunteer_id or interview.volunteer.user_id != user.pk:
        raise PermissionError("not this request's volunteer")


def _reveal_details(interview: Interview) -> None:
    """On acceptance the student may see what the volunteer chose to share."""
    volunteer = interview.volunteer
    contact = interview.contact
    changed = []
    if volunteer.share_email_on_accept and not contact.email:
        contact.email = volunteer.user.email
        changed.append("email")
    if volunteer.share_phone_on_accept and volunteer.phone and not contact.phone:
        contact.phone = volunteer.phone
        changed.append("phone")
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])


def _clean_slots(slots: list[datetime]) -> list[datetime]:
    now = timezone.now()
    unique = sorted(set(slots))
    if not unique:
        raise ValidationError({"slots": _("Offer at least one time.")})
    if len(unique) > MAX_SLOTS:
        raise ValidationError({"slots": _("Offer at most three times.")})
    if any(s <= now for s in unique):
        raise ValidationError({"slots": _("Every time must be in the future.")})
    if problems := [p for s in unique if (p := meeting_time_problem(s, now=now))]:
        raise ValidationError({"slots": problems[0]})
    return unique


@transaction.atomic
def interview_accept(
    *,
    user,
    interview: Interview,
    format: str,
    duration_minutes: int,
    slots: list[datetime],
    location: str = "",
    meeting_url: str = "",
) -> Interview:
    """The volunteer says yes with up to three times to choose from; one time
    schedules the meeting at once."""
    _check_volunteer(user, interview)
    slots = _clean_slots(slots)
    lock(interview)
    event = transition(interview, State.ACCEPTED, actor=user, kind=EventKind.ACCEPTED)
    interview.format = format
    interview.duration_minutes = duration_minutes
    interview.location = location.strip()
    interview.meeting_url = meeting_url.strip()
    interview.answered_at = timezone.now()
    interview.full_clean(exclude=["student", "contact", "volunteer"])
    interview.save()
    volunteer_stats_record_answer(
        profile=interview.volunteer,
        seconds=(interview.answered_at - interview.requested_at).total_seconds(),
    )
    TimeSlot.objects.bulk_create([TimeSlot(interview=interview, starts_at=s) for s in slots])
    _reveal_details(interview)
    contact_set_stage(contact=interview.contact, stage=Stage.REQUESTED)
    announce(event)
    if len(slots) == 1:
        return schedule(interview, starts_at=slots[0], actor=user)
    tell_student(interview, "request_accepted", slots=slots)
    return interview


@transaction.atomic
def interview_decline(
    *, user, interview: Interview, note: str = "", pause_until: date | None = None
) -> Interview:
    _check_volunteer(user, interview)
    lock(interview)
    event = transition(interview, State.DECLINED, actor=user, kind=EventKind.DECLINED, note=note)
    interview.decline_note = note.strip()
    interview.answered_at = timezone.now()
    interview.save(update_fields=["state", "decline_note", "answered_at", "updated_at"])
    volunteer_stats_record_answer(
        profile=interview.volunteer,
        seconds=(interview.answered_at - interview.requested_at).total_seconds(),
    )
    if pause_until is not None:
        volunteer_pause(user=user, profile=interview.volunteer, until=pause_until)
    contact_set_stage(contact=interview.contact, stage=Stage.DECLINED)
    announce(event)
    tell_student(
        interview, "request_declined", next_contact=next_ranked_contact(interview=interview)
    )
    return interview


@transaction.atomic
def interview_record_reply(
    *,
    student,
    interview: Interview,
    accepted: bool,
    starts_at: datetime | None = None,
    format: str = "",
    duration_minutes: int | None = None,
    location: str = "",
    meeting_url: str = "",
    note: str = "",
) -> Interview:
    """For a contact off the platform: the student records the answer they got."""
    if interview.student_id != student.pk or interview.channel != Channel.OWN:
        raise PermissionError("not the student's own outreach")
    lock(interview)
    if not accepted:
        event = transition(
            interview, State.DECLINED, actor=student, kind=EventKind.DECLINED, note=note
        )
        interview.answered_at = timezone.now()
        interview.save(update_fields=["state", "answered_at", "updated_at"])
        contact_set_stage(contact=interview.contact, stage=Stage.DECLINED)
        announce(event)
        return interview
    if starts_at is None:
        raise ValidationError({"starts_at": _("Enter the agreed time.")})
    if problem := meeting_time_problem(starts_at, now=timezone.now(), past=HORIZON):
        raise ValidationError({"starts_at": problem})
    event = transition(
        interview, State.ACCEPTED, actor=student, kind=EventKind.REPLY_LOGGED, note=note
    )
    interview.format = format
    interview.duration_minutes = duration_minutes or interview.duration_minutes
    interview.location = location.strip()
    interview.meeting_url = meeting_url.strip()
    interview.answered_at = timezone.now()
    interview.save()
    announce(event)
    return schedule(interview, starts_at=starts_at, actor=student)

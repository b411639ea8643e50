"""Asking for a conversation: drafts, a request to a volunteer through Fieldnotes,
outreach the student made elsewhere, withdrawing, and the thread of messages."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contacts.enums import Stage
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_set_stage
from apps.contacts.volunteers import (
    volunteer_add_to_contacts,
    volunteer_stats_record_request,
)
from apps.interviews.enums import (
    OPEN_STATES,
    Channel,
    EventKind,
    State,
)
from apps.interviews.models import Interview, InterviewEvent, Referral, RequestTemplate
from apps.interviews.request_check import request_text_asks_for_a_job
from apps.interviews.selectors.interviews import (
    open_request_count,
    volunteer_availability_problem,
)
from apps.interviews.services.lifecycle import (
    TransitionError,
    announce,
    lock,
    record_event,
    tell_student,
    tell_volunteer,
    transition,
)

MAX_JOB_ASK_REASON = 500


class JobAskRefused(ValidationError):
    """A request that reads as asking for a job, sent without a reason to send it
    anyway. Its error is on `job_ask_reason`, where the page asks for the reason."""

    def __init__(self, message: str):
        super().__init__({"job_ask_reason": [ValidationError(message, code="job_ask")]})


def _job_ask_verdict(*, message: str, subject: str, reason: str) -> tuple[bool, str]:
    """(flagged, reason to record). Every way a request leaves, through Fieldnotes or
    recorded as sent from the student's own mail, new or from a draft, comes through
    here: the job-ask check decides on sending, not only in the browser."""
    reason = reason.strip()
    if not request_text_asks_for_a_job(message, subject=subject):
        return False, ""
    if not reason:
        raise JobAskRefused(
            _(
                "Not sent: this reads like asking for a job. Change the message, or say "
                "why you are sending it as it is and choose “Send anyway”. Your advisor "
                "sees the reason."
            )
        )
    if len(reason) > MAX_JOB_ASK_REASON:
        raise ValidationError(
            {
                "job_ask_reason": _("Keep the reason under %(n)s characters.")
                % {"n": MAX_JOB_ASK_REASON}
            }
        )
    return True, reason


def _check_student_limits(*, student) -> None:
    limit = student.office.max_open_requests
    if open_request_count(student=student) >= limit:
        raise ValidationError(
            _(
                "You have %(n)s requests waiting for an answer, the most your office allows. "
                "Wait for a reply or withdraw one first."
            )
            % {"n": limit}
        )


def _template(student, template: RequestTemplate | None) -> RequestTemplate | None:
    """The office wording a request came from; the built-in one is not a row."""
    if template is None or template.pk is None:
        return None
    if template.office_id != student.office_id:
        raise PermissionError("template of another office")
    return template


def _locked_draft(*, student, contact: Contact) -> Interview | None:
    return (
        Interview.objects.select_for_update()
        .filter(student=student, contact=contact, state=State.DRAFT)
        .first()
    )


def _send(
    *,
    student,
    contact: Contact,
    volunteer: VolunteerProfile | None,
    message: str,
    subject: str,
    template,
    busy_name: str,
    job_ask: tuple[bool, str],
) -> Interview:
    """Create the request, or move the student's draft to this contact on to
    requested: either way one REQUESTED event, from draft."""
    flagged, reason = job_ask
    fields = {
        "volunteer": volunteer,
        "channel": Channel.PLATFORM if volunteer is not None else Channel.OWN,
        "request_message": message.strip(),
        "request_subject": subject.strip(),
        "job_ask_flagged": flagged,
        "job_ask_reason": reason,
        "request_template": template,
        "requested_at": timezone.now(),
        "duration_minutes": student.office.slot_minutes,
    }
    draft = _locked_draft(student=student, contact=contact)
    try:
        with transaction.atomic():
            if draft is None:
                interview = Interview.objects.create(
                    student=student, contact=contact, state=State.REQUESTED, **fields
                )
            else:
                interview = draft
                for key, value in fields.items():
                    setattr(interview, key, value)
                interview.state = State.REQUESTED
                interview.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("You already have an open request with %(name)s.") % {"name": busy_name}
        ) from exc
    event = InterviewEvent.objects.create(
        interview=interview,
        actor=student,
        kind=EventKind.REQUESTED,
        from_state=State.DRAFT,
        to_state=State.REQUESTED,
        note=interview.request_message,
    )
    contact_set_stage(contact=contact, stage=Stage.REQUESTED)
    announce(event)
    return interview


@transaction.atomic
def interview_request_volunteer(
    *,
    student,
    volunteer: VolunteerProfile,
    message: str,
    subject: str = "",
    template: RequestTemplate | None = None,
    job_ask_reason: str = "",
) -> Interview:
    """Ask an alumni volunteer for a short conversation through Fieldnotes. Sends the
    student's draft to them if there is one: every limit is checked now, at sending,
    whatever held when the draft was saved. A message that reads as asking for a job
    is refused (JobAskRefused) unless `job_ask_reason` says why to send it anyway."""
    if volunteer.office_id != student.office_id:
        raise PermissionError("volunteer of another office")
    template = _template(student, template)
    if not message.strip():
        raise ValidationError({"message": _("Write a short message to go with your request.")})
    job_ask = _job_ask_verdict(message=message, subject=subject, reason=job_ask_reason)
    problem = volunteer_availability_problem(volunteer=volunteer)
    if problem:
        raise ValidationError(problem)
    _check_student_limits(student=student)
    if Interview.objects.filter(
        student=student, volunteer=volunteer, state__in=OPEN_STATES
    ).exists():
        raise ValidationError(
            _("You already have an open request with %(name)s.")
            % {"name": volunteer.user.full_name}
        )
    contact, _created = volunteer_add_to_contacts(student=student, profile=volunteer)
    interview = _send(
        student=student,
        contact=contact,
        volunteer=volunteer,
        message=message,
        subject=subject,
        template=template,
        busy_name=volunteer.user.full_name,
        job_ask=job_ask,
    )
    volunteer_stats_record_request(profile=volunteer, now=interview.requested_at)
    tell_volunteer(interview, "request_received")
    return interview


@transaction.atomic
def interview_log_outreach(
    *,
    student,
    contact: Contact,
    message: str,
    subject: str = "",
    template: RequestTemplate | None = None,
    job_ask_reason: str = "",
) -> Interview:
    """A contact not on the platform: the student sends the request from their own
    mail and records it here, so the same lifecycle and stages apply. Records the
    student's draft to them if there is one. A message that reads as asking for a
    job is refused like a request through Fieldnotes: what the advisor sees must
    not depend on where it was sent from."""
    if contact.owner_id != student.pk:
        raise PermissionError("contact of another student")
    template = _template(student, template)
    if contact.volunteer_id:
        raise ValidationError(
            _("%(name)s is a volunteer on Fieldnotes: send the request through Fieldnotes instead.")
            % {"name": contact.full_name}
        )
    if not message.strip():
        raise ValidationError({"message": _("Write the message you sent.")})
    job_ask = _job_ask_verdict(message=message, subject=subject, reason=job_ask_reason)
    if Interview.objects.filter(student=student, contact=contact, state__in=OPEN_STATES).exists():
        raise ValidationError(
            _("You already have an open request with %(name)s.") % {"name": contact.full_name}
        )
    return _send(
        student=student,
        contact=contact,
        volunteer=None,
        message=message,
        subject=subject,
        template=template,
        busy_name=contact.full_name,
        job_ask=job_ask,
    )


@transaction.atomic
def interview_draft_save(
    *,
    student,
    message: str,
    subject: str = "",
    template: RequestTemplate | None = None,
    contact: Contact | None = None,
    volunteer: VolunteerProfile | None = None,
) -> Interview:
    """Keep a request to finish later: one draft per contact, saved again in place.
    Nobody but the student knows of it: no email, not in the volunteer's inbox, not
    an open request, no use of the volunteer's capacity. A volunteer is added to the
    student's contacts, as sending would."""
    template = _template(student, template)
    if volunteer is not None:
        if volunteer.office_id != student.office_id:
            raise PermissionError("volunteer of another office")
        contact, _created = volunteer_add_to_contacts(student=student, profile=volunteer)
    elif contact.owner_id != student.pk:
        raise PermissionError("contact of another student")
    elif contact.volunteer_id:
        raise ValidationError(
            _("%(name)s is a volunteer on Fieldnotes: write the request through Fieldnotes.")
            % {"name": contact.full_name}
        )
    fields = {
        "volunteer": volunteer,
        "channel": Channel.PLATFORM if volunteer is not None else Channel.OWN,
        "request_message": message.strip(),
        "request_subject": subject.strip(),
        "job_ask_flagged": request_text_asks_for_a_job(message, subject=subject),
        "job_ask_reason": "",
        "request_template": template,
    }
    draft = _locked_draft(student=student, contact=contact)
    if draft is None:
        try:
            with transaction.atomic():
                draft = Interview.objects.create(
                    student=student,
                    contact=contact,
                    state=State.DRAFT,
                    duration_minutes=student.office.slot_minutes,
                    **fields,
                )
        except IntegrityError:
            # A second click saved the first draft a moment ago: save into that one.
            draft = _locked_draft(student=student, contact=contact)
            if draft is None:
                raise
        else:
            announce(
                InterviewEvent.objects.create(
                    interview=draft,
                    actor=student,
                    kind=EventKind.CREATED,
                    from_state="",
                    to_state=State.DRAFT,
                )
            )
            return draft
    for key, value in fields.items():
        setattr(draft, key, value)
    draft.save(update_fields=[*fields, "updated_at"])
    return draft


@transaction.atomic
def interview_draft_discard(*, student, interview: Interview) -> None:
    """Throw a draft away. It was never sent, so nothing of it is kept."""
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")
    locked = Interview.objects.select_for_update().filter(pk=interview.pk).first()
    if locked is None:
        return  # a second click: already gone
    if locked.state != State.DRAFT:
        raise TransitionError(_("This request has been sent: withdraw it instead."))
    locked.delete()


@transaction.atomic
def interview_withdraw(*, student, interview: Interview, note: str = "") -> Interview:
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")
    lock(interview)
    event = transition(
        interview, State.WITHDRAWN, actor=student, kind=EventKind.WITHDRAWN, note=note
    )
    interview.save(update_fields=["state", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.IDENTIFIED)
    announce(event)
    tell_volunteer(interview, "request_withdrawn", note=note)
    return interview


@transaction.atomic
def interview_message(*, actor, interview: Interview, body: str) -> InterviewEvent:
    """The thread on a request: a volunteer asking for more, the student answering."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")})
    is_student = actor.pk == interview.student_id
    is_volunteer = interview.volunteer_id and interview.volunteer.user_id == actor.pk
    if not (is_student or is_volunteer):
        raise PermissionError("not a participant")
    if interview.state not in OPEN_STATES:
        raise TransitionError(_("This conversation is closed."))
    event = record_event(interview, actor=actor, kind=EventKind.MESSAGE, note=body)
    announce(event)
    if is_student:
        tell_volunteer(interview, "message", message=body, sender=actor)
    else:
        tell_student(interview, "message", message=body, sender=actor)
    return event


@transaction.atomic
def interviews_move_to_contact(*, student, keep, drop) -> int:
    """Two records of one person were merged (contacts.services.contact_merge): the
    interviews with `drop`, and the referrals that became `drop`, are `keep`'s now.
    A person has one draft request at a time, so when both had one the more recently
    edited draft stays and the other, never sent, is discarded. How many moved."""
    drafts = list(
        Interview.objects.filter(
            student=student, contact__in=[keep.pk, drop.pk], state=State.DRAFT
        ).order_by("-updated_at", "-pk")
    )
    for stale in drafts[1:]:
        interview_draft_discard(student=student, interview=stale)
    Referral.objects.filter(contact=drop).update(contact=keep)
    return Interview.objects.filter(student=student, contact=drop).update(contact=keep)

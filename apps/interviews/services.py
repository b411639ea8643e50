"""Every change to an interview: one service per transition, each recording an
InterviewEvent and telling the other side after the transaction commits."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.enums import Approval
from apps.contacts.enums import Stage
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_record_interaction, contact_set_stage
from apps.contacts.volunteers import (
    volunteer_add_to_contacts,
    volunteer_pause,
    volunteer_stats_record_answer,
    volunteer_stats_record_request,
)
from apps.core.events import event_announce
from apps.core.links import site_url
from apps.core.notify import notify
from apps.interviews import calendar
from apps.interviews.enums import (
    NOT_INTERACTIONS,
    OPEN_STATES,
    TRANSITIONS,
    Channel,
    EventKind,
    State,
)
from apps.interviews.events import InterviewActivity, InterviewHeld
from apps.interviews.models import Interview, InterviewEvent, RequestTemplate, TimeSlot
from apps.interviews.selectors import (
    next_ranked_contact,
    open_request_count,
    volunteer_requests_this_month,
)

# No answer for this long and a request lapses (the nudge comes at the office's
# request_nudge_days, 7 by default).
EXPIRE_AFTER_DAYS = 14
MAX_SLOTS = 3


class TransitionError(ValidationError):
    """A move the lifecycle does not allow; nothing was changed."""


def _transition(
    interview: Interview, to_state: str, *, actor, kind: str, note: str = ""
) -> InterviewEvent:
    if to_state not in TRANSITIONS[interview.state]:
        raise TransitionError(
            _("This interview is %(state)s, so it cannot be %(to)s.")
            % {"state": interview.get_state_display().lower(), "to": State(to_state).label.lower()}
        )
    event = InterviewEvent.objects.create(
        interview=interview,
        actor=actor,
        kind=kind,
        from_state=interview.state,
        to_state=to_state,
        note=note,
    )
    interview.state = to_state
    return event


def _lock(interview: Interview) -> Interview:
    """Re-read the row under a lock: two clicks, or both sides at once, must not
    both move it."""
    locked = Interview.objects.select_for_update().get(pk=interview.pk)
    interview.state = locked.state
    interview.sequence = locked.sequence
    return interview


def _event(interview, *, actor, kind, note="") -> InterviewEvent:
    return InterviewEvent.objects.create(interview=interview, actor=actor, kind=kind, note=note)


def _announce(event: InterviewEvent) -> None:
    """Once the interview a timeline entry changed is saved: move the contact's
    keep-in-touch clock if the entry is the student and the contact in touch, and
    tell the apps to the right (apps.core.events), in this transaction, so what
    they do with it commits or rolls back with it."""
    if event.kind not in NOT_INTERACTIONS:
        contact_record_interaction(
            contact=event.interview.contact,
            at=event.created_at,
            what=str(EventKind(event.kind).label),
        )
    event_announce(InterviewActivity.of(event))


def _volunteer_user(interview):
    return interview.volunteer.user if interview.volunteer_id else None


def _tell(interview, user, template, *, reply_to, **options):
    """Email one side of the interview about it, with the link to their view of it:
    the student's interview page, the volunteer's inbox."""
    is_student = user.pk == interview.student_id
    context = {
        "interview": interview,
        "url": site_url("interview_detail" if is_student else "inbox_detail", interview.pk),
        **options.pop("context", {}),
    }
    notify(
        user=user,
        template=f"interviews/{template}",
        about=interview,
        reply_to=reply_to,
        context=context,
        **options,
    )


def _student_reply_to(interview) -> list[str] | None:
    # Only an address the student may already see: a volunteer's own address is
    # shared only on acceptance, and only if they chose to.
    return [interview.contact.email] if interview.contact.email else None


def _tell_student(interview, template, **context):
    _tell(
        interview,
        interview.student,
        template,
        reply_to=_student_reply_to(interview),
        context=context,
    )


def _tell_volunteer(interview, template, *, headers=None, **context):
    user = _volunteer_user(interview)
    if user is None:
        return
    _tell(
        interview,
        user,
        template,
        reply_to=[interview.student.email],
        headers=headers,
        context=context,
    )


def _send_invitations(interview, template, method, **context):
    """Both sides get the email with a calendar file of their own."""
    student = interview.student
    attachment = "invite.ics" if method == "REQUEST" else "cancel.ics"
    # Django adds the charset itself.
    mimetype = f"text/calendar; method={method}"
    volunteer = _volunteer_user(interview)
    sides = [(student, None), (volunteer, [student.email])] if volunteer else [(student, None)]
    for user, reply_to in sides:
        ics = calendar.interview_ics(interview=interview, method=method, viewer=user)
        _tell(
            interview,
            user,
            template,
            reply_to=reply_to,
            key=f"interviews/{template}:{interview.pk}:{interview.sequence}:{user.pk}",
            attachments=[(attachment, ics, mimetype)],
            context=context,
        )


# --- Requesting ---------------------------------------------------------------------


def volunteer_availability_problem(
    *, volunteer: VolunteerProfile, today: date | None = None
) -> str | None:
    """Why this volunteer cannot take a request now, or None."""
    today = today or timezone.localdate()
    user = volunteer.user
    if (
        not user.is_active
        or user.approval != Approval.APPROVED
        or volunteer.deactivated_at is not None
    ):
        return _("This volunteer is not available in the directory.")
    if volunteer.paused_until is not None and volunteer.paused_until >= today:
        return _(
            "%(name)s is not taking requests right now: they are taking a break until %(date)s."
        ) % {"name": user.full_name, "date": date_format(volunteer.paused_until, "j F Y")}
    if not volunteer.accepting_requests:
        return _("%(name)s is not taking requests right now.") % {"name": user.full_name}
    if volunteer_requests_this_month(volunteer=volunteer) >= volunteer.capacity_per_month:
        return _("%(name)s has had all the requests they can take this month.") % {
            "name": user.full_name
        }
    return None


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
) -> Interview:
    """Create the request, or move the student's draft to this contact on to
    requested: either way one REQUESTED event, from draft."""
    fields = {
        "volunteer": volunteer,
        "channel": Channel.PLATFORM if volunteer is not None else Channel.OWN,
        "request_message": message.strip(),
        "request_subject": subject.strip(),
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
    _announce(event)
    return interview


@transaction.atomic
def interview_request_volunteer(
    *,
    student,
    volunteer: VolunteerProfile,
    message: str,
    subject: str = "",
    template: RequestTemplate | None = None,
) -> Interview:
    """Ask an alumni volunteer for a short conversation through Fieldnotes. Sends the
    student's draft to them if there is one: every limit is checked now, at sending,
    whatever held when the draft was saved."""
    if volunteer.office_id != student.office_id:
        raise PermissionError("volunteer of another office")
    template = _template(student, template)
    if not message.strip():
        raise ValidationError({"message": _("Write a short message to go with your request.")})
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
    )
    volunteer_stats_record_request(profile=volunteer, now=interview.requested_at)
    _tell_volunteer(interview, "request_received")
    return interview


@transaction.atomic
def interview_log_outreach(
    *,
    student,
    contact: Contact,
    message: str,
    subject: str = "",
    template: RequestTemplate | None = None,
) -> Interview:
    """A contact not on the platform: the student sends the request from their own
    mail and records it here, so the same lifecycle and stages apply. Records the
    student's draft to them if there is one."""
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
            _announce(
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
    _lock(interview)
    event = _transition(
        interview, State.WITHDRAWN, actor=student, kind=EventKind.WITHDRAWN, note=note
    )
    interview.save(update_fields=["state", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.IDENTIFIED)
    _announce(event)
    _tell_volunteer(interview, "request_withdrawn", note=note)
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
    event = _event(interview, actor=actor, kind=EventKind.MESSAGE, note=body)
    _announce(event)
    if is_student:
        _tell_volunteer(interview, "message", message=body, sender=actor)
    else:
        _tell_student(interview, "message", message=body, sender=actor)
    return event


# --- Answering ----------------------------------------------------------------------


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
    _lock(interview)
    event = _transition(interview, State.ACCEPTED, actor=user, kind=EventKind.ACCEPTED)
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
    _announce(event)
    if len(slots) == 1:
        return _schedule(interview, starts_at=slots[0], actor=user)
    _tell_student(interview, "request_accepted", slots=slots)
    return interview


@transaction.atomic
def interview_decline(
    *, user, interview: Interview, note: str = "", pause_until: date | None = None
) -> Interview:
    _check_volunteer(user, interview)
    _lock(interview)
    event = _transition(interview, State.DECLINED, actor=user, kind=EventKind.DECLINED, note=note)
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
    _announce(event)
    _tell_student(
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
    _lock(interview)
    if not accepted:
        event = _transition(
            interview, State.DECLINED, actor=student, kind=EventKind.DECLINED, note=note
        )
        interview.answered_at = timezone.now()
        interview.save(update_fields=["state", "answered_at", "updated_at"])
        contact_set_stage(contact=interview.contact, stage=Stage.DECLINED)
        _announce(event)
        return interview
    if starts_at is None:
        raise ValidationError({"starts_at": _("Enter the agreed time.")})
    event = _transition(
        interview, State.ACCEPTED, actor=student, kind=EventKind.REPLY_LOGGED, note=note
    )
    interview.format = format
    interview.duration_minutes = duration_minutes or interview.duration_minutes
    interview.location = location.strip()
    interview.meeting_url = meeting_url.strip()
    interview.answered_at = timezone.now()
    interview.save()
    _announce(event)
    return _schedule(interview, starts_at=starts_at, actor=student)


# --- Scheduling ---------------------------------------------------------------------


def _schedule(interview: Interview, *, starts_at: datetime, actor) -> Interview:
    event = _transition(interview, State.SCHEDULED, actor=actor, kind=EventKind.SCHEDULED)
    interview.starts_at = starts_at
    interview.save(update_fields=["state", "starts_at", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.SCHEDULED)
    _announce(event)
    _send_invitations(interview, "scheduled", "REQUEST")
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
    _lock(interview)
    if interview.state != State.ACCEPTED:
        # A second booking (a stale tab) must not move a meeting: that is a reschedule.
        raise TransitionError(_("This meeting is already booked. To change the time, move it."))
    return _schedule(interview, starts_at=slot.starts_at, actor=student)


def _check_participant(actor, interview: Interview) -> None:
    if actor.pk != interview.student_id and _volunteer_user(interview) != actor:
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
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Choose a time in the future.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the other person understands.")})
    _lock(interview)
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
    _announce(event)
    _send_invitations(
        interview, "rescheduled", "REQUEST", reason=reason.strip(), previous_start=old, actor=actor
    )
    return interview


@transaction.atomic
def interview_cancel(*, actor, interview: Interview, reason: str) -> Interview:
    _check_participant(actor, interview)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the other person understands.")})
    _lock(interview)
    was_scheduled = interview.state == State.SCHEDULED
    event = _transition(
        interview, State.CANCELLED, actor=actor, kind=EventKind.CANCELLED, note=reason.strip()
    )
    interview.cancel_reason = reason.strip()
    interview.sequence += 1
    interview.save(update_fields=["state", "cancel_reason", "sequence", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.IDENTIFIED)
    _announce(event)
    if was_scheduled:
        _send_invitations(interview, "cancelled", "CANCEL", reason=reason.strip(), actor=actor)
    else:
        _tell_student(interview, "cancelled", reason=reason.strip(), actor=actor)
        _tell_volunteer(interview, "cancelled", reason=reason.strip(), actor=actor)
    return interview


@transaction.atomic
def interview_complete(*, student, interview: Interview) -> Interview:
    """The meeting was held: the interview is held from now, the contact met, and
    InterviewHeld is announced, on which the follow-ups engine makes the thank-you
    due and queues its reminders (apps.followups.handlers), all in this
    transaction. Every "Meeting held" button comes here."""
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")
    _lock(interview)
    if interview.state == State.SCHEDULED and interview.starts_at > timezone.now():
        raise TransitionError(_("The meeting has not started yet."))
    _transition(interview, State.COMPLETED, actor=student, kind=EventKind.COMPLETED)
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
    _lock(interview)
    if interview.state == State.SCHEDULED and interview.starts_at > timezone.now():
        raise TransitionError(_("The meeting has not started yet."))
    event = _transition(interview, State.NO_SHOW, actor=student, kind=EventKind.NO_SHOW, note=note)
    interview.save(update_fields=["state", "updated_at"])
    contact_set_stage(contact=interview.contact, stage=Stage.NO_RESPONSE)
    _announce(event)
    return interview


# --- Periodic: nudges and expiry -----------------------------------------------------


def interview_nudge(
    *, interview_id: int, headers: dict | None = None, extra_context: dict | None = None
) -> bool:
    """One reminder to a volunteer who has not answered. Claimed by a conditional
    UPDATE, so two sweeps never both send it. `headers` and `extra_context` go
    into the email as they are (the follow-ups engine adds its unsubscribe link)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Interview.objects.filter(
            pk=interview_id,
            state=State.REQUESTED,
            channel=Channel.PLATFORM,
            nudged_at__isnull=True,
        ).update(nudged_at=now)
        if claimed != 1:
            return False
        interview = Interview.objects.select_related("volunteer__user", "student").get(
            pk=interview_id
        )
        _announce(_event(interview, actor=None, kind=EventKind.NUDGED))
        _tell_volunteer(interview, "request_nudge", headers=headers, **(extra_context or {}))
    return True


def interview_expire(*, interview_id: int) -> bool:
    with transaction.atomic():
        # of=("self",): the volunteer join is nullable, and PostgreSQL cannot lock
        # the nullable side of an outer join.
        interview = (
            Interview.objects.select_for_update(of=("self",))
            .select_related("volunteer__user", "student", "contact")
            .filter(pk=interview_id, state=State.REQUESTED)
            .first()
        )
        if interview is None:
            return False
        event = _transition(interview, State.EXPIRED, actor=None, kind=EventKind.EXPIRED)
        interview.save(update_fields=["state", "updated_at"])
        contact_set_stage(contact=interview.contact, stage=Stage.NO_RESPONSE)
        _announce(event)
        _tell_student(
            interview, "request_expired", next_contact=next_ranked_contact(interview=interview)
        )
    return True


def interviews_due_for_nudge(*, now: datetime | None = None) -> list[int]:
    """Unanswered platform requests past their office's nudge days."""
    now = now or timezone.now()
    due = []
    rows = Interview.objects.filter(
        state=State.REQUESTED,
        channel=Channel.PLATFORM,
        nudged_at__isnull=True,
        requested_at__lte=now - timedelta(days=1),
        # Past the expiry age it lapses instead: no reminder about a closing request.
        requested_at__gt=now - timedelta(days=EXPIRE_AFTER_DAYS),
    ).values_list("pk", "requested_at", "student__office__request_nudge_days")
    for pk, requested_at, days in rows:
        if requested_at <= now - timedelta(days=days):
            due.append(pk)
    return due


def interviews_due_for_expiry(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Interview.objects.filter(
            state=State.REQUESTED,
            channel=Channel.PLATFORM,
            requested_at__lte=now - timedelta(days=EXPIRE_AFTER_DAYS),
        ).values_list("pk", flat=True)
    )

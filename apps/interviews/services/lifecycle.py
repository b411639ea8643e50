"""What every change to an interview shares: the lifecycle's transitions (each
writes an InterviewEvent), the row lock, announcing what happened
(apps.core.events; the contact's keep-in-touch clock moves first), and telling
each side by email (apps.core.notify)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.contacts.services import contact_record_interaction
from apps.core.events import event_announce
from apps.core.links import site_url
from apps.core.notify import notify
from apps.interviews import calendar
from apps.interviews.enums import (
    NOT_INTERACTIONS,
    TRANSITIONS,
    EventKind,
    State,
)
from apps.interviews.events import InterviewActivity
from apps.interviews.models import Interview, InterviewEvent


class TransitionError(ValidationError):
    """A move the lifecycle does not allow; nothing was changed."""


def transition(
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


def lock(interview: Interview) -> Interview:
    """Re-read the row under a lock: two clicks, or both sides at once, must not
    both move it."""
    locked = Interview.objects.select_for_update().get(pk=interview.pk)
    interview.state = locked.state
    interview.sequence = locked.sequence
    return interview


def record_event(interview, *, actor, kind, note="") -> InterviewEvent:
    return InterviewEvent.objects.create(interview=interview, actor=actor, kind=kind, note=note)


def announce(event: InterviewEvent) -> None:
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


def volunteer_user(interview):
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


def tell_student(interview, template, **context):
    _tell(
        interview,
        interview.student,
        template,
        reply_to=_student_reply_to(interview),
        context=context,
    )


def tell_volunteer(interview, template, *, headers=None, **context):
    user = volunteer_user(interview)
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


def send_invitations(interview, template, method, **context):
    """Both sides get the email with a calendar file of their own."""
    student = interview.student
    attachment = "invite.ics" if method == "REQUEST" else "cancel.ics"
    # Django adds the charset itself.
    mimetype = f"text/calendar; method={method}"
    volunteer = volunteer_user(interview)
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

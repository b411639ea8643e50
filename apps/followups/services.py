"""Every write of the follow-ups engine: the thank-you after a meeting, the
keep-in-touch check-ins, and what the student does with them (done, snoozed,
stopped). Reminder emails are queued in the same transaction as the change that
causes them (apps.core.outbox) and re-checked by the guards when they are due.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contacts.enums import Stage
from apps.contacts.models import Contact
from apps.contacts.services import contact_record_interaction, contact_set_stage
from apps.core.emails import email_queue
from apps.core.links import site_url
from apps.core.models import OutboundEmail
from apps.core.notify import notify
from apps.followups.enums import (
    ACTIVE_STATUSES,
    CADENCE_CHOICES,
    THANK_YOU_COPY,
    THANK_YOU_NOTE,
    THANKS_4H,
    THANKS_LAPSED,
    THANKS_START,
    InteractionKind,
    Kind,
    SentVia,
    Snooze,
    Status,
)
from apps.followups.models import FollowUp, Interaction
from apps.followups.notifications import reminder_queue, zone
from apps.followups.selectors import checkin_active_for_contact, thank_you_recipient
from apps.interviews.enums import State
from apps.interviews.models import Interview

# The second thank-you reminder comes this long before the window closes.
THANKS_LAST_CALL = timedelta(hours=4)
SNOOZE = {Snooze.WEEK: {"days": 7}, Snooze.MONTH: {"months": 1}}
SUBJECT_MAX = 200
BODY_MAX = 5000
INTERACTION_NOTE_MAX = 300
# A logged interaction on an earlier day counts from midday, in the student's zone.
INTERACTION_TIME = time(12, 0)
# How far back an interaction can be logged.
INTERACTION_PAST_DAYS = 5 * 366


def add_months(at: datetime, months: int) -> datetime:
    """The same day and time `months` later, or the month's last day if shorter."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def _lock(*, student, followup: FollowUp) -> FollowUp:
    """Re-read under a lock and check it is the student's and still to do: two
    clicks, or two tabs, must not both act on it."""
    locked = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("contact", "interview", "student__office")
        .filter(pk=followup.pk, student=student)
        .first()
    )
    if locked is None:
        raise PermissionError("not the student's follow-up")
    if locked.status not in ACTIVE_STATUSES:
        raise ValidationError(
            _("This follow-up is already %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def _reminder_keys(followup: FollowUp) -> list[str]:
    if followup.kind == Kind.THANK_YOU:
        return [f"thanks:{followup.interview_id}:{part}" for part in ("start", "4h", "lapsed")]
    return [checkin_key(contact_id=followup.contact_id, due_at=followup.due_at)]


def checkin_key(*, contact_id: int, due_at: datetime) -> str:
    return f"checkin:{contact_id}:{due_at.date().isoformat()}"


def followup_reminders_cancel(*, followup: FollowUp, reason: str) -> int:
    """Cancel this follow-up's reminders still waiting in the outbox, by their
    dedupe keys (the unique index). One being sent right now is stopped by the
    guard instead."""
    return OutboundEmail.objects.filter(
        dedupe_key__in=_reminder_keys(followup), status=OutboundEmail.Status.PENDING
    ).update(status=OutboundEmail.Status.CANCELLED, lease_until=None, last_error=reason[:500])


# --- The thank-you ------------------------------------------------------------------


def thank_you_due(*, interview: Interview, now: datetime) -> tuple[datetime, datetime]:
    """(start, due): the window opens when the meeting ended and stays open for the
    office's thank_you_hours: the interviewee's day, not the student's. Marking the
    meeting held late does not buy time (a thank-you sent after the window is
    recorded late). Without a known end (an off-platform meeting logged without a
    time) the window opens when it was marked held."""
    start = interview.ends_at or interview.held_at or now
    hours = interview.student.office.thank_you_hours
    return start, start + timedelta(hours=hours)


def _thank_you_reminders(*, followup: FollowUp, interview: Interview, start, now) -> None:
    due = followup.due_at
    context = {
        "followup": followup,
        "interview": interview,
        "contact": followup.contact,
        "due_at": due,
        "hours": interview.student.office.thank_you_hours,
        "url": site_url("followup_thank_you", followup.pk),
    }
    plan = [
        (THANKS_START, "start", start),
        (THANKS_4H, "4h", due - THANKS_LAST_CALL),
        (THANKS_LAPSED, "lapsed", due),
    ]
    for template, part, at in plan:
        if template == THANKS_4H and (at <= start or at <= now):
            # A window of four hours or less has no "last call", and one marked
            # held less than four hours before it closes gets the first reminder
            # only, which names the deadline.
            continue
        if template != THANKS_LAPSED and due <= now:
            continue  # marked held after the window closed: only the lapse is news
        reminder_queue(
            user=followup.student,
            template=template,
            context=context,
            key=f"thanks:{interview.pk}:{part}",
            subject_ref=followup.ref,
            due_at=at,
        )


@transaction.atomic
def thank_you_start(*, interview: Interview, now: datetime | None = None) -> FollowUp | None:
    """For a held meeting (on InterviewHeld, apps.followups.handlers): the thank-you
    follow-up and its three reminders, and the contact's keep-in-touch clock. Does
    nothing for a meeting that has its thank-you already, so it is safe to call
    again."""
    now = now or timezone.now()
    if interview.state != State.COMPLETED:
        raise ValidationError(_("Mark the meeting as held first."))
    start, due = thank_you_due(interview=interview, now=now)
    try:
        with transaction.atomic():
            followup = FollowUp.objects.create(
                student=interview.student,
                contact=interview.contact,
                interview=interview,
                kind=Kind.THANK_YOU,
                due_at=due,
            )
    except IntegrityError:
        return None  # it exists: one thank-you per meeting
    _thank_you_reminders(followup=followup, interview=interview, start=start, now=now)
    keep_in_touch_start(
        contact=interview.contact,
        at=interview.held_at or now,
        what=_("Meeting held"),
    )
    return followup


def thank_you_from_address(*, student) -> str:
    """From the platform's address, under the student's name, so the mail is not
    a forgery of the student's own domain and still reads as theirs."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    username, _at, domain = address.partition("@")
    display = _("%(name)s via Fieldnotes") % {"name": student.full_name}
    return str(Address(display_name=display, username=username, domain=domain))


def _thank_you_done(followup: FollowUp, *, at: datetime, sent_via: str, note: str = "") -> None:
    followup.status = Status.DONE
    followup.done_at = at
    followup.on_time = at <= followup.due_at
    followup.sent_via = sent_via
    followup.note = note.strip()
    followup.save(update_fields=["status", "done_at", "on_time", "sent_via", "note", "updated_at"])
    followup_reminders_cancel(followup=followup, reason="thank-you sent")
    if followup.contact.stage == Stage.MET:
        contact_set_stage(contact=followup.contact, stage=Stage.THANKED)
    keep_in_touch_touch(contact=followup.contact, at=at, what=_("Thank-you sent"))


@transaction.atomic
def followup_thank_you_send(*, student, followup: FollowUp, subject: str, body: str) -> FollowUp:
    """Send the thank-you from Fieldnotes: from the platform's address under the
    student's name, replies to the student, a copy to the student."""
    followup = _lock(student=student, followup=followup)
    if followup.kind != Kind.THANK_YOU:
        raise ValidationError(_("Only a thank-you can be sent from here."))
    subject = " ".join((subject or "").split())
    body = (body or "").strip()
    if not subject or not body:
        raise ValidationError(_("Write a subject and a message first."))
    if len(subject) > SUBJECT_MAX or len(body) > BODY_MAX:
        raise ValidationError(_("The message is too long."))
    interview = Interview.objects.select_related("volunteer__user", "contact").get(
        pk=followup.interview_id
    )
    to, visible = thank_you_recipient(interview=interview)
    if not to:
        raise ValidationError(
            _(
                "There is no email address for %(name)s. Send your thank-you another way "
                "and mark it sent."
            )
            % {"name": interview.contact.full_name}
        )
    volunteer_user = interview.volunteer.user if interview.volunteer_id else None
    context = {"subject": subject, "body": body, "student": student, "to_name": interview.contact}
    # To the interviewee's address, which may have no account behind it.
    row = email_queue(
        template=THANK_YOU_NOTE,
        to=[to],
        context=context,
        key=f"thanks-note:{interview.pk}",
        # A volunteer who did not share their address keeps it: the student's copy
        # then goes separately instead of showing it in a Cc'd To: line.
        cc=[student.email] if visible else [],
        reply_to=[student.email],
        from_email=thank_you_from_address(student=student),
        recipient=volunteer_user,
        subject_ref=followup.ref,
    )
    if row is None:
        raise ValidationError(_("Your thank-you has been sent already."))
    if not visible:
        notify(
            user=student,
            template=THANK_YOU_COPY,
            about=followup,
            key=f"thanks-note:{interview.pk}:copy",
            context=context,
        )
    _thank_you_done(followup, at=timezone.now(), sent_via=SentVia.FIELDNOTES)
    return followup


# --- Keep in touch ------------------------------------------------------------------


def _cadence_for(contact: Contact) -> int:
    """The contact's own cadence if the student ever set one, else the office's."""
    previous = (
        FollowUp.objects.filter(contact=contact, kind=Kind.KEEP_IN_TOUCH)
        .order_by("-created_at", "-pk")
        .values_list("cadence_months", flat=True)
        .first()
    )
    return previous or contact.owner.office.keep_in_touch_months


@transaction.atomic
def keep_in_touch_start(*, contact: Contact, at: datetime, what: str) -> FollowUp:
    """A meeting with the contact was held: check-ins start (again, after a stop),
    due a cadence after the contact's keep-in-touch clock, or the running ones
    restart from it."""
    contact_record_interaction(contact=contact, at=at, what=what)
    active = checkin_active_for_contact(contact_id=contact.pk, lock=True)
    if active is not None:
        _checkin_reset(active, contact=contact)
        return active
    months = _cadence_for(contact)
    try:
        with transaction.atomic():
            return FollowUp.objects.create(
                student_id=contact.owner_id,
                contact=contact,
                kind=Kind.KEEP_IN_TOUCH,
                cadence_months=months,
                due_at=add_months(contact.last_interaction_at, months),
            )
    except IntegrityError:
        # Another transaction started them a moment ago.
        active = checkin_active_for_contact(contact_id=contact.pk, lock=True)
        _checkin_reset(active, contact=contact)
        return active


def _checkin_reset(followup: FollowUp, *, contact: Contact) -> None:
    """The contact's clock moved: the running check-in is due a cadence after it,
    open again (a snooze is over), and its reminder for the old date cancelled."""
    followup_reminders_cancel(followup=followup, reason="keep-in-touch clock reset")
    followup.due_at = add_months(contact.last_interaction_at, followup.cadence_months)
    followup.status = Status.OPEN
    followup.snoozed_until = None
    # The reminder for the old date is cancelled; the new date has none yet.
    followup.reminded_at = None
    followup.save(update_fields=["due_at", "status", "snoozed_until", "reminded_at", "updated_at"])


@transaction.atomic
def keep_in_touch_clock_moved(*, contact: Contact) -> FollowUp | None:
    """The contact's clock was just moved (contacts.services.
    contact_record_interaction, by the interviews services): the running check-in
    counts from it. A contact without running check-ins (never met, or stopped) is
    left alone."""
    active = checkin_active_for_contact(contact_id=contact.pk, lock=True)
    if active is not None:
        _checkin_reset(active, contact=contact)
    return active


@transaction.atomic
def keep_in_touch_touch(*, contact: Contact, at: datetime, what: str = "") -> FollowUp | None:
    """Any interaction with the contact (a thank-you, a message, a check-in) moves
    their clock, and the next check-in is due a cadence after `at`. A contact
    without running check-ins (never met, or stopped) has only the clock moved; an
    older `at` than the last interaction changes nothing."""
    if not contact_record_interaction(contact=contact, at=at, what=what or _("Interaction")):
        return checkin_active_for_contact(contact_id=contact.pk)
    return keep_in_touch_clock_moved(contact=contact)


@transaction.atomic
def keep_in_touch_set_cadence(*, student, followup: FollowUp, months: int) -> FollowUp:
    followup = _lock(student=student, followup=followup)
    if followup.kind != Kind.KEEP_IN_TOUCH:
        raise ValidationError(_("Only check-ins have a cadence."))
    if months not in [m for m, _label in CADENCE_CHOICES]:
        raise ValidationError(_("Choose 1, 3, 6 or 12 months."))
    followup_reminders_cancel(followup=followup, reason="cadence changed")
    followup.cadence_months = months
    contact = followup.contact
    due = add_months(contact.last_interaction_at or followup.created_at, months)
    if followup.status == Status.SNOOZED:
        due = max(due, followup.snoozed_until)
    followup.due_at = due
    # The reminder for the old date is cancelled; the new date has none yet.
    followup.reminded_at = None
    followup.save(update_fields=["cadence_months", "due_at", "reminded_at", "updated_at"])
    return followup


# --- Logging an interaction ---------------------------------------------------------


@dataclass
class InteractionLogged:
    interaction: Interaction
    # The contact's running check-in, if any (none once stopped).
    checkin: FollowUp | None
    # Did the clock move? Not if the last interaction known is more recent.
    moved: bool


def student_today(*, student, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone(student.time_zone)).date()


def interaction_day_problem(*, on: date, today: date) -> str:
    """Why the student cannot log an interaction on that day, or ""."""
    if on > today:
        return _("That day is still to come: log what has happened.")
    if on < today - timedelta(days=INTERACTION_PAST_DAYS):
        return _("Choose a day in the last five years.")
    return ""


def interaction_at(*, on: date, student, now: datetime) -> datetime:
    """The moment a day the student names counts from: now if it is their today,
    else midday of that day in their zone."""
    tz = zone(student.time_zone)
    if on == student_today(student=student, now=now):
        return now
    return datetime.combine(on, INTERACTION_TIME, tzinfo=tz).astimezone(UTC)


@transaction.atomic
def interaction_log(
    *, student, contact: Contact, kind: str, on: date, note: str = ""
) -> InteractionLogged:
    """The student was in touch with a contact they met, outside Fieldnotes (a
    message, a call, a coffee): kept as a history row, and the check-in clock
    restarts from it at once. Check-ins that were stopped stay stopped."""
    if contact.owner_id != student.pk:
        raise PermissionError("contact of another student")
    if kind not in InteractionKind.values:
        raise ValidationError({"kind": _("Choose what it was.")})
    note = " ".join((note or "").split())
    if len(note) > INTERACTION_NOTE_MAX:
        raise ValidationError(
            {"note": _("Keep the note under %(max)s characters.") % {"max": INTERACTION_NOTE_MAX}}
        )
    now = timezone.now()
    problem = interaction_day_problem(on=on, today=student_today(student=student, now=now))
    if problem:
        raise ValidationError({"on": problem})
    at = interaction_at(on=on, student=student, now=now)
    # Check-ins start the moment a meeting is held (apps.followups.handlers), so a
    # contact who never had any was never met.
    if not FollowUp.objects.filter(contact=contact, kind=Kind.KEEP_IN_TOUCH).exists():
        raise ValidationError(_("Log interactions with people you have met."))
    interaction = Interaction.objects.create(
        student=student, contact=contact, kind=kind, occurred_at=at, note=note
    )
    clock_moved = contact_record_interaction(contact=contact, at=at, what=interaction.summary)
    checkin = checkin_active_for_contact(contact_id=contact.pk, lock=True)
    moved = checkin is not None and clock_moved
    if moved:
        _checkin_reset(checkin, contact=contact)
    return InteractionLogged(interaction=interaction, checkin=checkin, moved=moved)


# --- Done, snooze, stop -------------------------------------------------------------


@transaction.atomic
def followup_complete(
    *, student, followup: FollowUp, note: str = "", outcome: str = ""
) -> FollowUp:
    """Done. A thank-you: sent another way (on time or late is recorded). A check-in:
    done, with a short note of what was shared; the next one is due a cadence on.
    A check-in's `outcome` (what came of their advice) is shown to the volunteer
    the contact is linked to, if any; a thank-you has none."""
    followup = _lock(student=student, followup=followup)
    now = timezone.now()
    if followup.kind == Kind.THANK_YOU:
        _thank_you_done(followup, at=now, sent_via=SentVia.OTHER, note=note)
        return followup
    followup_reminders_cancel(followup=followup, reason="check-in done")
    followup.status = Status.DONE
    followup.done_at = now
    followup.note = note.strip()
    followup.outcome = " ".join(outcome.split())
    followup.snoozed_until = None
    followup.full_clean(validate_unique=False, validate_constraints=False)
    followup.save(
        update_fields=[
            "status",
            "done_at",
            "on_time",
            "note",
            "outcome",
            "snoozed_until",
            "updated_at",
        ]
    )
    what = _("Check-in: %(note)s") % {"note": followup.note} if followup.note else _("Check-in")
    contact_record_interaction(contact=followup.contact, at=now, what=what)
    FollowUp.objects.create(
        student=student,
        contact=followup.contact,
        kind=Kind.KEEP_IN_TOUCH,
        cadence_months=followup.cadence_months,
        due_at=add_months(now, followup.cadence_months),
    )
    if followup.contact.stage in (Stage.MET, Stage.THANKED):
        contact_set_stage(contact=followup.contact, stage=Stage.KEEPING_IN_TOUCH)
    return followup


@transaction.atomic
def followup_snooze(*, student, followup: FollowUp, period: str) -> FollowUp:
    followup = _lock(student=student, followup=followup)
    if followup.kind != Kind.KEEP_IN_TOUCH:
        raise ValidationError(_("A thank-you cannot be snoozed: it is best sent within a day."))
    if period not in SNOOZE:
        raise ValidationError(_("Choose how long to snooze."))
    followup_reminders_cancel(followup=followup, reason="snoozed")
    now = timezone.now()
    delta = SNOOZE[Snooze(period)]
    until = add_months(now, delta["months"]) if "months" in delta else now + timedelta(**delta)
    followup.status = Status.SNOOZED
    followup.snoozed_until = until
    followup.due_at = until
    followup.save(update_fields=["status", "snoozed_until", "due_at", "updated_at"])
    return followup


@transaction.atomic
def followup_stop(*, student, followup: FollowUp) -> FollowUp:
    """No more of this: no thank-you will be sent, or no more check-ins with this
    contact (until another meeting with them is held)."""
    followup = _lock(student=student, followup=followup)
    followup_reminders_cancel(followup=followup, reason="stopped")
    followup.status = Status.STOPPED
    followup.snoozed_until = None
    followup.save(update_fields=["status", "snoozed_until", "updated_at"])
    return followup


def followups_wake_snoozed(*, now: datetime | None = None) -> int:
    """Snoozed check-ins whose time came are to do again (due at the snooze's end)."""
    now = now or timezone.now()
    return FollowUp.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now).update(
        status=Status.OPEN, snoozed_until=None, updated_at=now
    )


@transaction.atomic
def followups_move_to_contact(*, student, keep: Contact, drop: Contact) -> None:
    """Two records of one person were merged (contacts.services.contact_merge): the
    follow-ups and logged interactions of `drop` are `keep`'s now, and `keep` already
    holds the later of the two clocks. A person has one running check-in: when both
    had one, `drop`'s stops. The running check-in is then due a cadence after the
    merged clock; reminders queued under `drop`'s id are cancelled."""
    for followup in FollowUp.objects.select_for_update().filter(
        contact=drop, kind=Kind.KEEP_IN_TOUCH, status__in=ACTIVE_STATUSES
    ):
        followup_reminders_cancel(followup=followup, reason="contact merged")
        if checkin_active_for_contact(contact_id=keep.pk) is not None:
            followup.status = Status.STOPPED
            followup.snoozed_until = None
            followup.save(update_fields=["status", "snoozed_until", "updated_at"])
    FollowUp.objects.filter(contact=drop).update(contact=keep)
    Interaction.objects.filter(contact=drop).update(contact=keep)
    if keep.last_interaction_at is not None:
        keep_in_touch_clock_moved(contact=keep)

"""The periodic side of the engine: reminders made by sweeps rather than by a
user's action. Each sweep renders what is missing and inserts it with
`bulk_create(ignore_conflicts=True)` on the outbox's dedupe key, so two sweeps at
once, or one run twice, queue every reminder once. The outbox sweep delivers them.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from apps.core.links import site_url
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_bulk_enqueue
from apps.followups.enums import (
    CHECKIN,
    DIGEST,
    MEETING,
    REQUEST_NUDGE,
    Delivery,
    Kind,
    Status,
)
from apps.followups.models import FollowUp, NotificationPreference
from apps.followups.notifications import (
    DIGEST_AT,
    reminder_row,
    reminder_unsubscribe,
    zone,
)
from apps.followups.services import checkin_key, followups_wake_snoozed
from apps.interviews.enums import State
from apps.interviews.models import Interview, PreparedQuestion
from apps.interviews.selectors import interviews_of_participant
from apps.interviews.services import interview_expire, interview_nudge

MEETING_AHEAD = timedelta(hours=24)
# A little more than a day, so a sweep that runs late still finds every meeting.
MEETING_LOOKAHEAD = timedelta(hours=25)
CHECKIN_BATCH = 500
# Digests go out from 08:00 local; a sweep that missed the hour (beat down) still
# sends the day's digest until noon, never in the evening.
DIGEST_UNTIL = time(12, 0)


def _missing(keys) -> set[str]:
    keys = list(keys)
    existing = set(
        OutboundEmail.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    return set(keys) - existing


# --- Meeting reminders --------------------------------------------------------------


def meeting_reminders_create(*, now: datetime | None = None) -> int:
    """24 hours before a scheduled meeting, to both sides: the student with their
    questions, the volunteer with them only if the student shared them. One per
    person and per version of the meeting (`sequence`): a reschedule makes a new
    one, and the guard drops the stale one."""
    now = now or timezone.now()
    interviews = (
        Interview.objects.filter(
            state=State.SCHEDULED, starts_at__gt=now, starts_at__lte=now + MEETING_LOOKAHEAD
        )
        .select_related("student", "contact", "volunteer__user")
        .prefetch_related(
            Prefetch("questions", queryset=PreparedQuestion.objects.order_by("position", "pk"))
        )
    )
    wanted = {}
    for interview in interviews:
        people = [interview.student]
        if interview.volunteer_id:
            people.append(interview.volunteer.user)
        for user in people:
            wanted[f"meeting:{interview.pk}:{interview.sequence}:{user.pk}"] = (interview, user)
    missing = _missing(wanted)
    rows = []
    for key, (interview, user) in wanted.items():
        if key not in missing:
            continue
        is_student = user.pk == interview.student_id
        shared = is_student or interview.questions_shared_at is not None
        rows.append(
            reminder_row(
                user=user,
                template=MEETING,
                context={
                    "interview": interview,
                    "is_student": is_student,
                    "other_name": interview.contact.full_name
                    if is_student
                    else interview.student.full_name,
                    "questions": list(interview.questions.all()) if shared else [],
                    "url": site_url(
                        "interview_detail" if is_student else "inbox_detail", interview.pk
                    ),
                },
                key=key,
                subject_ref=f"interview:{interview.pk}",
                due_at=max(interview.starts_at - MEETING_AHEAD, now),
            )
        )
    outbox_bulk_enqueue(rows)
    return len(rows)


# --- Keep-in-touch check-ins --------------------------------------------------------


def checkin_reminders_create(*, now: datetime | None = None) -> int:
    """One reminder per check-in that came due, keyed by the contact and the due
    date: a check-in snoozed or reset comes due on another date and gets its own.
    A clock is always current (apps.followups.handlers moves it in the transaction
    of the activity that moved it), so what is due here is due."""
    now = now or timezone.now()
    followups_wake_snoozed(now=now)
    due = list(
        FollowUp.objects.filter(kind=Kind.KEEP_IN_TOUCH, status=Status.OPEN, due_at__lte=now)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("due_at")))
        .select_related("student", "contact")
        .order_by("due_at", "pk")[:CHECKIN_BATCH]
    )
    rows = [
        reminder_row(
            user=followup.student,
            template=CHECKIN,
            context={
                "followup": followup,
                "contact": followup.contact,
                "url": site_url("followup_list") + f"#followup-{followup.pk}",
            },
            key=checkin_key(contact_id=followup.contact_id, due_at=followup.due_at),
            subject_ref=followup.ref,
            due_at=now,
        )
        for followup in due
    ]
    with transaction.atomic():
        outbox_bulk_enqueue(rows)
        FollowUp.objects.filter(pk__in=[f.pk for f in due]).update(reminded_at=now)
    return len(rows)


# --- Request nudges and expiry ------------------------------------------------------


def request_nudge(*, interview_id: int) -> bool:
    """The interviews app's one reminder to a volunteer who has not answered, with
    the unsubscribe link every reminder carries. Claimed there by a conditional
    UPDATE on nudged_at, so it is queued once however often this runs."""
    user_id = (
        Interview.objects.filter(pk=interview_id)
        .values_list("volunteer__user_id", flat=True)
        .first()
    )
    if user_id is None:
        return interview_nudge(interview_id=interview_id)
    footer, headers = reminder_unsubscribe(user_id=user_id, template=REQUEST_NUDGE)
    return interview_nudge(interview_id=interview_id, headers=headers, extra_context=footer)


def request_expire(*, interview_id: int) -> bool:
    return interview_expire(interview_id=interview_id)


# --- The daily digest ---------------------------------------------------------------


def _digest_context(*, user, preference, now: datetime, local: datetime) -> dict | None:
    kinds = [
        kind
        for kind, wanted in (
            (Kind.THANK_YOU, preference.thank_you),
            (Kind.KEEP_IN_TOUCH, preference.keep_in_touch),
        )
        if wanted
    ]
    end_of_day = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    followups = (
        list(
            FollowUp.objects.filter(
                student=user, status=Status.OPEN, kind__in=kinds, due_at__lt=end_of_day
            )
            .select_related("contact")
            .order_by("due_at", "pk")
        )
        if kinds
        else []
    )
    meetings = (
        list(
            interviews_of_participant(
                user=user,
                state=State.SCHEDULED,
                starts_at__gt=now,
                starts_at__lte=now + MEETING_AHEAD,
            )
            .select_related("contact", "student")
            .order_by("starts_at")
        )
        if preference.meeting
        else []
    )
    requests = (
        list(
            Interview.objects.filter(volunteer__user=user, state=State.REQUESTED)
            .select_related("student")
            .order_by("requested_at")
        )
        if preference.requests and user.is_alumni
        else []
    )
    if not (followups or meetings or requests):
        return None
    return {
        "followups": followups,
        "meetings": meetings,
        "requests": requests,
        "now": now,
        "followups_url": site_url("followup_list"),
        "inbox_url": site_url("inbox"),
    }


def digests_create(*, now: datetime | None = None) -> int:
    """Each digest reader's one email of the day, from 08:00 in their own zone,
    keyed `digest:<user>:<local date>`. Nothing to say, no email."""
    now = now or timezone.now()
    candidates = {}
    preferences = NotificationPreference.objects.filter(
        delivery=Delivery.DIGEST, user__is_active=True
    ).select_related("user")
    for preference in preferences:
        if not preference.any_topic:
            continue
        local = now.astimezone(zone(preference.user.time_zone))
        if not DIGEST_AT <= local.time() < DIGEST_UNTIL:
            continue
        key = f"digest:{preference.user_id}:{local.date().isoformat()}"
        candidates[key] = (preference, local)
    missing = _missing(candidates)
    rows = []
    for key, (preference, local) in candidates.items():
        if key not in missing:
            continue
        user = preference.user
        context = _digest_context(user=user, preference=preference, now=now, local=local)
        if context is None:
            continue
        rows.append(
            reminder_row(
                user=user,
                template=DIGEST,
                context=context,
                key=key,
                subject_ref=f"user:{user.pk}",
                due_at=now,
            )
        )
    outbox_bulk_enqueue(rows)
    return len(rows)

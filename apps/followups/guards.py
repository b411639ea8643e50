"""What the outbox asks before it sends a reminder (apps.core.outbox guards).

A reminder was rendered when it was queued; by the time it is due the student may
have sent the thank-you, the meeting may have moved, the person may have
unsubscribed or be asleep, or have talked to the contact a check-in is about.
Each guard is one query at most when the email goes: the business state first,
then the recipient's preferences and quiet hours.
"""

from django.utils import timezone

from apps.core.models import OutboundEmail
from apps.core.outbox import SEND, Verdict, outbox_register_guard
from apps.followups.enums import (
    CHECKIN,
    DIGEST,
    MEETING,
    REMINDER_TOPICS,
    REQUEST_NUDGE,
    THANKS_4H,
    THANKS_LAPSED,
    THANKS_START,
    Delivery,
    Status,
)
from apps.followups.models import FollowUp
from apps.followups.notifications import notification_preference_for_delivery, quiet_hours_end
from apps.interviews.enums import State
from apps.interviews.models import Interview


def _ref_id(row: OutboundEmail, prefix: str) -> int | None:
    name, _sep, pk = row.subject_ref.partition(":")
    return int(pk) if name == prefix and pk.isdigit() else None


def _cancel(reason: str) -> Verdict:
    return Verdict("cancel", reason=reason)


def _checkin_verdict(row: OutboundEmail, now) -> Verdict:
    pk = _ref_id(row, "followup")
    followup = FollowUp.objects.filter(pk=pk).values("status", "due_at").first() if pk else None
    if followup is None:
        return _cancel("follow-up gone")
    if followup["status"] != Status.OPEN:
        return _cancel(f"follow-up {followup['status']}")
    if followup["due_at"] > now:
        # The clock was reset after this was queued: the student was in touch with
        # the contact (a message, notes, a meeting: apps.followups.handlers) or
        # chose another cadence.
        return _cancel("check-in not due")
    return SEND


def _followup_verdict(row: OutboundEmail, now) -> Verdict:
    pk = _ref_id(row, "followup")
    followup = FollowUp.objects.filter(pk=pk).values("status", "due_at").first() if pk else None
    if followup is None:
        return _cancel("follow-up gone")
    if followup["status"] != Status.OPEN:
        return _cancel(f"follow-up {followup['status']}")
    if row.kind == THANKS_4H and now >= followup["due_at"]:
        return _cancel("window closed")
    return SEND


def _meeting_verdict(row: OutboundEmail, now) -> Verdict:
    pk = _ref_id(row, "interview")
    interview = (
        Interview.objects.filter(pk=pk).values("state", "sequence", "starts_at").first()
        if pk
        else None
    )
    if interview is None:
        return _cancel("interview gone")
    if interview["state"] != State.SCHEDULED:
        return _cancel(f"interview {interview['state']}")
    # meeting:<interview>:<sequence>:<user>
    parts = row.dedupe_key.split(":")
    if len(parts) < 3 or parts[2] != str(interview["sequence"]):
        return _cancel("meeting moved")
    if interview["starts_at"] <= now:
        return _cancel("meeting started")
    return SEND


def _nudge_verdict(row: OutboundEmail, now) -> Verdict:
    pk = _ref_id(row, "interview")
    state = Interview.objects.filter(pk=pk).values_list("state", flat=True).first() if pk else None
    if state != State.REQUESTED:
        return _cancel("request answered")
    return SEND


BUSINESS = {
    THANKS_START: _followup_verdict,
    THANKS_4H: _followup_verdict,
    THANKS_LAPSED: _followup_verdict,
    CHECKIN: _checkin_verdict,
    MEETING: _meeting_verdict,
    REQUEST_NUDGE: _nudge_verdict,
}


def guard_still_wanted(row: OutboundEmail) -> Verdict:
    """Is what the reminder is about still to do?"""
    check = BUSINESS.get(row.kind)
    return check(row, timezone.now()) if check else SEND


def recipient_verdict(user, *, topic: str, kind: str = "") -> Verdict:
    """Does the recipient still want an email of `topic`, and now? Unsubscribed or
    inactive: cancel; quiet hours: the next morning. For a reminder (`kind` in
    REMINDER_TOPICS) also: digest readers get it in the digest instead. One query.
    The advising app's comment emails ask it too (apps/advising/guards.py)."""
    if user is None or not user.is_active:
        return _cancel("inactive")
    preference, quiet_from, quiet_until = notification_preference_for_delivery(user=user)
    if not preference.wants(topic):
        return _cancel("unsubscribed")
    if kind == DIGEST:
        if preference.delivery != Delivery.DIGEST:
            return _cancel("single emails")
    elif kind in REMINDER_TOPICS and preference.delivery == Delivery.DIGEST:
        return _cancel("digest")
    if preference.quiet_hours:
        until = quiet_hours_end(
            at=timezone.now(), time_zone=user.time_zone, start=quiet_from, end=quiet_until
        )
        if until is not None:
            return Verdict("defer", until=until, reason="quiet hours")
    return SEND


def guard_recipient(row: OutboundEmail) -> Verdict:
    """A reminder: does its recipient still want it, and now? Any other email is
    transactional and never held back."""
    topic = REMINDER_TOPICS.get(row.kind)
    if topic is None:
        return SEND
    return recipient_verdict(row.recipient, topic=topic, kind=row.kind)


_registered = False


def register() -> None:
    """Called from FollowupsConfig.ready(); once per process."""
    global _registered
    if _registered:
        return
    for prefix in ("followups/", REQUEST_NUDGE):
        outbox_register_guard(prefix, guard_still_wanted)
        outbox_register_guard(prefix, guard_recipient)
    _registered = True

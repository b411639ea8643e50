"""Reminder emails and what their recipients chose: preferences, quiet hours, and
the signed one-click unsubscribe link every reminder carries.

A reminder is rendered when it is queued; whether it still goes is decided when
it is delivered, by the guards in apps/followups/guards.py, which read the
preferences below. So a change of mind (or an unsubscribe) takes effect on every
reminder already waiting in the outbox.
"""

import base64
import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet, InvalidToken
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.crypto import salted_hmac

from apps.core.links import site_url
from apps.core.models import OutboundEmail
from apps.core.notify import notification_row, notify
from apps.followups.enums import REMINDER_TOPIC_FIELDS, REMINDER_TOPICS, TOPIC_FIELDS, Topic
from apps.followups.models import NotificationPreference

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
DIGEST_AT = time(8, 0)
# A person's own window; both None: their office's.
QUIET_FIELDS = ("quiet_hours_start", "quiet_hours_end")
UNSUBSCRIBE_SALT = "fieldnotes.followups.unsubscribe"


# --- Preferences --------------------------------------------------------------------


def notification_preference_get(*, user) -> NotificationPreference:
    """The user's preferences; the defaults (unsaved) if they never changed them."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


@transaction.atomic
def notification_preference_update(*, user, **values) -> NotificationPreference:
    allowed = {*TOPIC_FIELDS.values(), "delivery", "quiet_hours", *QUIET_FIELDS}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown preference fields: {sorted(unknown)}")
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user
    )
    for name, value in values.items():
        setattr(preference, name, value)
    preference.full_clean(exclude=["user"])
    preference.save()
    return preference


def notification_unsubscribe(*, user, topic: str) -> NotificationPreference:
    """Switch one topic off (the digest's link, Topic.ALL, switches off every
    reminder; an advisor's comments are not one)."""
    names = REMINDER_TOPIC_FIELDS.values() if topic == Topic.ALL else [TOPIC_FIELDS[Topic(topic)]]
    return notification_preference_update(user=user, **dict.fromkeys(names, False))


# --- Time ---------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_hours_window(office) -> tuple[time, time]:
    """(start, end) of the quiet hours an office chose; a platform user without an
    office keeps the default 21:00-08:00."""
    if office is None:
        return QUIET_FROM, QUIET_UNTIL
    return office.quiet_hours_start, office.quiet_hours_end


def _next_wall_clock(*, after: datetime, day, at_time: time, tz: ZoneInfo) -> datetime:
    """The first moment after `after` at which the clock in `tz` reads `at_time` on
    `day`, in UTC. Built as a local wall-clock time and then converted, so a night
    that changes to or from summer time still ends at 08:00 local, not 08:00 plus or
    minus an hour. When the clocks go back `at_time` can happen twice (fold 0, then
    fold 1): the first one still to come. When they go forward it may not happen at
    all (02:30 on a night that jumps from 02:00 to 03:00): then it is read on the
    old clock, as zoneinfo reads such a time (02:30 EST, which is 03:30 EDT)."""
    for fold in (0, 1):
        local = datetime.combine(day, at_time, tzinfo=tz).replace(fold=fold)
        utc = local.astimezone(UTC)
        exists = utc.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None)
        if exists and utc > after:
            return utc
    # In the gap: fold 0 reads it with the offset from before the jump.
    return datetime.combine(day, at_time, tzinfo=tz).astimezone(UTC)


def quiet_hours_end(
    *,
    at: datetime,
    time_zone: str | None,
    start: time = QUIET_FROM,
    end: time = QUIET_UNTIL,
) -> datetime | None:
    """If `at` falls in the quiet hours [start, end) of `time_zone`, when they end
    there, in UTC; otherwise None. A window whose start is later than its end
    (21:00-08:00) crosses midnight; one that does not (12:00-14:00) lies within a
    day. A window that starts and ends at the same time is empty (the office
    settings do not allow one; this is only a safe reading of it)."""
    if start == end:
        return None
    tz = zone(time_zone)
    local = at.astimezone(tz)
    now = local.time()
    if start < end:
        if not start <= now < end:
            return None
        day = local.date()
    else:
        if end <= now < start:
            return None
        day = local.date() + timedelta(days=1) if now >= start else local.date()
    return _next_wall_clock(after=at, day=day, at_time=end, tz=tz)


def notification_preference_for_delivery(*, user) -> tuple[NotificationPreference, time, time]:
    """The recipient's preferences and their quiet hours (start, end): their own if
    they set them, else their office's, in one query: the outbox guards (reminders,
    and the advising app's comment emails) ask this once per email."""
    found = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .select_related("office", "notification_preference")
        .first()
    )
    if found is None:
        return NotificationPreference(user=user), QUIET_FROM, QUIET_UNTIL
    try:
        preference = found.notification_preference
    except NotificationPreference.DoesNotExist:
        preference = NotificationPreference(user=user)
    return (preference, *preference.quiet_window(quiet_hours_window(found.office)))


# --- Unsubscribe --------------------------------------------------------------------


# An unsubscribe link works this long after its email was written (a digest or
# reminder read months later still unsubscribes); after that it says it expired.
UNSUBSCRIBE_TTL_SECONDS = 180 * 24 * 3600


class Expired:
    """An unsubscribe link of ours past UNSUBSCRIBE_TTL_SECONDS."""


EXPIRED = Expired()


def _unsubscribe_fernet() -> Fernet:
    # A key of its own, derived from SECRET_KEY: the token is encrypted (nobody
    # holding a link learns whose account it is) and carries its own time.
    key = salted_hmac(UNSUBSCRIBE_SALT, "fernet-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def unsubscribe_token(*, user_id: int, topic: str) -> str:
    payload = json.dumps([user_id, str(topic)]).encode()
    return _unsubscribe_fernet().encrypt(payload).decode().rstrip("=")


def unsubscribe_token_read(token: str) -> tuple[int, str] | None | Expired:
    """(user id, topic) from a link we made; EXPIRED for one of ours too old to
    use; None for anything else."""
    raw = (token + "=" * (-len(token) % 4)).encode()
    fernet = _unsubscribe_fernet()
    try:
        payload = fernet.decrypt(raw, ttl=UNSUBSCRIBE_TTL_SECONDS)
    except InvalidToken:
        try:
            fernet.decrypt(raw)
        except InvalidToken:
            return None
        return EXPIRED
    try:
        user_id, topic = json.loads(payload)
    except (TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or topic not in Topic.values:
        return None
    return user_id, topic


def unsubscribe_token_user(token: str) -> tuple:
    """(user, topic) for a link we made, (EXPIRED, None) for one too old, or (None,
    None): no sign-in needed, the encrypted token is the authority."""
    parsed = unsubscribe_token_read(token)
    if parsed is None or parsed is EXPIRED:
        return parsed, None
    user_id, topic = parsed
    user = get_user_model().objects.filter(pk=user_id).first()
    return (user, Topic(topic)) if user is not None else (None, None)


def unsubscribe_url(*, user_id: int, topic: str) -> str:
    token = unsubscribe_token(user_id=user_id, topic=topic)
    return site_url("unsubscribe", token)


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- Building reminder emails -------------------------------------------------------


def reminder_unsubscribe(*, user_id: int, template: str) -> tuple[dict, dict[str, str]]:
    """The unsubscribe footer's context (templates/emails/followups/_unsubscribe.*)
    and the List-Unsubscribe headers every reminder carries, for its topic."""
    topic = REMINDER_TOPICS[template]
    url = unsubscribe_url(user_id=user_id, topic=topic)
    context = {
        "unsubscribe_url": url,
        "topic_label": Topic(topic).label,
        "preferences_url": site_url("notification_settings"),
    }
    return context, unsubscribe_headers(url)


def _reminder(
    *, user, template: str, context: dict, key: str, subject_ref: str, due_at: datetime
) -> dict:
    """A reminder is a notification (apps.core.notify) with the unsubscribe footer
    and headers of its topic."""
    footer, headers = reminder_unsubscribe(user_id=user.pk, template=template)
    return {
        "user": user,
        "template": template,
        "context": {**context, **footer},
        "about": subject_ref,
        "headers": headers,
        "key": key,
        "due_at": due_at,
    }


def reminder_queue(**reminder) -> None:
    """Queue one reminder in the caller's transaction (the thank-you reminders, made
    when the meeting is marked held). Takes `user`, `template`, `context`, `key`,
    `subject_ref`, `due_at`."""
    notify(**_reminder(**reminder))


def reminder_row(**reminder) -> OutboundEmail:
    """What `reminder_queue` queues, as an unsaved row, for the sweeps'
    bulk_create(ignore_conflicts=True)."""
    return notification_row(**_reminder(**reminder))

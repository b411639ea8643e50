"""The secret calendar feed, read: the feed behind a URL, if it still works, and
the meetings it holds. The token in the URL is the only credential, and the feed
holds nothing but its owner's interviews."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.accounts.enums import Approval, Role
from apps.interviews.enums import State
from apps.interviews.models import FEED_NONCE_CHARS, CalendarFeed, Interview
from apps.interviews.selectors.interviews import interviews_of_participant

FEED_ROLES = (Role.STUDENT, Role.ALUMNI)


# How far back the feed reaches: recent meetings stay visible for writing the
# thank-you and the notes.
FEED_HISTORY_DAYS = 30


# A meeting marked as held stays in the calendar rather than vanishing from it.
FEED_STATES = (State.SCHEDULED, State.COMPLETED)


def calendar_feed_for_token(*, token: str) -> CalendarFeed | None:
    """The feed behind a URL, if it still works: the token is current (its nonce
    finds the row, its HMAC half matches) and its owner can still sign in."""
    feed = (
        CalendarFeed.objects.filter(
            nonce=token[:FEED_NONCE_CHARS],
            user__is_active=True,
            user__role__in=FEED_ROLES,
            user__approval=Approval.APPROVED,
        )
        .select_related("user")
        .first()
    )
    if feed is None or not constant_time_compare(token, feed.token):
        return None
    return feed


def calendar_feed_interviews(*, user, now: datetime | None = None) -> QuerySet[Interview]:
    """The user's agreed meetings, as student or as volunteer, from 30 days back."""
    now = now or timezone.now()
    return (
        interviews_of_participant(
            user=user,
            state__in=FEED_STATES,
            starts_at__gte=now - timedelta(days=FEED_HISTORY_DAYS),
        )
        .select_related("student", "contact", "volunteer__user")
        .prefetch_related("questions")
        .order_by("starts_at", "pk")
    )

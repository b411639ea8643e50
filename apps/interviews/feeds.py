"""The secret calendar feed: one URL per person that calendar programs subscribe
to. The token in the URL is the only credential, so resetting it must stop the
old URL at once, and the feed must hold nothing but its owner's interviews."""

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.enums import Approval, Role
from apps.interviews.enums import State
from apps.interviews.models import CalendarFeed, Interview

FEED_ROLES = (Role.STUDENT, Role.ALUMNI)
# How far back the feed reaches: recent meetings stay visible for writing the
# thank-you and the notes.
FEED_HISTORY_DAYS = 30
# A meeting marked as held stays in the calendar rather than vanishing from it.
FEED_STATES = (State.SCHEDULED, State.COMPLETED)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _check_role(user) -> None:
    if user.office_id is None or user.role not in FEED_ROLES:
        raise PermissionError("only students and alumni have a calendar feed")


def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    _check_role(user)
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user, token=_new_token())
    except IntegrityError:
        # The same person opened the page twice at once; the other request won.
        return CalendarFeed.objects.get(user=user)


@transaction.atomic
def calendar_feed_reset(*, user) -> CalendarFeed:
    """A new secret URL; the old one answers 404 from now on."""
    _check_role(user)
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token": _new_token(), "created_at": timezone.now()}
    )
    return feed


def calendar_feed_for_token(*, token: str) -> CalendarFeed | None:
    """The feed behind a URL, if it still works: the token is current and its owner
    can still sign in."""
    return (
        CalendarFeed.objects.filter(
            token=token,
            user__is_active=True,
            user__role__in=FEED_ROLES,
            user__approval=Approval.APPROVED,
        )
        .select_related("user")
        .first()
    )


def calendar_feed_interviews(*, user, now: datetime | None = None) -> QuerySet[Interview]:
    """The user's agreed meetings, as student or as volunteer, from 30 days back."""
    now = now or timezone.now()
    return (
        Interview.objects.filter(Q(student=user) | Q(volunteer__user=user))
        .filter(
            state__in=FEED_STATES,
            starts_at__gte=now - timedelta(days=FEED_HISTORY_DAYS),
        )
        .select_related("student", "contact", "volunteer__user")
        .prefetch_related("questions")
        .order_by("starts_at", "pk")
    )

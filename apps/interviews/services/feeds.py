"""The secret calendar feed's writes: one URL per person; resetting it stops the
old URL at once. Reads (the feed behind a token, its meetings) are in
selectors/feeds.py."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.interviews.models import CalendarFeed
from apps.interviews.selectors.feeds import FEED_ROLES


def _new_secret() -> dict:
    """What the row stores: a fresh nonce (the token is derived from it)."""
    return {"nonce": secrets.token_urlsafe(16)}


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
            return CalendarFeed.objects.create(user=user, **_new_secret())
    except IntegrityError:
        # The same person opened the page twice at once; the other request won.
        return CalendarFeed.objects.get(user=user)


@transaction.atomic
def calendar_feed_reset(*, user) -> CalendarFeed:
    """A new secret URL; the old one answers 404 from now on."""
    _check_role(user)
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user, defaults={**_new_secret(), "created_at": timezone.now()}
    )
    return feed

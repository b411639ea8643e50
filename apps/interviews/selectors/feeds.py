"""The secret calendar feed, read: the feed behind a URL, if it still works, and
the meetings it holds. The token in the URL is the only credential, and the feed
holds nothing but its owner's interviews."""

import json
from datetime import UTC, datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Case, CharField, OuterRef, Subquery, TextField, When
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.accounts.enums import Approval, Role
from apps.core.statements import StatementRows
from apps.interviews.enums import State
from apps.interviews.models import FEED_NONCE_CHARS, CalendarFeed, Interview, PreparedQuestion
from apps.interviews.selectors.interviews import interviews_of_participant

FEED_ROLES = (Role.STUDENT, Role.ALUMNI)


# How far back the feed reaches: recent meetings stay visible for writing the
# thank-you and the notes.
FEED_HISTORY_DAYS = 30


# A meeting marked as held stays in the calendar rather than vanishing from it.
FEED_STATES = (State.SCHEDULED, State.COMPLETED)

# Every coming meeting and the last 30 days' come to a few dozen even for the
# busiest student; the cap only keeps a runaway account from writing an endless
# file. The latest meetings are kept, so the coming ones always are.
FEED_MAX_EVENTS = 200

# What the feed writes, and nothing more: a calendar program fetches the feed every
# hour, for years.
FEED_FIELDS = (
    "uid",
    "sequence",
    "state",
    "starts_at",
    "duration_minutes",
    "format",
    "location",
    "meeting_url",
    "questions_shared_at",
    "updated_at",
    "student_id",
    "student__full_name",
    "contact__full_name",
    "volunteer__user_id",
)


def calendar_feed_for_token(*, token: str) -> CalendarFeed | None:
    """The feed behind a URL, if it still works: the token is current (its nonce
    finds the row, its HMAC half matches) and its owner can still sign in."""
    found = StatementRows(
        shape=("calendar feed for token",),
        build=_feed_for_nonce,
        inputs={"nonce": token[:FEED_NONCE_CHARS]},
        sentinels={"nonce": "feed-nonce-sentinel"},
    )[0:1]
    feed = found[0] if found else None
    if feed is None or not constant_time_compare(token, feed.token):
        return None
    return feed


def _feed_for_nonce(values: dict):
    return (
        CalendarFeed.objects.filter(
            nonce=values["nonce"],
            user__is_active=True,
            user__role__in=FEED_ROLES,
            user__approval=Approval.APPROVED,
        )
        .select_related("user")
        .order_by("pk")
    )


class _JsonTexts(Subquery):
    """The subquery's one column as a JSON array, in its order, for SQLite (which has
    no ARRAY): the embedded default database and `make test`."""

    template = '(SELECT json_group_array("text") FROM (%(subquery)s))'
    output_field = TextField()


def calendar_feed_interviews(*, user, now: datetime | None = None) -> list[Interview]:
    """The user's agreed meetings, as student or as volunteer, from 30 days back, the
    latest FEED_MAX_EVENTS of them, latest first, in one query: with each, the
    names the event shows (`student`, `contact`, `volunteer.user_id`) and, once
    shared, the prepared questions' texts in order (`feed_questions`, None before;
    questions not shared are never read)."""
    now = now or timezone.now()
    # A calendar program fetches the feed every hour: its query is compiled once per
    # process (core.statements), and each fetch only binds the user and the time.
    interviews = StatementRows(
        shape=("calendar feed interviews",),
        build=_feed_interviews,
        inputs={"user_id": user.pk, "since": now - timedelta(days=FEED_HISTORY_DAYS)},
        sentinels={"user_id": 2_000_000_017, "since": datetime(1901, 1, 1, tzinfo=UTC)},
    )[0:FEED_MAX_EVENTS]
    if connection.vendor != "postgresql":
        for interview in interviews:
            if interview.feed_questions is not None:
                interview.feed_questions = json.loads(interview.feed_questions)
    return interviews


def _feed_interviews(values: dict):
    texts = PreparedQuestion.objects.filter(interview=OuterRef("pk")).order_by("position", "pk")
    if connection.vendor == "postgresql":
        questions, output = ArraySubquery(texts.values("text")), ArrayField(CharField())
    else:
        questions, output = _JsonTexts(texts.values("text")), TextField()
    return (
        interviews_of_participant(
            user=values["user_id"], state__in=FEED_STATES, starts_at__gte=values["since"]
        )
        .select_related("student", "contact", "volunteer")
        .only(*FEED_FIELDS)
        .annotate(
            feed_questions=Case(
                When(questions_shared_at__isnull=False, then=questions),
                output_field=output,
            )
        )
        .order_by("-starts_at", "-pk")
    )

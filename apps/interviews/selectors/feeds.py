"""The secret calendar feed, read: the feed behind a URL, if it still works, and
the meetings it holds. The token in the URL is the only credential, and the feed
holds nothing but its owner's interviews."""

import json
from datetime import datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Case, CharField, OuterRef, Subquery, TextField, When
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.accounts.enums import Approval, Role
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
    texts = PreparedQuestion.objects.filter(interview=OuterRef("pk")).order_by("position", "pk")
    postgres = connection.vendor == "postgresql"
    if postgres:
        questions, output = ArraySubquery(texts.values("text")), ArrayField(CharField())
    else:
        questions, output = _JsonTexts(texts.values("text")), TextField()
    interviews = list(
        interviews_of_participant(
            user=user,
            state__in=FEED_STATES,
            starts_at__gte=now - timedelta(days=FEED_HISTORY_DAYS),
        )
        .select_related("student", "contact", "volunteer")
        .only(*FEED_FIELDS)
        .annotate(
            feed_questions=Case(
                When(questions_shared_at__isnull=False, then=questions),
                output_field=output,
            )
        )
        .order_by("-starts_at", "-pk")[:FEED_MAX_EVENTS]
    )
    if not postgres:
        for interview in interviews:
            if interview.feed_questions is not None:
                interview.feed_questions = json.loads(interview.feed_questions)
    return interviews

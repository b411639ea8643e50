"""The secret calendar feed, read: the feed behind a URL, if it still works, and
the meetings it holds. The token in the URL is the only credential, and the feed
holds nothing but its owner's interviews."""

import json
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Case, CharField, OuterRef, Subquery, TextField, When
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.accounts.enums import Approval, Role
from apps.accounts.models import User
from apps.contacts.models import Contact, VolunteerProfile
from apps.core.statements import StatementRows
from apps.interviews.enums import State
from apps.interviews.models import (
    FEED_NONCE_CHARS,
    CalendarFeed,
    Interview,
    PreparedQuestion,
    calendar_feed_token,
)
from apps.interviews.selectors.interviews import participant_q

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
        # What the token check and the feed's callers read; not the owner's row.
        .only("nonce", "user_id")
        .order_by("pk")
    )


class _JsonTexts(Subquery):
    """The subquery's one column as a JSON array, in its order, for SQLite (which has
    no ARRAY): the embedded default database and `make test`."""

    template = '(SELECT json_group_array("text") FROM (%(subquery)s))'
    output_field = TextField()


class FeedRow(NamedTuple):
    """A meeting as the feed writes it (and its ETag digests): the interview's own
    columns, the student's and contact's names, the volunteer's user (None without
    one) and, once shared, the prepared questions' texts in order (None before)."""

    pk: int
    uid: UUID
    sequence: int
    state: str
    starts_at: datetime
    duration_minutes: int
    format: str
    location: str
    meeting_url: str
    questions_shared_at: datetime | None
    updated_at: datetime
    student_id: int
    student_name: str
    contact_name: str
    volunteer_user_id: int | None
    questions: list[str] | None


def calendar_feed_read(*, token: str, now: datetime | None = None):
    """The feed a URL's token opens, as (its owner's id, their meetings): None if it
    opens none (calendar_feed_for_token). The meetings are the owner's agreed ones,
    as student or as volunteer, from FEED_HISTORY_DAYS back, the latest
    FEED_MAX_EVENTS of them, latest first, each a FeedRow.

    One query when the feed has a meeting: the owner is found by the nonce inside
    it. The token's HMAC half is checked first, so a forged token reads nothing;
    only a feed without meetings reads its row again, to tell an empty calendar
    from a feed that is gone."""
    if not constant_time_compare(token, calendar_feed_token(token[:FEED_NONCE_CHARS])):
        return None
    now = now or timezone.now()
    # A calendar program fetches the feed every hour: its query is compiled once per
    # process (core.statements), and each fetch only binds the nonce and the time.
    rows = StatementRows(
        shape=("calendar feed rows",),
        build=_feed_rows,
        inputs={
            "nonce": token[:FEED_NONCE_CHARS],
            "since": now - timedelta(days=FEED_HISTORY_DAYS),
        },
        sentinels={"nonce": "feed-nonce-sentinel", "since": datetime(1901, 1, 1, tzinfo=UTC)},
    )[0:FEED_MAX_EVENTS]
    if not rows:
        feed = calendar_feed_for_token(token=token)
        return None if feed is None else (feed.user_id, [])
    decode = connection.vendor != "postgresql"
    meetings = []
    for *row, questions, _owner in rows:
        if decode and questions is not None:
            questions = json.loads(questions)
        meetings.append(FeedRow(*row, questions))
    return rows[0][-1], meetings


def _feed_rows(values: dict):
    # The owner as scalar subqueries (each planned and run once), and the names as
    # correlated ones: no join, and the user's two sides an OR of the interview's
    # own columns (participant_q). The union of ids and four joins this replaced
    # took 1.6 ms to plan against 0.5 ms to run on the scale data; this plans in 0.3.
    owner = Subquery(_feed_for_nonce(values).order_by().values("user_id"))
    texts = PreparedQuestion.objects.filter(interview=OuterRef("pk")).order_by("position", "pk")
    if connection.vendor == "postgresql":
        questions, output = ArraySubquery(texts.values("text")), ArrayField(CharField())
    else:
        questions, output = _JsonTexts(texts.values("text")), TextField()
    return (
        Interview.objects.filter(
            participant_q(owner),
            state__in=FEED_STATES,
            starts_at__gte=values["since"],
        )
        .annotate(
            student_name=_name_of(User, "student_id", "full_name"),
            contact_name=_name_of(Contact, "contact_id", "full_name"),
            volunteer_user_id=_name_of(VolunteerProfile, "volunteer_id", "user_id"),
            feed_questions=Case(
                When(questions_shared_at__isnull=False, then=questions),
                output_field=output,
            ),
            owner=owner,
        )
        .order_by("-starts_at", "-pk")
        # FeedRow's `questions`, under a name no field of Interview has.
        .values_list(*FeedRow._fields[:-1], "feed_questions", "owner")
    )


def _name_of(model, column: str, field: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(column)).order_by().values(field))

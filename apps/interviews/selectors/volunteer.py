"""The volunteer's home and inbox, each read by a statement compiled once per process
and shape (apps.core.statements): building and compiling these queries in the ORM
cost the pages more than PostgreSQL spends running them. Each row carries what the
page shows as annotations (the student's name, programme and year), so no related
instance is built; every read is scoped to the volunteer asking, as
interview_inbox_for_volunteer is."""

from datetime import UTC, datetime
from typing import NamedTuple

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from apps.accounts.models import User
from apps.contacts.models import VolunteerProfile
from apps.core.models import LARGEST_ID
from apps.core.statements import StatementRows
from apps.interviews.enums import State
from apps.interviews.models import Interview
from apps.students.models import StudentProfile

# Values no real input has, to trace each parameter of a statement to its input.
_USER, _OFFICE, _VOLUNTEER = LARGEST_ID, LARGEST_ID - 1, LARGEST_ID - 2
_WAITING = LARGEST_ID - 3
_NOW = datetime(1999, 12, 31, 23, 59, 58, tzinfo=UTC)


def _count_in(state) -> Coalesce:
    # COUNT(*), not RowsFigure's COUNT(id): counting a column the Interview
    # (volunteer, state) index does not hold read every row from the table (60
    # pages for the scale volunteer's 60 conversations held); counting rows is an
    # index-only scan of that index (3 pages).
    rows = (
        Interview.objects.filter(volunteer=OuterRef("pk"), state=state)
        .order_by()
        .values("volunteer")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


# What the home reads of the profile (its template, volunteer_requests_this_month,
# response_rate and the follow-ups' slot): not the directory's search columns, bio
# and the rest, which were most of the row's bytes.
HOME_PROFILE_FIELDS = (
    "user",
    "office",
    "capacity_per_month",
    "accepting_requests",
    "paused_until",
    "month_started",
    "requests_in_month",
    "requests_received",
    "requests_answered",
)


def _home_profile_query(values: dict) -> QuerySet[VolunteerProfile]:
    return (
        VolunteerProfile.objects.filter(user_id=values["user"])
        .only(*HOME_PROFILE_FIELDS)
        .annotate(waiting_count=_count_in(State.REQUESTED), held_count=_count_in(State.COMPLETED))
        # One profile a user: the model's order by the user's name only adds a join.
        .order_by()
    )


def volunteer_home_profile(*, user) -> VolunteerProfile | None:
    """The user's volunteer profile (volunteer_profile_for_user) with how many of
    their requests wait for an answer (`waiting_count`) and how many conversations
    they held (`held_count`), in one query. The office is the user's own, already
    read with them; the counts are the inbox's (interview_inbox_for_volunteer), so
    0 for a profile of another office than the user's. Only HOME_PROFILE_FIELDS
    are read; any other field is read by a query of its own."""
    rows = StatementRows(
        shape=("interviews.volunteer_home_profile",),
        build=_home_profile_query,
        inputs={"user": user.pk},
        sentinels={"user": _USER},
    )[0:1]
    if not rows:
        return None
    profile = rows[0]
    if profile.office_id == user.office_id:
        profile.office = user.office
    else:
        profile.waiting_count = profile.held_count = 0
    return profile


def _home_rows_query(limit: int):
    def build(values: dict) -> QuerySet[Interview]:
        # The user's interviews as student or as volunteer (interviews_of_participant):
        # one table, so PostgreSQL ORs its (student, state) and (volunteer, state)
        # indexes without the union and join that form needs.
        theirs = Q(student_id=values["user"])
        if "volunteer" in values:
            theirs |= Q(volunteer_id=values["volunteer"])
        shown = theirs & Q(state=State.SCHEDULED, starts_at__gte=values["now"])
        if "waiting" in values:
            shown |= Q(volunteer_id=values["waiting"], state=State.REQUESTED)
        # Requests by when they were sent, meetings by when they start.
        order = (
            Case(When(state=State.REQUESTED, then=F("requested_at")), default=F("starts_at")),
            F("pk"),
        )
        return (
            Interview.objects.filter(shown)
            .annotate(
                student_name=F("student__full_name"),
                home_rank=Window(RowNumber(), partition_by=F("state"), order_by=order),
            )
            .filter(home_rank__lte=limit)
            .order_by(*order)
            .values_list(*HomeRow._fields)
        )

    return build


class HomeRow(NamedTuple):
    """A row of the volunteer's home lists: the few columns it shows, not an
    Interview instance (building one cost more than the row's HTML)."""

    pk: int
    state: str
    requested_at: datetime | None
    starts_at: datetime | None
    format: str
    student_name: str


def volunteer_home_rows(
    *, user, profile: VolunteerProfile | None, limit: int
) -> tuple[list[HomeRow], list[HomeRow]]:
    """The volunteer's home lists, in one query, each row a HomeRow:
    the `limit` requests waiting longest for their answer, oldest first (the
    profile's, when it is of the user's office, as interview_inbox_for_volunteer;
    else none), and upcoming_for_user's first `limit`, the meetings booked from now
    on, soonest first."""
    inputs = {"user": user.pk, "now": timezone.now()}
    sentinels = {"user": _USER, "now": _NOW}
    if profile is not None:
        inputs["volunteer"], sentinels["volunteer"] = profile.pk, _VOLUNTEER
        if profile.office_id == user.office_id:
            inputs["waiting"], sentinels["waiting"] = profile.pk, _WAITING
    rows = StatementRows(
        shape=("interviews.volunteer_home_rows", tuple(sorted(inputs)), limit),
        build=_home_rows_query(limit),
        inputs=inputs,
        sentinels=sentinels,
    )[:]
    waiting, upcoming = [], []
    for row in rows:
        if row[1] == State.REQUESTED:
            waiting.append(HomeRow(*row))
        elif row[1] == State.SCHEDULED:
            upcoming.append(HomeRow(*row))
    return waiting, upcoming


def _student_column(column: str, model=User, key: str = "pk") -> Subquery:
    # One row at most: the user by id, their profile by its unique user.
    return Subquery(model.objects.filter(**{key: OuterRef("student_id")}).order_by().values(column))


# What each inbox row is: a tuple of these, in this order (as the ORM gives
# values_list() rows: the model's columns, then the annotations).
INBOX_ROW = (
    "pk",
    "state",
    "starts_at",
    "requested_at",
    "student_name",
    "programme",
    "graduation_year",
)


def _inbox_query(states: tuple, *, counted: bool):
    def build(values: dict) -> QuerySet[Interview]:
        # The volunteer's profile (one a user) as a scalar subquery and the student's
        # columns as correlated ones, not joins: PostgreSQL plans each in a third of
        # the time (on the scale volunteer's inbox 0.6 and 0.35 ms of planning the
        # joins, against 0.2 each), walks the interview's (volunteer, state) index
        # for the one profile, and reads the names for the rows returned only (a
        # page of a long list: after the sort and limit).
        profile = (
            VolunteerProfile.objects.filter(user_id=values["user"], office_id=values.get("office"))
            .order_by()
            .values("pk")
        )
        rows = (
            Interview.objects.filter(volunteer_id=Subquery(profile), state__in=states)
            .annotate(
                student_name=_student_column("full_name"),
                programme=_student_column("programme", StudentProfile, "user_id"),
                graduation_year=_student_column("graduation_year", StudentProfile, "user_id"),
            )
            .order_by("-requested_at", "-pk")
        )
        if counted:
            # How many rows the whole list has, on each row of the page: the
            # paginator's count without a query of its own.
            rows = rows.annotate(past_total=Window(Count("pk")))
        # Tuples of the few columns the inbox shows, not instances (building one
        # cost more than the row's HTML).
        return rows.values_list(*INBOX_ROW, *(("past_total",) if counted else ()))

    return build


def _inbox_rows(*, user, states, counted: bool = False) -> StatementRows:
    inputs, sentinels = {"user": user.pk}, {"user": _USER}
    if user.office_id is not None:
        inputs["office"], sentinels["office"] = user.office_id, _OFFICE
    return StatementRows(
        shape=("interviews.volunteer_inbox", tuple(states), counted, user.office_id is None),
        build=_inbox_query(tuple(states), counted=counted),
        inputs=inputs,
        sentinels=sentinels,
    )


def volunteer_inbox_rows(*, user, states) -> list[tuple]:
    """The volunteer's requests in `states` (interview_inbox_rows_for_volunteer),
    latest request first, each a tuple of INBOX_ROW: the interview's pk, state,
    starts_at and requested_at, the student's name, programme and graduation year
    (None without a profile)."""
    return _inbox_rows(user=user, states=states)[:]


def volunteer_inbox_first_page(*, user, states, per_page: int) -> tuple[list[tuple], int]:
    """The first `per_page` of volunteer_inbox_rows, and how many there are in all,
    in one query."""
    rows = _inbox_rows(user=user, states=states, counted=True)[0:per_page]
    return [row[:-1] for row in rows], (rows[0][-1] if rows else 0)


def volunteer_inbox_pages(*, user, states) -> StatementRows:
    """volunteer_inbox_rows to page through (sliced and counted by a Paginator)."""
    return _inbox_rows(user=user, states=states)

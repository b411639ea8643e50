"""Office-wide figures of conversations and of the volunteers asked for them, for
the advisors' dashboard. Each function counts in the database, in one query
whatever the number of students, over the students of a cohort
(students.selectors.Cohort) and one or more periods (core.periods.Period)."""

from datetime import timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, Trunc

from apps.contacts.directory import volunteer_member_filter
from apps.contacts.models import VolunteerProfile
from apps.core.figures import subquery_count
from apps.interviews.enums import NOT_INTERACTIONS, State
from apps.interviews.models import Interview, InterviewEvent

# How long a volunteer took to answer: accepting and declining both set answered_at
# (apps.interviews.services.answers), nothing else does.
WAIT = ExpressionWrapper(F("answered_at") - F("requested_at"), output_field=DurationField())


def _sent(cohort) -> QuerySet[Interview]:
    """The cohort's requests that were sent (a draft never was)."""
    return Interview.objects.filter(cohort.q("student__"), requested_at__isnull=False).exclude(
        state=State.DRAFT
    )


def interview_figures_for_office(*, cohort, periods) -> list[dict]:
    """For each period, in one query:

    - requests, students_requesting: requests sent in the period, and by how many
      students;
    - accepted, students_accepted: requests accepted in the period (whatever became
      of the meeting since), and by how many students; declined: declined in it;
    - held, students_met: conversations held in the period (state completed), and
      how many students held one.
    """
    earliest = min(p.start for p in periods)
    rows = _sent(cohort).filter(
        Q(requested_at__gte=earliest) | Q(answered_at__gte=earliest) | Q(held_at__gte=earliest)
    )
    aggregates = {}
    for i, period in enumerate(periods):
        sent = period.q("requested_at")
        yes = period.q("answered_at") & ~Q(state=State.DECLINED)
        no = period.q("answered_at") & Q(state=State.DECLINED)
        held = period.q("held_at") & Q(state=State.COMPLETED)
        aggregates |= {
            f"requests_{i}": Count("pk", filter=sent),
            f"students_requesting_{i}": Count("student", distinct=True, filter=sent),
            f"accepted_{i}": Count("pk", filter=yes),
            f"students_accepted_{i}": Count("student", distinct=True, filter=yes),
            f"declined_{i}": Count("pk", filter=no),
            f"held_{i}": Count("pk", filter=held),
            f"students_met_{i}": Count("student", distinct=True, filter=held),
        }
    totals = rows.aggregate(**aggregates)
    names = sorted({key.rsplit("_", 1)[0] for key in aggregates})
    return [{name: totals[f"{name}_{i}"] for name in names} for i in range(len(periods))]


def conversation_series_for_office(*, cohort, period, unit: str, tz) -> dict:
    """Conversations held in the period per `unit` ("week" or "month", starting in
    the zone `tz`): {first day of the week or month: count}. Weeks and months
    without any are absent."""
    rows = (
        _sent(cohort)
        .filter(period.q("held_at"), state=State.COMPLETED)
        .annotate(bucket=Trunc("held_at", unit, tzinfo=tz))
        .order_by()
        .values("bucket")
        .annotate(n=Count("pk"))
    )
    return {row["bucket"].date(): row["n"] for row in rows}


def students_with_interview_activity(*, cohort, period) -> Q:
    """Filter a queryset of users to those with an entry on a conversation's
    timeline in the period, the system's own left out (NOT_INTERACTIONS: a draft
    saved, the reminder, the expiry), as the caseload's last activity counts."""
    entries = (
        InterviewEvent.objects.filter(cohort.q("interview__student__"), period.q("created_at"))
        .exclude(kind__in=NOT_INTERACTIONS)
        .values("interview__student_id")
    )
    return Q(pk__in=entries)


# --- Volunteers ----------------------------------------------------------------------


def _volunteers(cohort) -> QuerySet[VolunteerProfile]:
    """The office's volunteers as they stand: approved, active, not deactivated."""
    return VolunteerProfile.objects.filter(volunteer_member_filter(office_id=cohort.office_id))


def _to_volunteers(cohort) -> QuerySet[Interview]:
    return _sent(cohort).filter(volunteer__in=_volunteers(cohort).values("pk"))


def volunteer_figures_for_office(*, cohort, periods) -> list[dict]:
    """For each period, in one query, the requests the office's volunteers received
    from the cohort in it: received, answered (accepted or declined, by now),
    accepted, and volunteers_asked (how many volunteers received at least one)."""
    rows = _to_volunteers(cohort).filter(requested_at__gte=min(p.start for p in periods))
    aggregates = {}
    for i, period in enumerate(periods):
        sent = period.q("requested_at")
        answered = sent & Q(answered_at__isnull=False)
        aggregates |= {
            f"received_{i}": Count("pk", filter=sent),
            f"answered_{i}": Count("pk", filter=answered),
            f"accepted_{i}": Count("pk", filter=answered & ~Q(state=State.DECLINED)),
            f"volunteers_asked_{i}": Count("volunteer", distinct=True, filter=sent),
        }
    totals = rows.aggregate(**aggregates)
    names = ("received", "answered", "accepted", "volunteers_asked")
    return [{name: totals[f"{name}_{i}"] for name in names} for i in range(len(periods))]


class _Median(Aggregate):
    """PostgreSQL's continuous median (interpolated between the two middle values
    when there is an even number of them)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def volunteer_median_response(*, cohort, periods) -> list[timedelta | None]:
    """For each period, the median time the office's volunteers took to answer
    (accept or decline) the requests the cohort sent them in it; None when none
    was answered. One query: `percentile_cont` on PostgreSQL; elsewhere the one or
    two middle rows of each period, numbered by a window function, averaged here."""
    answered = _to_volunteers(cohort).filter(answered_at__isnull=False)
    if connection.vendor == "postgresql":
        totals = answered.aggregate(
            **{f"m{i}": _Median(WAIT, filter=p.q("requested_at")) for i, p in enumerate(periods)}
        )
        return [totals[f"m{i}"] for i in range(len(periods))]
    which = Case(
        *(When(p.q("requested_at"), then=Value(i)) for i, p in enumerate(periods)),
        output_field=IntegerField(),
    )
    middle = (
        answered.order_by()
        .annotate(which=which, wait=WAIT)
        .filter(which__isnull=False)
        .annotate(
            rn=Window(RowNumber(), partition_by=F("which"), order_by=[F("wait").asc(), "pk"]),
            n=Window(Count("pk"), partition_by=F("which")),
        )
        # Integer division: rows (n+1)/2 to (n+2)/2 are the middle one or two.
        .filter(rn__gte=(F("n") + 1) / 2, rn__lte=(F("n") + 2) / 2)
        .values_list("which", "wait")
    )
    found: dict[int, list[timedelta]] = {}
    for i, wait in middle:
        found.setdefault(i, []).append(wait)
    return [
        sum(found[i], timedelta()) / len(found[i]) if i in found else None
        for i in range(len(periods))
    ]


def _ranked(cohort, period) -> QuerySet[VolunteerProfile]:
    received = Interview.objects.filter(
        cohort.q("student__"), period.q("requested_at"), volunteer=OuterRef("pk")
    ).exclude(state=State.DRAFT)
    return _volunteers(cohort).annotate(requests=subquery_count(received, per="volunteer"))


def volunteer_ranking_for_office(*, cohort, period, most: bool, limit: int = 5) -> list[dict]:
    """The `limit` office volunteers the cohort asked most (or least) in the period,
    with how many requests each received, ties by name; each row also holds
    `volunteers`, how many volunteers the office has."""
    order = ["-requests" if most else "requests", "user__full_name", "pk"]
    return list(
        _ranked(cohort, period)
        .annotate(volunteers=Window(Count("pk")))
        .order_by(*order)
        .values("pk", "user__full_name", "employer", "requests", "volunteers")[:limit]
    )


def volunteer_busiest_requests(*, cohort, period, busiest: int) -> int:
    """How many requests in the period went to the `busiest` most-asked volunteers."""
    top = _ranked(cohort, period).order_by("-requests", "pk")[: max(busiest, 1)]
    return top.aggregate(n=Sum("requests"))["n"] or 0

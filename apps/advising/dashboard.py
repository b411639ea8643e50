"""Reads of the office dashboard: every figure of an office's students over a date
range, beside the same figure for the period of equal length just before it.

Each app counts its own data in the database (contacts, interviews, follow-ups:
their `*_for_office` selectors), over one cohort of students (students.selectors:
the office's active students, narrowed to a programme and a graduation year) and
both periods at once, so the dashboard is a fixed number of queries whatever the
number of students. This module only composes them and fills the weeks or months
without any rows.
"""

import hashlib
import math
import secrets
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.contacts.selectors import (
    contact_figures_for_office,
    field_ranking_for_office,
    students_adding_contacts,
)
from apps.core.periods import MONTH, WEEK, Period, period_buckets
from apps.followups.selectors import (
    followup_student_figures_for_office,
    students_following_up,
    thank_you_figures_for_office,
    thank_you_series_for_office,
)
from apps.interviews.selectors.office import (
    conversation_series_for_office,
    interview_figures_for_office,
    students_with_interview_activity,
    volunteer_busiest_requests,
    volunteer_figures_for_office,
    volunteer_median_response,
    volunteer_ranking_for_office,
)
from apps.students.selectors import (
    cohort_students,
    programmes_cache_keys,
    programmes_for_office,
    student_cohort,
)

# A range up to this long is shown week by week; a longer one month by month.
WEEKLY_UP_TO_DAYS = 183
TOP_FIELDS = 10
VOLUNTEERS_LISTED = 5
# "How evenly": the share of requests that went to this fraction of the
# volunteers, the most asked ones.
BUSIEST_FRACTION = 0.1


def percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


# Each figure's label, by its key. Not kept on the figure: figures are cached
# pickled, and each lazy translation unpickled builds a class (Django's lazy());
# fourteen of them took longer than the rest of the page's view.
FIGURE_LABELS = {
    "with_targets": _("Have a target list"),
    "students_requesting": _("Sent a request"),
    "students_accepted": _("Had a request accepted"),
    "students_met": _("Held a conversation"),
    "thanked_on_time": _("Thanked on time"),
    "kept_in_touch": _("Kept in touch"),
    "requests": _("Requests sent"),
    "acceptance": _("Requests accepted"),
    "held": _("Conversations held"),
    "on_time": _("Thank-yous on time"),
    "inactive": _("Students with no activity"),
    "received": _("Requests to volunteers"),
    "volunteer_acceptance": _("Accepted by volunteers"),
    "median_response": _("Median time to answer"),
}


@dataclass(frozen=True)
class Figure:
    """A headline number beside its value in the previous period. `kind`: "count",
    "percent" (compared in percentage points) or "duration" (a timedelta)."""

    key: str
    value: float | int | timedelta | None
    previous: float | int | timedelta | None
    kind: str = "count"

    @property
    def label(self) -> str:
        return FIGURE_LABELS[self.key]

    @property
    def change(self) -> float | None:
        """The change from the previous period: percentage points for a percentage,
        per cent of the previous value otherwise; None when there is nothing to
        compare with."""
        if self.value is None or self.previous is None:
            return None
        if self.kind == "percent":
            return self.value - self.previous
        if self.kind == "duration":
            now, then = self.value.total_seconds(), self.previous.total_seconds()
        else:
            now, then = self.value, self.previous
        return 100 * (now - then) / then if then else None


@dataclass(frozen=True)
class Bucket:
    """A week (from its Monday) or a month (from its first) of a series."""

    start: date
    value: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def closed(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def rate(self) -> float | None:
        return percent(self.on_time, self.closed)


@dataclass(frozen=True)
class Engagement:
    """The office's volunteers, asked by the cohort in the period."""

    volunteers: int
    asked: int
    received: Figure
    acceptance: Figure
    median_response: Figure
    busiest: int
    busiest_requests: int
    most: list = field(default_factory=list)
    least: list = field(default_factory=list)

    @property
    def busiest_share(self) -> float | None:
        return percent(self.busiest_requests, self.received.value)

    @property
    def even_share(self) -> float | None:
        """What the busiest would get if every volunteer were asked as often."""
        return percent(self.busiest, self.volunteers)


@dataclass(frozen=True)
class Dashboard:
    period: Period
    previous: Period
    first: date
    last: date
    previous_first: date
    previous_last: date
    unit: str
    students: int
    funnel: list[Figure]
    headlines: list[Figure]
    conversations: list[Bucket]
    thank_yous: list[Bucket]
    fields: list[dict]
    engagement: Engagement
    computed_at: datetime
    # New each time figures are computed: what is written from them (the page's
    # charts, views_dashboard.figures_pieces) is kept per version. Two computations
    # with the same figures are still equal.
    version: str = field(default_factory=lambda: secrets.token_hex(8), compare=False)


def _unit(first: date, last: date) -> str:
    return WEEK if (last - first).days < WEEKLY_UP_TO_DAYS else MONTH


def dashboard_figures(
    *, office, start: date, end: date, programme: str = "", year: int | None = None, now=None
) -> Dashboard:
    """Every figure of the office's dashboard from `start` to `end` (whole days in
    the office's time zone, both included), for its students of a programme and a
    graduation year when given, with the previous period of equal length. About a
    dozen queries whatever the number of students."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(office.time_zone)
    period = Period.from_dates(start, end, tz=tz)
    periods = [period, period.previous()]
    cohort = student_cohort(office_id=office.pk, programme=programme, graduation_year=year)
    students = cohort_students(cohort=cohort)
    unit = _unit(start, end)

    contacts = contact_figures_for_office(cohort=cohort, periods=periods)
    interviews = interview_figures_for_office(cohort=cohort, periods=periods)
    thanks = thank_you_figures_for_office(cohort=cohort, periods=periods, now=now)
    followups = followup_student_figures_for_office(
        students=students, cohort=cohort, periods=periods
    )
    # A student is inactive in a period when none of the apps saw them do anything.
    activity = {
        f"inactive_{i}": Count(
            "pk",
            filter=~students_adding_contacts(cohort=cohort, period=p)
            & ~students_with_interview_activity(cohort=cohort, period=p)
            & ~students_following_up(cohort=cohort, period=p),
        )
        for i, p in enumerate(periods)
    }
    totals = students.aggregate(total=Count("pk"), **activity)
    total = totals["total"]

    def both(key, rows):
        return rows[0][key], rows[1][key]

    def count(key, rows, source=None):
        return Figure(key, *both(source or key, rows))

    funnel = [
        count("with_targets", contacts),
        count("students_requesting", interviews),
        count("students_accepted", interviews),
        count("students_met", interviews),
        count("thanked_on_time", followups),
        count("kept_in_touch", followups),
    ]
    rates = [
        percent(i["accepted"], i["accepted"] + i["declined"]) for i in interviews
    ]  # answered in the period
    on_time = [percent(t["on_time"], t["on_time"] + t["late"] + t["missing"]) for t in thanks]
    headlines = [
        count("requests", interviews),
        Figure("acceptance", *rates, kind="percent"),
        count("held", interviews),
        Figure("on_time", *on_time, kind="percent"),
        Figure("inactive", totals["inactive_0"], totals["inactive_1"]),
    ]

    held = conversation_series_for_office(cohort=cohort, period=period, unit=unit, tz=tz)
    thanked = thank_you_series_for_office(cohort=cohort, period=period, unit=unit, tz=tz, now=now)
    buckets = period_buckets(period, unit=unit, tz=tz)

    volunteers = volunteer_figures_for_office(cohort=cohort, periods=periods)
    medians = volunteer_median_response(cohort=cohort, periods=periods)
    most = volunteer_ranking_for_office(
        cohort=cohort, period=period, most=True, limit=VOLUNTEERS_LISTED
    )
    least = volunteer_ranking_for_office(
        cohort=cohort, period=period, most=False, limit=VOLUNTEERS_LISTED
    )
    office_volunteers = most[0]["volunteers"] if most else 0
    busiest = math.ceil(office_volunteers * BUSIEST_FRACTION)
    listed = {row["pk"] for row in most}
    engagement = Engagement(
        volunteers=office_volunteers,
        asked=volunteers[0]["volunteers_asked"],
        received=count("received", volunteers),
        acceptance=Figure(
            "volunteer_acceptance",
            *(percent(v["accepted"], v["received"]) for v in volunteers),
            kind="percent",
        ),
        median_response=Figure("median_response", *medians, kind="duration"),
        busiest=busiest,
        busiest_requests=volunteer_busiest_requests(cohort=cohort, period=period, busiest=busiest),
        most=most,
        # The least asked, when they are not already among the most asked.
        least=[row for row in least if row["pk"] not in listed],
    )
    return Dashboard(
        period=period,
        previous=periods[1],
        first=start,
        last=end,
        previous_first=start - (end - start) - timedelta(days=1),
        previous_last=start - timedelta(days=1),
        unit=unit,
        students=total,
        funnel=funnel,
        headlines=headlines,
        conversations=[Bucket(day, value=held.get(day, 0)) for day in buckets],
        thank_yous=[Bucket(day, **thanked.get(day, {})) for day in buckets],
        fields=field_ranking_for_office(cohort=cohort, period=period, limit=TOP_FIELDS),
        engagement=engagement,
        computed_at=now,
    )


# Figures are this many seconds old at most; the page shows when they were computed.
CACHE_SECONDS = 300


def dashboard_cache_key(*, office_id: int, start: date, end: date, programme: str, year) -> str:
    digest = hashlib.sha256(programme.encode()).hexdigest()[:16]
    # "3": figures pickled before Dashboard.version ("2": before FIGURE_LABELS kept
    # their label); a process still running the code before it must not read these,
    # nor this one those.
    return f"advising:dashboard:3:{office_id}:{start}:{end}:{digest}:{year or ''}"


def dashboard_figures_cached(
    *, office, start: date, end: date, programme: str = "", year=None, refresh: bool = False
) -> Dashboard:
    """dashboard_figures, kept CACHE_SECONDS per office and filters (the office's
    id is in the key: no office ever reads another's). `refresh` recomputes."""
    key = dashboard_cache_key(
        office_id=office.pk, start=start, end=end, programme=programme, year=year
    )
    figures = None if refresh else cache.get(key)
    if figures is None:
        figures = dashboard_figures(
            office=office, start=start, end=end, programme=programme, year=year
        )
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def dashboard_cached_read(
    *, office, start: date, end: date, programme: str = "", year=None
) -> tuple[list[str], Dashboard | None]:
    """The office's programmes (students.selectors.programmes_for_office, the
    filter's choices) and the figures kept for these filters (None when none are:
    dashboard_figures_cached makes them), in one round trip to the cache instead of
    two."""
    key = dashboard_cache_key(
        office_id=office.pk, start=start, end=end, programme=programme, year=year
    )
    got = cache.get_many([*programmes_cache_keys(office.pk), key])
    return programmes_for_office(office_id=office.pk, found=got), got.get(key)

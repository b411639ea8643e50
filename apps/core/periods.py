"""A span of time that figures are counted over: the office dashboard's date range
and the period before it, for "vs previous period"."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q


@dataclass(frozen=True)
class Period:
    """From `start` (included) to `end` (excluded), aware datetimes. Half-open, so
    two periods side by side count every moment exactly once."""

    start: datetime
    end: datetime

    @classmethod
    def from_dates(cls, first: date, last: date, *, tz: ZoneInfo) -> "Period":
        """Whole days `first` to `last`, both included, in the zone `tz` (an office
        counts its days in its own time zone)."""
        return cls(
            start=datetime.combine(first, time.min, tzinfo=tz),
            end=datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
        )

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(start=self.start - (self.end - self.start), end=self.start)

    def q(self, field: str) -> Q:
        """Rows whose `field` falls in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


WEEK = "week"
MONTH = "month"


def bucket_start(day: date, unit: str) -> date:
    """The Monday of `day`'s week, or the first of its month."""
    if unit == WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_buckets(period: Period, *, unit: str, tz: ZoneInfo) -> list[date]:
    """The first day of every week (from Monday) or month that the period touches,
    in the zone `tz`, in order: the x axis of a series, weeks without any rows
    included."""
    first = bucket_start(period.start.astimezone(tz).date(), unit)
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    buckets = []
    day = first
    while day <= last:
        buckets.append(day)
        if unit == WEEK:
            day += timedelta(days=7)
        else:
            day = (day + timedelta(days=32)).replace(day=1)
    return buckets

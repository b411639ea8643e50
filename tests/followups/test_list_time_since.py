"""The follow-ups page writes "3 days, 4 hours" itself (views._time_since, with each
unit's translation kept per language and number): the same words as Django's
timesince, which the page used before, for every pair of times on a grid of
month ends, leap days, summer-time changes and spans from seconds to years, in
both directions and from times in other zones."""

import itertools
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.utils import translation
from django.utils.timesince import timesince

from apps.core.rendering import time_since_aware as _time_since

_STARTS = [
    datetime(2024, 1, 31, 23, 59, 30, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
    datetime(2025, 2, 28, 0, 0, 1, 500, tzinfo=UTC),
    datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
    datetime(2025, 10, 26, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 7, 0, tzinfo=UTC),
]
_SPANS = [
    timedelta(0),
    timedelta(microseconds=1),
    timedelta(seconds=59),
    timedelta(minutes=1),
    timedelta(minutes=61, seconds=5),
    timedelta(hours=23, minutes=59),
    timedelta(days=1),
    timedelta(days=6, hours=23),
    timedelta(days=7),
    timedelta(days=13, minutes=1),
    timedelta(days=27),
    timedelta(days=28),
    timedelta(days=29, hours=1),
    timedelta(days=30),
    timedelta(days=31),
    timedelta(days=59),
    timedelta(days=61),
    timedelta(days=364),
    timedelta(days=365),
    timedelta(days=366),
    timedelta(days=400),
    timedelta(days=800, hours=5),
]
_ZONES = [UTC, zoneinfo.ZoneInfo("America/New_York"), zoneinfo.ZoneInfo("Asia/Kolkata")]


def test_time_since_writes_what_djangos_timesince_writes():
    compared = 0
    with translation.override("en"):
        for start, span, sign, zone in itertools.product(_STARTS, _SPANS, (1, -1), _ZONES):
            d = start
            now = (start + sign * span).astimezone(zone)
            for a, b in ((d, now), (now, d)):
                assert _time_since(a, b, "en") == timesince(a, b), (a, b)
                compared += 1
    assert compared == len(_STARTS) * len(_SPANS) * 2 * len(_ZONES) * 2


def test_time_since_keeps_djangos_non_breaking_spaces():
    d = datetime(2026, 2, 26, 18, 0, tzinfo=UTC)

    assert _time_since(d, d + timedelta(days=3, hours=8), "en") == "3\xa0days, 8\xa0hours"
    assert _time_since(d, d, "en") == "0\xa0minutes"
    assert _time_since(d + timedelta(minutes=1), d, "en") == "0\xa0minutes"

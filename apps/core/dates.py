"""How far from today a date or time a person types may be. Outside the window a
form says so plainly; without it, a time on 9999-12-31 overflowed when converted
between time zones and broke every page that showed it."""

from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

# A meeting, a time offered for one, or a pause: within about a year.
HORIZON = timedelta(days=366)


def latest_day(today: date) -> date:
    return today + HORIZON


def meeting_time_problem(at: datetime, *, now: datetime, past: timedelta = timedelta(0)) -> str:
    """Why `at` cannot be a meeting's time, or "": in the future (or, with `past`,
    no longer ago than that), and within HORIZON."""
    if past:
        if not now - past <= at <= now + HORIZON:
            return _("Choose a time within the last 12 months or the next 12.")
        return ""
    if at <= now:
        return _("Choose a time in the future.")
    if at > now + HORIZON:
        return _("Choose a time within the next 12 months.")
    return ""


def meeting_day_problem(day: date, *, today: date, past: timedelta = timedelta(0)) -> str:
    """The same window for the day alone (a day's slack for time zones), checked
    before a day and a time are combined into a moment that could overflow."""
    if past:
        if not today - past - timedelta(days=1) <= day <= latest_day(today):
            return _("Choose a time within the last 12 months or the next 12.")
        return ""
    if day < today - timedelta(days=1):
        return _("Choose a time in the future.")
    if day > latest_day(today):
        return _("Choose a time within the next 12 months.")
    return ""

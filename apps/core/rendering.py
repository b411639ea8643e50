"""Rendering list pages without queries from their templates.

A list page's view asks its selectors for every row and everything each row
shows (select_related, prefetch_related, lists already evaluated); the template
only reads. A template that touches a relation nobody loaded runs one query per
row, which the literal query counts catch only for the rows a test happens to
make. `render_list` makes such a query an error (django-zen-queries'
`queries_disabled`) wherever TEMPLATE_QUERIES_FORBIDDEN is on: in the test
settings, so the test of the page fails on the first row. In production it is
off and the page renders as `render` would: a missed prefetch is slow, not a 500
for the person reading it.
"""

import functools
import html
import re
import threading
from datetime import datetime
from types import SimpleNamespace

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaulttags import querystring
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import formats, timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import get_language, gettext
from zen_queries import queries_disabled


def render_list(
    request, template_name: str, context: dict, *, status: int | None = None
) -> HttpResponse:
    if not getattr(settings, "TEMPLATE_QUERIES_FORBIDDEN", False):
        return render(request, template_name, context, status=status)
    with queries_disabled():
        return render(request, template_name, context, status=status)


class Kept:
    """What a process keeps, at most `size` values, the oldest going first: for HTML
    written once per language and whatever else it depends on, where the number of
    such keys is not bounded by the code (query strings, an office's choices)."""

    def __init__(self, size: int):
        self.size = size
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        return self._values.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._values) >= self.size:
                del self._values[next(iter(self._values))]  # dicts keep their order
            self._values[key] = value


_kept_widgets = Kept(1024)


def widget_kept(field, *, choices=()) -> str:
    """What `{{ form.field }}` writes for a bound field, kept per process, form,
    field, value, language and `choices` (what the field's choices were made from,
    hashable: the page's own, or () when they are the form's constants): a select
    of forty options through Django's widget machinery costs more than the page's
    query. A field with errors (aria-invalid) or a value that is not hashable is
    written each time."""
    if field.errors:
        return str(field)
    value = field.value()
    key = (type(field.form), field.html_name, field.auto_id, value, get_language(), choices)
    try:
        html_ = _kept_widgets.get(key)
    except TypeError:
        return str(field)
    if html_ is None:
        html_ = str(field)
        _kept_widgets.put(key, html_)
    return html_


# A hole's marker: escaped text cannot hold "<", so no value filled in can be taken
# for one, and a template's own text (markup, translations) holds none.
_HOLE = "<!--hole:{}-->"
_HOLE_SPLIT = re.compile(r"<!--hole:(\w+)-->")
_kept_stencils = Kept(64)


def stencil(
    template_name: str, holes: tuple[str, ...], flags: tuple[tuple[str, bool], ...] = ()
) -> tuple[str, ...]:
    """The template rendered with `holes.<name>` a marker, split at the markers
    (literal HTML at even indexes, a hole's name at odd ones): once per process,
    template, language, URL conf, script prefix and `flags` ((name, value) pairs the
    template reads as variables, such as whether the form has errors); on every
    call under DEBUG, so that an edited template shows without a restart."""
    key = (template_name, holes, flags, get_language(), get_urlconf() or settings.ROOT_URLCONF)
    key += (get_script_prefix(),)
    pieces = None if settings.DEBUG else _kept_stencils.get(key)
    if pieces is None:
        markers = {hole: mark_safe(_HOLE.format(hole)) for hole in holes}  # noqa: S308
        context = {**dict(flags), "holes": markers}
        pieces = tuple(_HOLE_SPLIT.split(render_to_string(template_name, context)))
        _kept_stencils.put(key, pieces)
    return pieces


def csrf_input_html(token) -> str:
    """What {% csrf_token %} writes for the request's token `token` (the context's
    `csrf_token`, masked once a request), for pages that write their forms in Python:
    every form of the page, the layout's included, carries that one token, as the
    tag gives them."""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{html.escape(str(token))}">'


def stencil_filled(pieces: tuple[str, ...], values: dict) -> str:
    """A stencil's pieces with each hole's value, which the caller has escaped."""
    return mark_safe(  # noqa: S308 - the pieces were rendered escaped; the values are
        "".join(piece if index % 2 == 0 else values[piece] for index, piece in enumerate(pieces))
    )


def filter_form_holes(form) -> dict[str, str]:
    """What a list's filter stencil fills in from its form besides the widgets, as
    the filter templates wrote it: `errors` (every error of every field, each in
    its own div, in one danger alert; "" for none), `q` (the search text, escaped)
    and `sort` (a hidden input keeping the sort, "" for none)."""
    errors = ""
    if form.errors:
        errors = "".join(
            f"<div>{conditional_escape(error)}</div>"
            for field_errors in form.errors.values()
            for error in field_errors
        )
        errors = f'<div class="alert alert-danger" role="alert">{errors}</div>'
    sort = form["sort"].value()
    return {
        "errors": errors,
        "q": conditional_escape(form["q"].value() or ""),
        "sort": f'<input type="hidden" name="sort" value="{conditional_escape(sort)}">'
        if sort
        else "",
    }


class CountedPaginator(Paginator):
    """A Paginator given its count (one the caller cached) instead of asking the
    database for it."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


def page_counted_past_first(queryset, number, per_page: int):
    """`Paginator(queryset, per_page).get_page(number)` without the count query
    when everything fits on the first page: the first page reads one row more than
    it shows, and only if that row exists is the list counted. For lists that are
    usually short (a student's research notes) the page costs one query, not two.
    Page numbers that are not numbers give the first page, numbers past the end
    the last, as get_page does."""
    try:
        wanted = int(number) if number not in (None, "") else 1
    except (TypeError, ValueError):
        wanted = 1
    if wanted <= 1:
        rows = list(queryset[: per_page + 1])
        if len(rows) <= per_page:
            return CountedPaginator(rows, per_page, count=len(rows)).page(1)
        # More than a page: counted, and the page made from the rows already read.
        paginator = CountedPaginator(queryset, per_page, count=queryset.count())
        return paginator._get_page(rows[:per_page], 1, paginator)
    paginator = CountedPaginator(queryset, per_page, count=queryset.count())
    page = paginator.get_page(wanted)
    page.object_list = list(page.object_list)
    return page


@functools.cache
def day_and_month_names(language: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # As DateFormat's "D" and "M": the translated abbreviations, the month's titled.
    return (
        tuple(str(WEEKDAYS_ABBR[day]) for day in range(7)),
        ("", *(str(MONTHS_3[month]).title() for month in range(1, 13))),
    )


def date_shown(value) -> tuple[str, str]:
    """What `<time datetime="{{ v|date:'c' }}">{{ v|date:"j M Y" }}</time>` shows,
    in the current time zone and language, worked out once in the view for a row
    of a list instead of by two template filters per row (the month's name from
    the table datetime_shown uses)."""
    local = timezone.localtime(value)
    _weekdays, months = day_and_month_names(get_language())
    return local.isoformat(), f"{local.day} {months[local.month]} {local.year:04d}"


def datetime_shown(value) -> tuple[str, str]:
    """What `<time datetime="{{ v|date:'c' }}">{{ v|date:"D j M Y, H:i" }}</time>`
    shows, in the current time zone and language, for a row of a list: Django's
    `dateformat` parses the format and translates the names on every call (about
    0.1 ms on a busy machine), here the names come from a table made once per
    language."""
    local = timezone.localtime(value)
    weekdays, months = day_and_month_names(get_language())
    return local.isoformat(), (
        f"{weekdays[local.weekday()]} {local.day} {months[local.month]} {local.year:04d}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )


class LocalDates:
    """A list's dates in the viewer's zone and `language` (the active one), both
    looked up once a list, as the date filter writes them: each lookup reads a
    context-local (timezone.localtime's, one per date, and get_language's were a
    tenth of the follow-ups' rows' time)."""

    def __init__(self, language):
        self.language = language
        self.zone = timezone.get_current_timezone()
        self.weekdays, self.months = day_and_month_names(language)

    def local(self, moment):
        return moment.astimezone(self.zone)

    def day_long(self, moment) -> str:
        # |date:"D j M Y"
        if not moment:
            return ""
        local = moment.astimezone(self.zone)
        return (
            f"{self.weekdays[local.weekday()]} {local.day} {self.months[local.month]} "
            f"{local.year:04d}"
        )

    def due(self, moment) -> str:
        # |date:"D j M, H:i"
        local = moment.astimezone(self.zone)
        return (
            f"{self.weekdays[local.weekday()]} {local.day} {self.months[local.month]}, "
            f"{local.hour:02d}:{local.minute:02d}"
        )

    def day_short(self, moment) -> str:
        # |date:"j M Y"
        local = moment.astimezone(self.zone)
        return f"{local.day} {self.months[local.month]} {local.year:04d}"

    def date_shown(self, moment) -> tuple[str, str]:
        # As date_shown: |date:"c" and |date:"j M Y"
        local = moment.astimezone(self.zone)
        return local.isoformat(), f"{local.day} {self.months[local.month]} {local.year:04d}"

    def datetime_shown(self, moment) -> tuple[str, str]:
        # As datetime_shown: |date:"c" and |date:"D j M Y, H:i"
        local = moment.astimezone(self.zone)
        return local.isoformat(), (
            f"{self.weekdays[local.weekday()]} {local.day} {self.months[local.month]} "
            f"{local.year:04d}, {local.hour:02d}:{local.minute:02d}"
        )

    def datetime_zone_shown(self, moment) -> tuple[str, str]:
        # As datetime_zone_shown: |date:"c" and |date:"j M Y, H:i T"
        local = moment.astimezone(self.zone)
        return local.isoformat(), (
            f"{local.day} {self.months[local.month]} {local.year:04d}, "
            f"{local.hour:02d}:{local.minute:02d} {zone_shown(local)}"
        )


def datetime_zone_shown(value) -> tuple[str, str]:
    """What `<time datetime="{{ v|date:'c' }}">{{ v|date:"j M Y, H:i T" }}</time>`
    shows (the zone's abbreviation last, as "T" writes it), in the current time
    zone and language, for a row of a list (as datetime_shown)."""
    local = timezone.localtime(value)
    _weekdays, months = day_and_month_names(get_language())
    return local.isoformat(), (
        f"{local.day} {months[local.month]} {local.year:04d}, "
        f"{local.hour:02d}:{local.minute:02d} {zone_shown(local)}"
    )


def zone_shown(local) -> str:
    """What the date filter's "T" writes for a local time: the zone's abbreviation,
    or nothing in the hour a change of summer time makes ambiguous (as Django's
    TimeFormat, which leaves the zone out there)."""
    zone = local.tzinfo
    if zone.utcoffset(local.replace(fold=not local.fold)) != zone.utcoffset(local):
        return ""
    return str(zone.tzname(local))


@functools.cache
def _time_unit(language: str | None, name: str, number: int) -> str:
    return str(TIME_STRINGS[name] % {"num": number})


class _TimeUnit:
    """One of timesince's TIME_STRINGS ("%(num)d day"), whose `% {"num": n}` looks
    its translation up once per language and number."""

    def __init__(self, name: str):
        self.name = name

    def __mod__(self, values: dict) -> str:
        return _time_unit(get_language(), self.name, values["num"])


_TIME_UNITS = {name: _TimeUnit(name) for name in TIME_STRINGS}


def time_since(value, now) -> str:
    """What `{{ value|timesince }}` shows ("3 days, 4 hours"), for a row of a list:
    Django's own algorithm, but each unit's plural form is translated once per
    language and number instead of twice per call (the two units of a row cost
    more than the rest of it)."""
    if not value:
        return ""
    try:
        return timesince(value, now, time_strings=_TIME_UNITS)
    except (ValueError, TypeError):
        return ""


@functools.cache
def _time_unit_shown(language: str | None, name: str, number: int) -> str:
    # As {{ value|timesince }} writes a unit: translated, its spaces non-breaking.
    return _time_unit(language, name, number).replace(" ", "\xa0")


_MONTHS_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CHUNKS = (60 * 60 * 24 * 7, 60 * 60 * 24, 60 * 60, 60)
_UNITS = ("year", "month", "week", "day", "hour", "minute")


def time_since_aware(d, now, language: str | None) -> str:
    """What django.utils.timesince.timesince(d, now) writes (two adjacent units,
    years and months by the calendar), for two aware datetimes, with each unit's
    translation kept per language and number: Django's looks the language up and
    runs a lazy-string check per unit, and joins with a translated ", " per call,
    a third of a list's rows' time. `language`: the active one, looked up once a
    list. Checked against Django's on a grid of times
    (tests/followups/test_list_time_since.py)."""
    now = now.astimezone(d.tzinfo)
    delta = now - d
    since = delta.days * 24 * 60 * 60 + delta.seconds
    if since <= 0:
        return _time_unit_shown(language, "minute", 0)
    total_months = (now.year - d.year) * 12 + (now.month - d.month)
    if d.day > now.day or (d.day == now.day and d.time() > now.time()):
        total_months -= 1
    years, months = divmod(total_months, 12)
    if years or months:
        pivot_year = d.year + years
        pivot_month = d.month + months
        if pivot_month > 12:
            pivot_month -= 12
            pivot_year += 1
        pivot = datetime(
            pivot_year,
            pivot_month,
            min(_MONTHS_DAYS[pivot_month - 1], d.day),
            d.hour,
            d.minute,
            d.second,
            tzinfo=d.tzinfo,
        )
    else:
        pivot = d
    remaining = (now - pivot).total_seconds()
    partials = [years, months]
    for chunk in _CHUNKS:
        count = int(remaining // chunk)
        partials.append(count)
        remaining -= chunk * count
    i = next((i for i, value in enumerate(partials) if value), None)
    if i is None:
        return _time_unit_shown(language, "minute", 0)
    first = _time_unit_shown(language, _UNITS[i], partials[i])
    if i + 1 == len(_UNITS) or not partials[i + 1]:
        return first
    return _comma(language).join(
        (first, _time_unit_shown(language, _UNITS[i + 1], partials[i + 1]))
    )


@functools.cache
def _comma(language: str | None) -> str:
    return gettext(", ")


def pagination_html(request, page) -> str:
    """What `{% include "_pagination.html" with page=page %}` writes, for a page
    written in Python: the query strings as {% querystring %} writes them
    (escaped), the translations not escaped, as {% translate %} and
    {% blocktranslate %} leave them."""
    if not page.has_other_pages():
        return "\n"
    e, context = html.escape, SimpleNamespace(request=request)
    link = '<li class="page-item"><a class="page-link" href="{url}">{label}</a></li>'
    previous = next_ = ""
    if page.has_previous():
        previous = link.format(
            url=e(querystring(context, page=page.previous_page_number())), label=gettext("Previous")
        )
    if page.has_next():
        next_ = link.format(
            url=e(querystring(context, page=page.next_page_number())), label=gettext("Next")
        )
    number = gettext("Page %(n)s of %(total)s") % {
        "n": e(str(formats.localize(page.number))),
        "total": e(str(formats.localize(page.paginator.num_pages))),
    }
    return (
        f'\n<nav aria-label="{gettext("Pages")}"><ul class="pagination flex-wrap">\n'
        f"  {previous}\n"
        f'  <li class="page-item disabled"><span class="page-link">{number}</span></li>\n'
        f"  {next_}\n"
        "</ul></nav>\n\n"
    )


def options_html(choices, current, *, key=None) -> str:
    """`<option>`s as a template loop wrote them: `<option value="{{ value }}"{% if
    value == current %} selected{% endif %}>{{ label }}</option>`, each value and
    label escaped as text; `key` compares `key(value)` instead of the value. A
    plain str: the caller marks the select it builds safe."""
    e = html.escape
    return "".join(
        f'<option value="{e(str(value))}"'
        f"{' selected' if (key(value) if key else value) == current else ''}>"
        f"{e(str(label))}</option>"
        for value, label in choices
    )

"""The office dashboard at /advising/dashboard/ and one CSV per chart."""

import csv
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.defaulttags import querystring
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.accounts.permissions import advisor_only
from apps.advising import charts
from apps.advising.dashboard import Dashboard, dashboard_cached_read, dashboard_figures_cached
from apps.advising.forms_dashboard import CUSTOM, RANGE_CHOICES, DashboardFilterForm
from apps.core.csv_cells import csv_cell_safe
from apps.core.rendering import Kept, stencil, stencil_filled
from apps.students.selectors import programmes_for_office


def _form(request) -> DashboardFilterForm:
    office = request.user.office
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(office.time_zone))
    return DashboardFilterForm(
        request.GET, programmes=programmes_for_office(office_id=office.pk), today=today
    )


def _form_and_kept_figures(request) -> tuple[DashboardFilterForm, Dashboard | None]:
    """The filters' form, and the figures kept for them (None when none are), with
    the office's programmes read in the same round trip to the cache as the figures:
    the form is checked first against the programme asked for alone, which is all
    the figures' key needs, then given the office's programmes. A programme the
    office does not have: the form as _form makes it, which says so."""
    office = request.user.office
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(office.time_zone))
    asked = request.GET.get("programme", "")
    form = DashboardFilterForm(request.GET, programmes=[asked] if asked else [], today=today)
    if not form.is_valid():
        return _form(request), None
    data = form.cleaned_data
    programmes, figures = dashboard_cached_read(
        office=office,
        start=data["start"],
        end=data["end"],
        programme=data["programme"],
        year=data["year"],
    )
    if asked and asked not in programmes:
        return _form(request), None
    form.set_programmes(programmes)
    return form, figures


def _figures(request, form, *, refresh: bool = False):
    data = form.cleaned_data
    return dashboard_figures_cached(
        office=request.user.office,
        start=data["start"],
        end=data["end"],
        programme=data["programme"],
        year=data["year"],
        refresh=refresh,
    )


def _headline(figure, *, higher_is_better: bool = True) -> dict:
    return {
        "key": figure.key,
        "label": figure.label,
        "value": charts.value_text(figure.value, figure.kind),
        "previous": charts.value_text(figure.previous, figure.kind),
        "change": charts.change_text(figure),
        "change_class": charts.change_class(figure, higher_is_better=higher_is_better),
    }


def _text(value) -> str:
    """A value as `{{ value }}` writes it (a str, an int or None), escaped."""
    return escape(str(value))


# A headline figure's card, and an engagement figure's, as the template's loops
# wrote them (whitespace and all).
_HEADLINE_CARD = (
    '\n  <div class="col-6 col-lg">\n'
    '    <div class="card h-100"><div class="card-body">\n'
    "{body}"
    "    </div></div>\n"
    "  </div>\n  "
)
_ENGAGEMENT_CARD = (
    '\n        <div class="col-12 col-md-4"><div class="border rounded p-2 h-100">\n'
    "{body}"
    "        </div></div>\n        "
)
_CARD_BODY = (
    '{indent}<p class="small text-body-secondary mb-1">{label}</p>\n'
    '{indent}<p class="figure-value mb-1">{value}</p>\n'
    '{indent}<p class="small mb-0"><span class="{change_class}">{versus}</span> '
    '<span class="text-body-secondary">({previous})</span></p>\n'
)


def _cards(card: str, headlines: list[dict], *, indent: str) -> str:
    versus = _("vs previous period: %(change)s")
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            card.format(
                body=_CARD_BODY.format(
                    indent=indent,
                    label=_text(h["label"]),
                    value=_text(h["value"]),
                    change_class=_text(h["change_class"]),
                    versus=versus % {"change": _text(h["change"])},
                    previous=_text(h["previous"]),
                )
            )
            for h in headlines
        )
    )


def _rows(rows, *, empty: str = "") -> str:
    """Table rows: the first cell of each a heading; `empty` the row for none."""
    if not rows:
        return empty
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<tr><th scope="row">{_text(first)}</th>'
            + "".join(f"<td>{_text(cell)}</td>" for cell in cells)
            + "</tr>"
            for first, *cells in rows
        )
    )


def _volunteer_rows(rows, *, empty: str) -> str:
    return _rows(
        [(row["user__full_name"], row["employer"], row["requests"]) for row in rows],
        empty=format_html('<tr><td colspan="3">{}</td></tr>', empty),
    )


def _context(figures) -> dict:
    labels = [charts.bucket_label(b.start, figures.unit) for b in figures.conversations]
    engagement = figures.engagement
    funnel_rows = [(_("Students"), figures.students, figures.students)] + [
        (f.label, f.value, f.previous) for f in figures.funnel
    ]
    funnel = [_headline(f) for f in figures.funnel]
    headlines = [_headline(f, higher_is_better=f.key != "inactive") for f in figures.headlines]
    engagement_figures = [
        _headline(engagement.received),
        _headline(engagement.acceptance),
        _headline(engagement.median_response, higher_is_better=False),
    ]
    return {
        "figures": figures,
        "headlines": headlines,
        "headline_cards": _cards(_HEADLINE_CARD, headlines, indent="      "),
        "funnel_rows": mark_safe(  # noqa: S308 - every value is escaped
            "".join(
                f'<tr><th scope="row">{_text(f["label"])}</th><td>{_text(f["value"])}</td>'
                f'<td>{_text(f["previous"])}</td><td class="{_text(f["change_class"])}">'
                f"{_text(f['change'])}</td></tr>"
                for f in funnel
            )
        ),
        "funnel_chart": charts.hbars_svg(
            charts.hbars(funnel_rows, with_previous=True),
            id="funnel-chart",
            title=_("Students at each step"),
            desc=_(
                "One bar per step, the previous period as a thin bar under it. "
                "The table below holds the numbers."
            ),
        ),
        "conversation_rows": _rows(
            [(label, b.value) for label, b in zip(labels, figures.conversations, strict=True)]
        ),
        "conversations_chart": charts.series_svg(
            charts.vbars(
                [(label, b.value) for label, b in zip(labels, figures.conversations, strict=True)]
            ),
            id="conversations-chart",
            title=_("Conversations held"),
            desc=_("One bar per week or month. The table below holds the numbers."),
        ),
        "thank_you_rows": _rows(
            [
                (label, b.on_time, b.late, b.missing, charts.value_text(b.rate, "percent"))
                for label, b in zip(labels, figures.thank_yous, strict=True)
            ]
        ),
        "field_rows": _rows(
            [(row["field__name"], row["students"], row["contacts"]) for row in figures.fields]
        ),
        "thank_yous_chart": charts.series_svg(
            charts.line(
                [(label, b.rate) for label, b in zip(labels, figures.thank_yous, strict=True)]
            ),
            id="thanks-chart",
            title=_("On-time rate of thank-yous"),
            desc=_(
                "A line from 0 to 100 per cent; a gap where no thank-you was due. "
                "The table below holds the numbers."
            ),
        ),
        "fields_chart": charts.hbars_svg(
            charts.hbars(
                [(row["field__name"], row["students"], None) for row in figures.fields],
                with_previous=False,
            ),
            id="fields-chart",
            title=_("Students per field"),
            desc=_("One bar per field, most explored first. The table below holds the numbers."),
            bar_class="chart-bar-field",
        ),
        "engagement": engagement_figures,
        "engagement_cards": _cards(_ENGAGEMENT_CARD, engagement_figures, indent="          "),
        "most_asked_rows": _volunteer_rows(
            engagement.most, empty=_("The office has no volunteers yet.")
        ),
        "least_asked_rows": _volunteer_rows(
            engagement.least, empty=_("Every volunteer is in the list of the most asked.")
        ),
        "busiest_share": charts.value_text(engagement.busiest_share, "percent"),
        "even_share": charts.value_text(engagement.even_share, "percent"),
        "unit_label": _("Week of") if figures.unit == "week" else _("Month"),
    }


def _query(request, **changes) -> str:
    """What `{% querystring ... %}` writes for these changes (Django's own tag,
    called without a template), escaped as the tag's output is."""
    return escape(querystring(None, request.GET, **changes))


# Per query string, period and language: most requests are one of a few.
_kept_links = Kept(256)


def _links(request, form) -> dict:
    """The page's links that keep its query string: the periods' pills, the
    refresh, and each chart's CSV (ten `{% querystring %}`), written once per
    process, query string (request.GET is made from it alone), period and
    language."""
    current = form.cleaned_data.get("range", "")
    key = (request.META.get("QUERY_STRING", ""), current, get_language())
    links = _kept_links.get(key)
    if links is None:
        links = _links_written(request, current)
        _kept_links.put(key, links)
    return links


def _links_written(request, current: str) -> dict:
    items = []
    for value, label in RANGE_CHOICES:
        if value == CUSTOM:
            continue
        active, current_attr = (" active", ' aria-current="true"') if current == value else ("", "")
        query = _query(request, range=value, start=None, end=None, refresh=None)
        items.append(
            f'\n    <li class="nav-item"><a class="nav-link{active}" href="{query}"{current_attr}>'
            f"{escape(str(label))}</a></li>\n    "
        )
    return {
        "range_items": mark_safe("".join(items)),  # noqa: S308 - every value is escaped
        "refresh_query": _query(request, refresh=1),
        "csv_queries": {chart: _query(request, chart=chart, refresh=None) for chart in CSV_CHARTS},
    }


# Where a chart's CSV link goes in the figures' HTML: each request writes its own
# query string there. Escaped text cannot hold "<", so no value is taken for one.
_HOLE = "<!--csv:{}-->"
_HOLE_SPLIT = re.compile(r"<!--csv:(\w+)-->")
# Figures are computed again every CACHE_SECONDS (5 minutes) per office and filters,
# so the versions a process has seen lately are few; older ones are never asked for
# again. Each kept part is some 20 KB.
KEPT_FIGURES = 64


@dataclass(frozen=True)
class FiguresPieces:
    """The page's part below the filters for one version of the figures in one
    language: its HTML split at the CSV links' holes (literal HTML at even
    indexes, a chart's name at odd ones), and the values of the context it was
    written from that are not HTML (FIGURES_VALUES)."""

    pieces: tuple[str, ...]
    context: dict

    def html(self, csv_queries: dict) -> str:
        return mark_safe(  # noqa: S308 - the pieces were rendered escaped; the queries too
            "".join(
                piece if index % 2 == 0 else csv_queries[piece]
                for index, piece in enumerate(self.pieces)
            )
        )


_kept_figures = Kept(KEPT_FIGURES)
# What of _context the page's context keeps beside the figures' HTML.
FIGURES_VALUES = ("headlines", "engagement", "unit_label", "busiest_share", "even_share")


def figures_pieces(figures) -> FiguresPieces:
    """advising/_dashboard_figures.html and its charts, tables and cards for these
    figures (some 150 values, 60 translations: most of the page's cost), written once
    per process, version of the figures (`Dashboard.version`, new each time they are
    computed), language, URL conf and script prefix, not on every request. Under
    DEBUG on every call, so that an edited template shows without a restart."""
    key = (figures.version, get_language(), get_urlconf() or settings.ROOT_URLCONF)
    key += (get_script_prefix(),)
    kept = None if settings.DEBUG else _kept_figures.get(key)
    if kept is None:
        context = _context(figures)
        holes = {chart: mark_safe(_HOLE.format(chart)) for chart in CSV_CHARTS}
        html = render_to_string(
            "advising/_dashboard_figures.html", {**context, "csv_queries": holes}
        )
        # The figures' values as text; not the HTML, already in the pieces.
        values = {name: context[name] for name in FIGURES_VALUES}
        kept = FiguresPieces(tuple(_HOLE_SPLIT.split(html)), values)
        _kept_figures.put(key, kept)
    return kept


# Where a value of the request goes in the filters' HTML.
_FILTER_HOLES = (
    "figures_at",
    "refresh_query",
    "range_items",
    "errors",
    "start",
    "end",
    "programme",
    "year",
)


def _filters_pieces(has_figures: bool, has_errors: bool) -> tuple[str, ...]:
    """advising/_dashboard_filters.html with a marker in each hole, split at the
    markers (core.rendering.stencil): rendered once per process, language, URL
    conf, script prefix and the two flags."""
    return stencil(
        "advising/_dashboard_filters.html",
        _FILTER_HOLES,
        (("has_figures", has_figures), ("has_errors", has_errors)),
    )


def _errors_html(form) -> str:
    """The form's errors as the template listed them: the form's own, then each
    field's after its label."""
    parts = [f"<div>{escape(error)}</div>" for error in form.non_field_errors()]
    for field in form:
        parts.extend(f"<div>{escape(field.label)}: {escape(error)}</div>" for error in field.errors)
    return "".join(parts)


def filters_html(form, links: dict, figures=None) -> str:
    """The page's heading and filters, each request's values (escaped) written into
    the holes of _filters_pieces."""
    has_errors = bool(form.errors)
    values = {
        "refresh_query": links["refresh_query"],
        "range_items": links["range_items"],
        "programme": str(form["programme"]),
        "year": str(form["year"]),
    }
    if figures is not None:
        # `{{ figures.computed_at|time:"H:i" }}`: in the current time zone.
        values["figures_at"] = f"{timezone.localtime(figures.computed_at):%H:%M}"
    if form.is_valid():
        # `|date:'Y-m-d'`: valid dates are from the year 2000 on.
        values["start"] = form.cleaned_data["start"].isoformat()
        values["end"] = form.cleaned_data["end"].isoformat()
    else:
        values["start"] = escape(form["start"].value() or "")
        values["end"] = escape(form["end"].value() or "")
    if has_errors:
        values["errors"] = _errors_html(form)
    # Every value above is escaped or the form's widget.
    return stencil_filled(_filters_pieces(figures is not None, has_errors), values)


@advisor_only
def dashboard(request):
    """The office's figures over a period, each against the period before, for
    every advisor and office admin of the office. Figures are cached for a few
    minutes (the page says when they were computed; ?refresh=1 recomputes)."""
    form, figures = _form_and_kept_figures(request)
    if not form.is_valid():
        # A bad range is the visitor's to fix: the page says what is wrong.
        links = _links(request, form)
        return render(
            request,
            "advising/dashboard.html",
            {"form": form, **links, "filters_html": filters_html(form, links)},
        )
    if figures is None or request.GET.get("refresh") == "1":
        figures = _figures(request, form, refresh=True)
    kept = figures_pieces(figures)
    links = _links(request, form)
    return render(
        request,
        "advising/dashboard.html",
        {
            "form": form,
            **links,
            **kept.context,
            "figures": figures,
            "filters_html": filters_html(form, links, figures),
            "figures_html": kept.html(links["csv_queries"]),
        },
    )


def _figure_row(figure) -> list:
    return [
        figure.label,
        charts.value_text(figure.value, figure.kind),
        charts.value_text(figure.previous, figure.kind),
        charts.change_text(figure, words=True),
    ]


def _csv_summary(figures):
    e = figures.engagement
    yield [_("Figure"), _("This period"), _("Previous period"), _("Change")]
    yield [_("Students"), figures.students, figures.students, ""]
    for figure in [*figures.headlines, e.received, e.acceptance, e.median_response]:
        yield _figure_row(figure)


def _csv_funnel(figures):
    yield [_("Step"), _("This period"), _("Previous period"), _("Change")]
    yield [_("Students"), figures.students, figures.students, ""]
    for figure in figures.funnel:
        yield _figure_row(figure)


def _csv_conversations(figures):
    yield [str(_("Week of") if figures.unit == "week" else _("Month")), _("Conversations held")]
    for bucket in figures.conversations:
        yield [bucket.start.isoformat(), bucket.value]


def _csv_thank_yous(figures):
    yield [
        str(_("Week of") if figures.unit == "week" else _("Month")),
        _("On time"),
        _("Late"),
        _("Missing"),
        _("On-time rate"),
    ]
    for b in figures.thank_yous:
        rate = "" if b.rate is None else round(b.rate)
        yield [b.start.isoformat(), b.on_time, b.late, b.missing, rate]


def _csv_fields(figures):
    yield [_("Field"), _("Students"), _("Contacts added")]
    for row in figures.fields:
        yield [row["field__name"], row["students"], row["contacts"]]


def _csv_volunteers(figures):
    yield [_("List"), _("Volunteer"), _("Employer"), _("Requests received")]
    for which, rows in (
        (_("Most asked"), figures.engagement.most),
        (_("Least asked"), figures.engagement.least),
    ):
        for row in rows:
            yield [which, row["user__full_name"], row["employer"], row["requests"]]


# ?chart= → the rows of its CSV: the table under the chart of that name.
CSV_CHARTS = {
    "summary": _csv_summary,
    "funnel": _csv_funnel,
    "conversations": _csv_conversations,
    "thank_yous": _csv_thank_yous,
    "fields": _csv_fields,
    "volunteers": _csv_volunteers,
}


@advisor_only
def dashboard_csv(request):
    """One chart's data table as CSV (`?chart=`), with the page's filters. Every
    cell goes through csv_cell_safe: field and volunteer names are typed by people."""
    chart = CSV_CHARTS.get(request.GET.get("chart", ""))
    if chart is None:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        # The page with its filters and their messages (and its periods' links, as
        # the template wrote them before the view did: tests/advising/dashboard_before_svg.html).
        links = _links(request, form)
        return render(
            request,
            "advising/dashboard.html",
            {"form": form, **links, "filters_html": filters_html(form, links)},
            status=400,
        )
    figures = _figures(request, form)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{request.GET["chart"]}-'
        f'{figures.first:%Y%m%d}-{figures.last:%Y%m%d}.csv"'
    )
    writer = csv.writer(response)
    for row in chart(figures):
        writer.writerow([csv_cell_safe(cell) for cell in row])
    return response

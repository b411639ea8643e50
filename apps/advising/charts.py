"""The dashboard's charts as geometry for server-rendered SVG (written by hbars_svg
and series_svg), and its numbers as text. No script draws anything: the
Content-Security-Policy allows none inline, and a chart that is markup prints,
scales with its viewBox and needs nothing to load. Colours are CSS classes
(static/css/dashboard.css), never style attributes.

Every chart is WIDTH user units wide and scales to its container, so it never
widens a phone's page; its text is sized for that scale.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH = 480
LABEL_CHARS = 46


def _short(text: str) -> str:
    text = str(text)
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


# --- Numbers as text -----------------------------------------------------------------


def duration_text(value: timedelta) -> str:
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    days = round(hours / 24)
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}


def value_text(value, kind: str = "count") -> str:
    if value is None:
        return "–"
    if kind == "percent":
        return f"{round(value)}%"
    if kind == "duration":
        return duration_text(value)
    return str(value)


def change_text(figure, *, words: bool = False) -> str:
    """ "+12%" against the previous period ("+5 pts" for a percentage); "new" when
    the previous period had none; "–" when there is nothing to compare. `words`
    says "up 12%" instead, for a CSV cell: one starting with + or - would be taken
    for a formula, and csv_cell_safe would mark it with an apostrophe."""
    change = figure.change
    if change is None:
        if figure.kind == "count" and figure.previous == 0 and figure.value:
            return _("new")
        return "–"
    change = round(change)
    n = abs(change)
    if words:
        if change == 0:
            return _("no change")
        up = change > 0
        if figure.kind == "percent":
            text = _("up %(n)s pts") if up else _("down %(n)s pts")
        else:
            text = _("up %(n)s%%") if up else _("down %(n)s%%")
        return text % {"n": n}
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    if figure.kind == "percent":
        return _("%(sign)s%(n)s pts") % {"sign": sign, "n": n}
    return f"{sign}{n}%"


def change_class(figure, *, higher_is_better: bool = True) -> str:
    change = figure.change
    if not change or round(change) == 0:
        return "change-none"
    return "change-good" if (change > 0) == higher_is_better else "change-bad"


def bucket_label(day: date, unit: str) -> str:
    return date_format(day, "j M" if unit == "week" else "M Y")


# --- Horizontal bars: the funnel, top fields ------------------------------------------


@dataclass(frozen=True)
class HBar:
    label: str
    value_text: str
    label_y: float
    y: float
    width: float
    previous_y: float | None
    previous_width: float | None
    value_x: float
    value_y: float


def hbars(rows, *, with_previous: bool) -> dict:
    """rows: (label, value, previous or None). Each row is its label over its bar,
    and, when `with_previous`, a thinner bar for the previous period under it."""
    bar, thin, gap, label_h = 18, 6, 14, 18
    row_h = label_h + bar + (thin + 3 if with_previous else 0) + gap
    scale_max = max([v for _l, v, _p in rows] + [p or 0 for _l, _v, p in rows] + [1])
    room = WIDTH - 60
    bars = []
    for i, (label, value, previous) in enumerate(rows):
        top = i * row_h
        width = room * value / scale_max
        bars.append(
            HBar(
                label=_short(label),
                value_text=str(value),
                label_y=top + 13,
                y=top + label_h,
                width=max(width, 1.5),
                previous_y=top + label_h + bar + 3 if with_previous else None,
                previous_width=max(room * (previous or 0) / scale_max, 1.5)
                if with_previous
                else None,
                value_x=width + 6,
                value_y=top + label_h + 14,
            )
        )
    return {"width": WIDTH, "height": max(len(rows) * row_h - gap, 1), "bars": bars}


# --- Vertical bars and a line: series over weeks or months ----------------------------

PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT = 10, 170, 36, WIDTH - 6
SERIES_HEIGHT = 196


GRID_STEPS = (0, 0.5, 1)


def _grid(texts: list[str]) -> list[dict]:
    """Horizontal lines at the bottom, middle and top of the plot, each labelled."""
    plot_h = PLOT_BOTTOM - PLOT_TOP
    return [
        {"y": PLOT_BOTTOM - plot_h * f, "text_y": PLOT_BOTTOM - plot_h * f + 4, "text": text}
        for f, text in zip(GRID_STEPS, texts, strict=True)
    ]


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value


def _x_labels(labels: list[str], centres: list[float]) -> list[dict]:
    """At most about six labels, evenly spaced, so they never overlap."""
    every = max(1, -(-len(labels) // 6))
    return [{"x": centres[i], "text": labels[i]} for i in range(0, len(labels), every)]


def vbars(points: list[tuple[str, int]]) -> dict:
    top = _nice_max(max([v for _l, v in points] + [1]))
    plot_h = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(points), 1)
    bars, centres = [], []
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = PLOT_LEFT + i * slot + slot * 0.15
        centres.append(PLOT_LEFT + (i + 0.5) * slot)
        bars.append(
            {"x": x, "y": PLOT_BOTTOM - h, "width": slot * 0.7, "height": h, "title": label}
        )
    return {
        "width": WIDTH,
        "height": SERIES_HEIGHT,
        "bars": bars,
        "grid": _grid([str(round(top * f)) for f in GRID_STEPS]),
        "x_labels": _x_labels([label for label, _v in points], centres),
        "left": PLOT_LEFT,
        "axis_x": PLOT_LEFT - 4,
        "right": PLOT_RIGHT,
        "label_y": SERIES_HEIGHT - 6,
    }


def line(points: list[tuple[str, float | None]]) -> dict:
    """A line of percentages (0–100); a week or month without a value breaks it."""
    plot_h = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(points), 1)
    path, dots, centres, pen_down = [], [], [], False
    for i, (label, value) in enumerate(points):
        x = PLOT_LEFT + (i + 0.5) * slot
        centres.append(x)
        if value is None:
            pen_down = False
            continue
        y = PLOT_BOTTOM - plot_h * value / 100
        path.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        dots.append({"x": x, "y": y, "title": f"{label}: {round(value)}%"})
        pen_down = True
    return {
        "width": WIDTH,
        "height": SERIES_HEIGHT,
        "path": " ".join(path),
        "dots": dots,
        "grid": _grid([f"{round(100 * f)}%" for f in GRID_STEPS]),
        "x_labels": _x_labels([label for label, _v in points], centres),
        "left": PLOT_LEFT,
        "axis_x": PLOT_LEFT - 4,
        "right": PLOT_RIGHT,
        "label_y": SERIES_HEIGHT - 6,
    }


# --- The charts as SVG markup ---------------------------------------------------------
#
# What the templates _chart_hbars.html and _chart_series.html wrote, byte for byte
# (tests/advising/test_dashboard_html.py renders them, kept in
# dashboard_before_svg.html, beside these): some 150 `floatformat` filters and 40
# loop iterations a page cost more than every other part of the dashboard.

_TENTH = Decimal("0.1")


def one_decimal(value) -> str:
    """`{{ value|floatformat:'1u' }}`: one decimal, rounded half up on the value as
    str() writes it (not on its binary fraction, as f"{value:.1f}" would), never
    "-0.0"."""
    rounded = Decimal(str(value)).quantize(_TENTH, ROUND_HALF_UP)
    return f"{rounded if rounded else rounded.copy_abs():f}"


def _svg_open(chart: dict, *, id: str, title: str, desc: str) -> str:
    return (
        '\n<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'viewBox="0 0 {chart["width"]} {chart["height"]}" role="img" '
        f'aria-labelledby="{id}-title {id}-desc" focusable="false">\n'
        f'  <title id="{id}-title">{escape(str(title))}</title>\n'
        f'  <desc id="{id}-desc">{escape(str(desc))}</desc>\n  '
    )


def hbars_svg(
    chart: dict, *, id: str, title: str, desc: str, bar_class: str = "chart-bar"
) -> SafeString:
    """An hbars() chart as SVG; `id` names it on the page, `title` and `desc` are
    what a screen reader says."""
    parts = [_svg_open(chart, id=id, title=title, desc=desc)]
    for bar in chart["bars"]:
        previous = (
            f'<rect class="chart-bar-previous" x="0" y="{one_decimal(bar.previous_y)}" '
            f'width="{one_decimal(bar.previous_width)}" height="6" rx="1"/>'
            if bar.previous_y is not None
            else ""
        )
        parts.append(
            f'<g>\n    <text x="0" y="{one_decimal(bar.label_y)}">{escape(bar.label)}</text>\n'
            f'    <rect class="{bar_class}" x="0" y="{one_decimal(bar.y)}" '
            f'width="{one_decimal(bar.width)}" height="18" rx="2"/>\n'
            f'    <text class="chart-value" x="{one_decimal(bar.value_x)}" '
            f'y="{bar.value_y}">{escape(bar.value_text)}</text>\n'
            f"    {previous}\n  </g>"
        )
    parts.append("\n</svg>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number


def series_svg(chart: dict, *, id: str, title: str, desc: str) -> SafeString:
    """A vbars() or line() chart as SVG (as hbars_svg)."""
    parts = [_svg_open(chart, id=id, title=title, desc=desc)]
    right = one_decimal(chart["right"])
    for i, grid in enumerate(chart["grid"]):
        y = one_decimal(grid["y"])
        parts.append(
            f'<line class="{"chart-baseline" if i == 0 else "chart-grid"}" '
            f'x1="{chart["left"]}" x2="{right}" y1="{y}" y2="{y}"/>\n'
            f'  <text class="chart-axis-label" x="{chart["axis_x"]}" '
            f'y="{one_decimal(grid["text_y"])}" text-anchor="end">{escape(grid["text"])}</text>\n  '
        )
    for bar in chart.get("bars", ()):
        parts.append(
            f'<rect class="chart-bar" x="{one_decimal(bar["x"])}" y="{one_decimal(bar["y"])}" '
            f'width="{one_decimal(bar["width"])}" height="{one_decimal(bar["height"])}"/>\n  '
        )
    if chart.get("path"):
        parts.append(f'<path class="chart-line" d="{escape(chart["path"])}"/>\n  ')
    for dot in chart.get("dots", ()):
        parts.append(
            f'<circle class="chart-dot" cx="{one_decimal(dot["x"])}" '
            f'cy="{one_decimal(dot["y"])}" r="3.5"/>\n  '
        )
    for label in chart["x_labels"]:
        parts.append(
            f'<text class="chart-axis-label" x="{one_decimal(label["x"])}" '
            f'y="{chart["label_y"]}" text-anchor="middle">{escape(str(label["text"]))}</text>\n  '
        )
    parts.append("\n</svg>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number

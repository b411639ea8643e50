"""The dashboard's charts as geometry for server-rendered SVG (templates/advising/
_chart_*.html), and its numbers as text. No script draws anything: the
Content-Security-Policy allows none inline, and a chart that is markup prints,
scales with its viewBox and needs nothing to load. Colours are CSS classes
(static/css/dashboard.css), never style attributes.

Every chart is WIDTH user units wide and scales to its container, so it never
widens a phone's page; its text is sized for that scale.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.formats import date_format
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

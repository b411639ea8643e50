"""The dashboard's HTML, byte for byte, as the template wrote it before the view took
over parts of it (the charts' SVG: charts.hbars_svg, series_svg; the figures' cards
and the data tables' rows: views_dashboard._cards, _rows).
dashboard_before_svg.html is dashboard.html as it was, with its two chart partials
(_chart_hbars.html, _chart_series.html) written in place of their includes; it is
rendered from the page's own context with what the view used to give it
(`_old_context`, its code as it was), and the whole document compared (only the
CSRF token, masked afresh on every use, is set aside)."""

import pickle
import re
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import engines
from django.template.defaultfilters import floatformat
from django.utils import timezone

from apps.advising import charts
from apps.advising.views_dashboard import _headline
from tests.advising.test_dashboard import FEBRUARY, office_data  # noqa: F401 - a fixture
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, volunteer_named
from tests.factories.students import FieldFactory

URL = "/advising/dashboard/"
OLD_TEMPLATE = (Path(__file__).parent / "dashboard_before_svg.html").read_text()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _old_context(figures) -> dict:
    """What views_dashboard._context gave the template's charts and loops before the
    view wrote them (its code as it was; the headlines and engagement figures it
    still gives)."""
    labels = [charts.bucket_label(b.start, figures.unit) for b in figures.conversations]
    funnel_rows = [("Students", figures.students, figures.students)] + [
        (f.label, f.value, f.previous) for f in figures.funnel
    ]
    return {
        "funnel": [_headline(f) for f in figures.funnel],
        "conversations": list(zip(labels, figures.conversations, strict=True)),
        "thank_yous": [
            (label, b, charts.value_text(b.rate, "percent"))
            for label, b in zip(labels, figures.thank_yous, strict=True)
        ],
        "funnel_chart": charts.hbars(funnel_rows, with_previous=True),
        "conversations_chart": charts.vbars(
            [(label, b.value) for label, b in zip(labels, figures.conversations, strict=True)]
        ),
        "thank_yous_chart": charts.line(
            [(label, b.rate) for label, b in zip(labels, figures.thank_yous, strict=True)]
        ),
        "fields_chart": charts.hbars(
            [(row["field__name"], row["students"], None) for row in figures.fields],
            with_previous=False,
        ),
    }


def _same(response, viewer) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    context = response.context[0].flatten()
    if "figures" in context:
        context.update(_old_context(context["figures"]))
    with timezone.override(zoneinfo.ZoneInfo(viewer.time_zone)):
        old = engines["django"].from_string(OLD_TEMPLATE).render(context, response.wsgi_request)
    assert "{%" not in old
    assert CSRF.sub("csrf", html) == CSRF.sub("csrf", old)
    return html


@pytest.mark.parametrize(
    "params",
    [
        FEBRUARY,
        {},
        {"range": "term"},
        {"range": "12m"},
        {"start": "2025-01-01", "end": "2026-02-28"},
        {**FEBRUARY, "programme": "Economics"},
        {**FEBRUARY, "year": "2028"},
        {"start": "2026-02-01"},
        {"start": "2026-03-01", "end": "2026-02-01"},
        {"range": "12m", "refresh": "1", "x": ["a&b", "<c>"], "chart": "funnel"},
        {**FEBRUARY, "range": "custom", "programme": "Économie & <Santé>"},
        {"range": "nonsense", "year": "abc"},
    ],
)
def test_the_page_is_the_old_templates_html(params, office_data, advisor, login_as):  # noqa: F811
    _same(login_as(advisor).get(URL, params), advisor)


def test_an_office_without_any_activity(office, advisor, login_as):
    html = _same(login_as(advisor).get(URL, FEBRUARY), advisor)

    assert "No contacts with a field were added in this period." in html


def test_names_are_escaped_and_long_ones_shortened(office, advisor, login_as):
    names = ['R&D <"labs">', "Public policy, " + "and more " * 6, "Law", "Art's"]
    for n, name in enumerate(names):
        field = FieldFactory(office=office, name=name)
        for i in range(n + 1):
            someone = UserFactory(office=office, email=f"f{n}-{i}@northfield.test")
            ContactFactory(student=someone, field=field)

    for n in range(7):
        volunteer_named(
            office, f"Jo {n} <Smith> & Co", email=f"jo{n}@alumni.test", employer=f'"A&B" {n}'
        )

    html = _same(login_as(advisor).get(URL), advisor)

    assert "R&amp;D &lt;&quot;labs&quot;&gt;" in html
    assert "&lt;Smith&gt; &amp; Co</th><td>&quot;A&amp;B&quot;" in html
    assert "Public policy, and more and more and more and…</text>" in html


def test_cached_figures_hold_no_lazy_translation(office_data, advisor, login_as):  # noqa: F811
    """Each lazy translation unpickled builds a class: the labels are looked up by
    key instead (dashboard.FIGURE_LABELS)."""
    figures = login_as(advisor).get(URL, FEBRUARY).context["figures"]

    assert b"_lazy_proxy_unpickle" not in pickle.dumps(figures)
    assert [f.label for f in figures.headlines][:2] == ["Requests sent", "Requests accepted"]


@pytest.mark.parametrize(
    "value", [0, 1, 13, 474, 0.05, 0.15, 0.25, 2.65, 7.45, 123.45, 36.0, -0.04, 1e16, 2 / 3]
)
def test_one_decimal_is_floatformat_1u(value):
    assert charts.one_decimal(value) == floatformat(value, "1u")

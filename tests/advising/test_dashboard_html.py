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
from django.test import override_settings
from django.utils import timezone, translation

from apps.advising import charts
from apps.advising.views_dashboard import _headline
from tests.advising.test_dashboard import FEBRUARY, office_data  # noqa: F401 - a fixture
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, volunteer_named
from tests.factories.students import FieldFactory

URL = "/advising/dashboard/"
PAGE = "advising/dashboard.html"
# Month names that German writes otherwise: March 2026 so far, from the 1st.
MARCH = {"start": "2026-03-01", "end": "2026-03-03"}
FIGURES_PART = "advising/_dashboard_figures.html"
OLD_TEMPLATE = (Path(__file__).parent / "dashboard_before_svg.html").read_text()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
# Both of a page's CSRF tokens (the form's and htmx's), for comparing two pages.
TOKENS = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
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


def _same(response, viewer, *, language: str = "en", status: int = 200) -> str:
    assert response.status_code == status
    html = response.content.decode()
    # The page's own context (the figures' part, advising/_dashboard_figures.html,
    # is rendered before it when the figures are new).
    context = next(
        c for t, c in zip(response.templates, response.context, strict=True) if t.name == PAGE
    ).flatten()
    with timezone.override(zoneinfo.ZoneInfo(viewer.time_zone)), translation.override(language):
        if "figures" in context:
            context.update(_old_context(context["figures"]))
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


@pytest.mark.parametrize(
    "params",
    [{"start": "x", "end": "y"}, {"start": "2026-03-01", "end": "2026-02-01", "x": "<&>"}],
)
def test_the_csv_with_bad_filters_is_the_old_templates_page(params, office, advisor, login_as):
    _same(
        login_as(advisor).get("/advising/dashboard.csv", {"chart": "funnel", **params}),
        advisor,
        status=400,
    )


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


# --- The figures' part, written once per version of the figures and language -----------


def _parts(response) -> list[str]:
    return [t.name for t in response.templates if t.name == FIGURES_PART]


def test_the_figures_part_is_written_once_for_figures_kept(office_data, advisor, login_as):  # noqa: F811
    browser = login_as(advisor)

    first = browser.get(URL, FEBRUARY)
    again = browser.get(URL, {**FEBRUARY, "x": "<&>"})

    assert _parts(first) == [FIGURES_PART]
    assert _parts(again) == []
    assert first.context["figures"].version == again.context["figures"].version
    # Each request writes its own query string into the kept part's CSV links.
    assert "?start=2026-02-01&amp;end=2026-02-28&amp;x=%3C%26%3E&amp;chart=funnel" in _same(
        again, advisor
    )
    _same(first, advisor)


def test_new_figures_show_at_once_even_computed_at_the_same_time(office, advisor, login_as):
    """The clock stands still: only the figures' version says they are new."""
    browser = login_as(advisor)
    before = _same(browser.get(URL), advisor)
    someone = UserFactory(office=office, email="new@northfield.test")
    ContactFactory(student=someone, field=FieldFactory(office=office, name="Ocean & <Sky>"))

    kept = _same(browser.get(URL), advisor)
    fresh = browser.get(URL, {"refresh": "1"})
    after = _same(browser.get(URL), advisor)

    assert "No contacts with a field were added in this period." in before
    assert TOKENS.sub("", kept) == TOKENS.sub("", before)
    assert _parts(fresh) == [FIGURES_PART]
    for page in (_same(fresh, advisor), after):
        assert "Ocean &amp; &lt;Sky&gt;</text>" in page
        assert "Ocean &amp; &lt;Sky&gt;</th><td>1</td><td>1</td>" in page


@override_settings(LANGUAGES=[("en", "English"), ("de", "German")])
def test_each_language_has_its_own_figures_part(office_data, advisor, login_as):  # noqa: F811
    """Fieldnotes has one language so far: Django's own German month names stand for
    a translation."""
    browser = login_as(advisor)

    pages = [
        (language, browser.get(URL, MARCH, headers={"accept-language": language}))
        for language in ("en", "de", "en", "de")
    ]

    html = [_same(response, advisor, language=language) for language, response in pages]
    assert [_parts(response) for _language, response in pages] == [[FIGURES_PART]] * 2 + [[]] * 2
    assert "1 Mar 2026 to 3 Mar 2026" in html[0]
    assert "1 Mär 2026 to 3 Mär 2026" in html[1]
    assert ">2 Mär</text>" in html[1]
    assert "Mär" not in html[0]
    assert [TOKENS.sub("", page) for page in html[2:]] == [
        TOKENS.sub("", page) for page in html[:2]
    ]

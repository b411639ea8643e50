"""The directory's results (their count, cards with each form's csrf token, and
pager) and its filters' form written in the view (views_directory's
directory_results_html and directory_filters_html) are the same HTML, byte for
byte, as the templates that wrote them with a tag or variable each.
directory_results_before_html.html and directory_list_before_html.html are those
templates (_directory_results.html and directory_list.html as they were), rendered
here from the page's own context with the cards' rows as they read them."""

from pathlib import Path

import pytest
from django.template import engines
from django.test.utils import ContextList
from django.urls import reverse

from apps.contacts.enums import Format, Industry, OpenTo
from apps.contacts.views_directory import card_labels, directory_card_rows, directory_cards
from tests.contacts.test_directory_html import (
    _every_kind,
    _filters,
    _many,
    _one,
    _three,
    _unmasked,
)
from tests.factories.contacts import volunteer_named

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("directory")
OLD_RESULTS = (Path(__file__).parent / "directory_results_before_html.html").read_text()


def _old_results(response) -> str:
    context = response.context
    context = (context[0] if isinstance(context, ContextList) else context).flatten()
    labels = card_labels()
    context["cards"] = directory_card_rows(
        directory_cards(context["page"].object_list, labels), labels
    )
    old = engines["django"].from_string(OLD_RESULTS)
    return _unmasked(old.render(context, response.wsgi_request))


def _searched(office, student):
    for n in range(45):
        volunteer_named(office, f"Vol {n:02d} <&>", employer="Deloitte & Co", location="Oslo")


def _assert_same(browser, query):
    page = browser.get(DIRECTORY, query)
    partial = browser.get(DIRECTORY, query, headers={"HX-Request": "true"})

    old = _old_results(partial)
    assert "{%" not in old and "volunteer" in old
    assert _unmasked(partial.content.decode()) == old
    assert f'<div id="directory-results">\n  {old}\n</div>' in _unmasked(page.content.decode())
    assert _old_results(page) == old
    return old


@pytest.mark.parametrize("arrange", [None, _one, _three, _every_kind, _many, _searched])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "a"},
        {"page": "2"},
        {"page": "3", "location": "oslo & <x>"},
        {"q": "vol", "location": "Oslo", "page": "2"},
        {"q": "deloitte", "page": "2", "accepting": "on"},
        {"year_from": "1", "industry": "nope", "page": "2"},
    ],
)
def test_the_results_are_the_html_the_old_results_template_wrote(
    login_as, office, student, arrange, query
):
    if arrange is not None:
        arrange(office, student)

    _assert_same(login_as(student), query)


def test_the_cases_cover_the_pager_the_count_and_the_errors(login_as, office, student):
    _searched(office, student)
    browser = login_as(student)

    middle = _assert_same(browser, {"q": "vol", "location": "Oslo", "page": "2"})
    bad = _assert_same(browser, {"year_from": "1", "page": "3"})

    assert "45 volunteers found · best matches first" in middle
    assert 'href="?q=vol&amp;location=Oslo&amp;page=1"' in middle
    assert 'hx-get="?q=vol&amp;location=Oslo&amp;page=3"' in middle
    assert "Page 2 of 3" in middle
    assert "Some filters were left out:" in bad and "Next</a>" not in bad
    assert "Nobody matches these filters yet." in _assert_same(browser, {"q": "zzzz"})
    assert "1 volunteer found" in _assert_same(browser, {"q": "vol 07"})


@pytest.mark.needs_postgres
def test_a_misspelt_search_is_the_html_the_old_results_template_wrote(login_as, office, student):
    _searched(office, student)
    browser = login_as(student)

    first = _assert_same(browser, {"q": "Delotte"})
    second = _assert_same(browser, {"q": "Delotte", "location": "oslo", "page": "2"})

    assert "Did you mean" in first and "a word spelt closely" in second
    assert 'href="?q=Deloitte"' in first and "best matches first" not in first
    assert 'href="?q=Delotte&amp;location=oslo&amp;page=1"' in second


OLD_PAGE = (Path(__file__).parent / "directory_list_before_html.html").read_text()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": ""},
        {"q": "a <b> & \"c\" 'd'", "location": "Paris & <Lyon>", "accepting": "on"},
        {"accepting": "false", "location": " "},
        {"field": "{law}", "industry": Industry.CONSULTING, "open_to": OpenTo.QUESTIONS_AHEAD},
        {"format": Format.VIDEO, "major": "maths & <STATS>", "year_from": "2000"},
        {"major": "history", "year_to": "2020", "page": "3"},
        {"year_from": "2020", "year_to": "2000"},
        {"field": "nope", "industry": "nope", "major": "Nope", "year_from": "1", "year_to": "x"},
        {"field": "", "industry": "", "open_to": "", "format": "", "major": "", "year_to": ""},
    ],
)
def test_the_page_is_the_html_the_old_page_template_wrote(login_as, office, student, query):
    law = _filters(office, student)
    query = {name: value.format(law=law.pk) for name, value in query.items()}

    response = login_as(student).get(DIRECTORY, query)

    old = engines["django"].from_string(OLD_PAGE)
    old = _unmasked(old.render(response.context[0].flatten(), response.wsgi_request))
    assert "{%" not in old and "<select" in old
    assert _unmasked(response.content.decode()) == old


def test_the_page_cases_cover_every_kind_of_filter(login_as, office, student):
    _filters(office, student)
    browser = login_as(student)

    chosen = browser.get(
        DIRECTORY, {"q": 'a <b> & "c"', "location": "Paris & <Lyon>", "accepting": "on"}
    ).content.decode()
    bad = browser.get(DIRECTORY, {"year_from": "1", "field": "nope"}).content.decode()

    assert 'value="a &lt;b&gt; &amp; &quot;c&quot;"' in chosen
    assert 'value="Paris &amp; &lt;Lyon&gt;"' in chosen and 'value="on" checked>' in chosen
    assert 'aria-expanded="true"' in chosen and "d-md-block show" in chosen
    assert 'id="id_year_from" class="form-control is-invalid" aria-invalid="true"' in bad
    assert 'id="id_field" class="form-select is-invalid"' in bad and " checked" not in bad

"""The directory's results (their count, cards with each form's csrf token, and
pager) written in the view (views_directory.directory_results_html) are the same
HTML, byte for byte, as the results template that wrote them with a tag or variable
each. directory_results_before_html.html is that template (_directory_results.html
as it was), rendered here from the page's own context with the cards' rows as it
read them; the page itself must hold the same results."""

from pathlib import Path

import pytest
from django.template import engines
from django.test.utils import ContextList
from django.urls import reverse

from apps.contacts.views_directory import card_labels, directory_card_rows, directory_cards
from tests.contacts.test_directory_html import _every_kind, _many, _one, _three, _unmasked
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

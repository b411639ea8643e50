"""The student's directory written from cards worked out in the view
(views_directory.directory_card_rows) is the same HTML, byte for byte, as the
template that wrote each card with a variable or tag per value.
directory_results_before_rows.html is that template (_directory_results.html as it
was), rendered here from the page's own context with the cards as it read them."""

import re
from pathlib import Path

import pytest
from django.template import engines
from django.test.utils import ContextList
from django.urls import reverse

from apps.contacts.enums import Format, Industry, OpenTo
from apps.contacts.models import VolunteerProfile
from apps.contacts.views_directory import card_labels, directory_cards
from apps.contacts.volunteers import volunteer_add_to_contacts, volunteer_stats_record_request
from tests.factories.contacts import volunteer_named
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("directory")
OLD_RESULTS = (Path(__file__).parent / "directory_results_before_rows.html").read_text()
# Each render masks the csrf token afresh; the token is the same secret either way.
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _unmasked(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value="TOKEN"', html)


def _old_results(response) -> str:
    # The page renders several templates (a list of contexts), the htmx answer one.
    context = response.context
    context = (context[0] if isinstance(context, ContextList) else context).flatten()
    context["cards"] = directory_cards(context["page"].object_list, card_labels())
    old = engines["django"].from_string(OLD_RESULTS)
    return _unmasked(old.render(context, response.wsgi_request))


def _every_kind(office, student):
    """Cards of every shape: names and words to escape, with and without each
    optional line, in the student's contacts or not, fully booked or with time."""
    law = FieldFactory(office=office, name="Law & <Order>")
    tax = FieldFactory(office=office, name="Tax")
    full = volunteer_named(
        office, "Rosa <b>Reyes</b> & O'Neil", fields=[law, tax], employer='Acme "Co"',
        job_title="Analyst", location="Paris & Lyon", graduation_year=2015,
        programme="Law <LLM>", industry=Industry.CONSULTING, topics="Careers & <stuff> " * 20,
        formats=[Format.VIDEO, Format.PHONE], open_to=[OpenTo.QUESTIONS_AHEAD],
        capacity_per_month=1,
    )  # fmt: skip
    volunteer_stats_record_request(profile=full)  # fully booked this month
    VolunteerProfile.objects.filter(pk=full.pk).update(
        requests_received=10, requests_answered=7, response_seconds_total=7 * 3 * 24 * 3600
    )
    only_title = volunteer_named(office, "Dev Shah", job_title="Engineer", programme="Maths")
    VolunteerProfile.objects.filter(pk=only_title.pk).update(
        requests_received=6, requests_answered=3, response_seconds_total=3 * 5 * 3600
    )
    volunteer_add_to_contacts(student=student, profile=only_title)
    volunteer_named(office, "Zoë Brandt", employer="Initech", graduation_year=2001)
    volunteer_named(office, "Ana Lima", formats=[Format.EMAIL])


def _many(office, student):
    for n in range(23):
        profile = volunteer_named(office, f"Vol {n:02d}", employer=f"Firm {n}")
        if n % 4 == 0:
            volunteer_add_to_contacts(student=student, profile=profile)


def _one(office, student):
    volunteer_named(office, "Only One", topics="Short")


def _three(office, student):
    for name in ("Ann A", "Bo B", "Cy C"):
        volunteer_named(office, name, location="Berlin")


@pytest.mark.parametrize("arrange", [None, _one, _three, _every_kind, _many])
@pytest.mark.parametrize("query", [{}, {"q": "a"}, {"page": "2"}, {"year_from": "1"}])
def test_the_directory_is_the_html_the_old_template_wrote(
    login_as, office, student, arrange, query
):
    if arrange is not None:
        arrange(office, student)
    browser = login_as(student)

    page = browser.get(DIRECTORY, query)
    partial = browser.get(DIRECTORY, query, headers={"HX-Request": "true"})

    old = _old_results(partial)
    assert "{%" not in old and "volunteer" in old
    assert _unmasked(partial.content.decode()) == old
    assert f'<div id="directory-results">\n  {old}\n</div>' in _unmasked(page.content.decode())
    assert _old_results(page) == old


def test_the_cases_cover_every_kind_of_card(login_as, office, student):
    _every_kind(office, student)

    html = login_as(student).get(DIRECTORY).content.decode()

    assert "Rosa &lt;b&gt;Reyes&lt;/b&gt; &amp; O&#x27;Neil</a>" in html
    assert "Analyst at Acme &quot;Co&quot;</p>" in html
    assert '<span class="badge text-bg-light border me-1">Law &amp; &lt;Order&gt;</span>' in html
    assert "Class of 2015 · " in html and "Maths</li>" in html and "Class of 2001</li>" in html
    assert "Fully booked this month" in html and "Has time this month" in html
    assert "In your contacts</a>" in html
    assert html.count('<form method="post" action="/directory/') == 3
    assert "Ask for a conversation" in html
    assert '<dd class="col-6 mb-0">70%</dd>' in html and '<dd class="col-6 mb-0">3 d</dd>' in html
    assert '<dd class="col-6 mb-0">5 h</dd>' in html
    assert "not enough requests yet" in html and "…</p>" in html


OLD_PAGE = (Path(__file__).parent / "directory_list_before_options.html").read_text()


def _old_page(response) -> str:
    context = response.context[0].flatten()
    old = engines["django"].from_string(OLD_PAGE)
    return _unmasked(old.render(context, response.wsgi_request))


def _filters(office, student):
    law = FieldFactory(office=office, name="Law & <Order>")
    FieldFactory(office=office, name="Tax")
    volunteer_named(office, "Ann A", fields=[law], programme="Maths & <Stats>")
    volunteer_named(office, "Bo B", programme="History")
    return law


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": ""},
        {"q": "a <b>", "location": "Paris & Lyon", "accepting": "on"},
        {"field": "{law}", "industry": Industry.CONSULTING, "open_to": OpenTo.QUESTIONS_AHEAD},
        {"format": Format.VIDEO, "major": "maths & <STATS>", "year_from": "2000"},
        {"major": "history", "year_to": "2020", "page": "3"},
        {"field": "nope", "industry": "nope", "major": "Nope", "year_from": "1", "year_to": "x"},
        {"field": "", "industry": "", "open_to": "", "format": "", "major": ""},
    ],
)
def test_the_directory_page_is_the_html_the_old_filter_template_wrote(
    login_as, office, student, query
):
    law = _filters(office, student)
    query = {name: value.format(law=law.pk) for name, value in query.items()}

    response = login_as(student).get(DIRECTORY, query)

    old = _old_page(response)
    assert "{%" not in old and "<select" in old
    assert _unmasked(response.content.decode()) == old


def test_the_filter_cases_select_every_kind_of_option(login_as, office, student):
    law = _filters(office, student)
    browser = login_as(student)

    chosen = browser.get(
        DIRECTORY, {"field": law.pk, "major": "maths & <STATS>", "industry": "consulting"}
    ).content.decode()

    assert f'<option value="{law.pk}" selected>Law &amp; &lt;Order&gt;</option>' in chosen
    assert '<option value="Maths &amp; &lt;Stats&gt;" selected>Maths &amp; &lt;Stats&gt;' in chosen
    assert '<option value="consulting" selected>' in chosen and "is-invalid" not in chosen
    bad = browser.get(DIRECTORY, {"industry": "nope"}).content.decode()
    assert 'id="id_industry" class="form-select is-invalid"' in bad and " selected>" not in bad
    assert '<option value="" selected>' in browser.get(DIRECTORY, {"format": ""}).content.decode()

"""The caseload page's HTML, byte for byte, as the template wrote it before the view
wrote the column headings' cells (views._header_cells, in place of a loop with a
`{% querystring %}` a heading). caseload_before_headers.html is caseload.html as it
was; it is rendered from the page's own context with the headings the view gave it
(views._headers), and the whole document compared (only the CSRF token, masked
afresh on every use, is set aside)."""

import re
import zoneinfo
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone

from apps.advising.services import assignments_add
from apps.advising.views import _headers
from apps.students.selectors import student_profile_get
from tests.factories.accounts import UserFactory

URL = "/advising/"
OLD_TEMPLATE = (Path(__file__).parent / "caseload_before_headers.html").read_text()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

pytestmark = pytest.mark.django_db


def _same(response, viewer) -> str:
    html = response.content.decode()
    # The page's own context: not the filters' stencil's, rendered first when a
    # process has not kept it yet (views._filters_html).
    context = next(c for c in response.context if "form" in c).flatten()
    if context.get("query") is not None:
        context["headers"] = _headers(context["query"])
    with timezone.override(zoneinfo.ZoneInfo(viewer.time_zone)):
        old = engines["django"].from_string(OLD_TEMPLATE).render(context, response.wsgi_request)
    assert "{%" not in old
    assert CSRF.sub("csrf", html) == CSRF.sub("csrf", old)
    return html


@pytest.fixture
def students(office, office_admin, advisor):
    people = []
    for n, name in enumerate(["Ann <Lee>", "Bo & Co", "Cé O'Hara"]):
        someone = UserFactory(office=office, email=f"s{n}@northfield.test", full_name=name)
        profile = student_profile_get(user=someone)
        profile.programme, profile.graduation_year = "Law & <Politics>", 2027
        profile.save()
        people.append(someone)
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[people[0].pk])
    return people


QUERIES = [
    "",
    "sort=name",
    "sort=-name",
    "sort=held",
    "sort=-held&page=2",
    "page=2&q=a&sort=stage",
    "q=Bo+%26+Co&scope=office&x=1&x=2",
    "scope=office&sort=activity&programme=Law+%26+%3CPolitics%3E&year=2027",
    "sort=-contacts&q=caf%C3%A9&page=1&scope=office",
    "flag=unassigned&scope=office&sort=&flag=stalled",
    "sort=nonsense",
    "year=abc",
    "scope=mine&q=nobody",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_page_is_the_old_templates_html(query, students, advisor, login_as):
    _same(login_as(advisor).get(f"{URL}?{query}"), advisor)


@pytest.mark.parametrize("query", QUERIES[:4])
def test_the_office_admins_page_is_the_old_templates_html(query, students, office_admin, login_as):
    _same(login_as(office_admin).get(f"{URL}?{query}"), office_admin)


def test_an_empty_office(advisor, login_as):
    _same(login_as(advisor).get(URL), advisor)


@pytest.mark.parametrize("query", ["", "page=2", "page=3&sort=-name&scope=office"])
def test_a_page_with_the_pager_is_the_old_templates_html(query, office, advisor, login_as):
    """The pager written by core.rendering.pagination_html in place of the include."""
    for n in range(120):
        UserFactory(office=office, email=f"p{n}@northfield.test", full_name=f"P {n:03}")
    browser = login_as(advisor)
    html = _same(browser.get(f"{URL}?{query}"), advisor)
    assert 'class="pagination' in html
    # Again, from the widgets and headings kept by the process.
    assert browser.get(f"{URL}?{query}").content.decode().count("<option") == html.count("<option")


@pytest.mark.parametrize("selected", [True, False])
def test_a_field_chosen_is_the_old_templates_html(
    selected, students, consulting, advisor, login_as
):
    browser = login_as(advisor)
    query = f"field={consulting.pk}&stage=met&flag=stalled&scope=office" if selected else ""
    for _ in range(2):
        html = _same(browser.get(f"{URL}?{query}"), advisor)
    assert (f'<option value="{consulting.pk}" selected>' in html) is selected

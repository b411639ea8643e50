"""The signed-in floor page (the research notes, /me/research/) with its content
from a kept stencil (students.views.note_list): byte for byte the page its template
wrote before (researchnote_list_before_stencil.html), with no notes, a few under
several fields, names that need escaping, and more than a page of them."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone

from apps.students.models import ResearchNote
from apps.students.views import NOTES_PAGE_SIZE
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

BEFORE = (Path(__file__).parent / "researchnote_list_before_stencil.html").read_text()
URL = "/me/research/"


def _tokens_out(html: str) -> str:
    # The CSRF token is masked afresh for each page: compare everything else.
    html = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "TOKEN", html)
    return re.sub(r'"X-CSRFToken": "\w+"', "TOKEN", html)


def _both(browser, params=None) -> tuple[str, str]:
    response = browser.get(URL, params or {})
    assert response.status_code == 200
    # The page's own context (a cold stencil is a template rendered in the request too).
    names = [template.name for template in response.templates]
    context = response.context[names.index("students/researchnote_list.html")].flatten()
    before = engines["django"].from_string(BEFORE).render(context, response.wsgi_request)
    return _tokens_out(response.content.decode()), _tokens_out(before)


def _notes(student, office, count):
    fields = [FieldFactory(office=office, name=name) for name in ("Zoology", "Bank & <Co>")]
    for n in range(count):
        note = ResearchNote.objects.create(
            student=student,
            title=f"Note <b>{n}</b> & co",
            field=(fields[0], fields[1], None)[n % 3],
            body=("Long <i>body</i> & more " * 12) if n % 2 else "short",
        )
        ResearchNote.objects.filter(pk=note.pk).update(
            updated_at=timezone.now() - timedelta(days=n * 3, hours=2)
        )


@pytest.mark.parametrize("count", [0, 1, 4])
def test_floor_page_is_what_its_template_wrote(login_as, student, office, count):
    _notes(student, office, count)
    browser = login_as(student)

    for _ in range(2):  # the stencil made, then kept
        ours, before = _both(browser)
        assert ours == before

    assert ("No research notes yet." in ours) == (count == 0)
    if count:
        assert "Note &lt;b&gt;0&lt;/b&gt; &amp; co" in ours
    if count > 1:
        assert "Bank &amp; &lt;Co&gt;" in ours


@pytest.mark.parametrize("page", ["1", "2"])
def test_floor_page_with_more_than_a_page_is_what_its_template_wrote(
    login_as, student, office, page
):
    _notes(student, office, NOTES_PAGE_SIZE + 3)
    browser = login_as(student)

    ours, before = _both(browser, {"page": page})

    assert ours == before
    assert f"Page {page} of 2" in ours


def test_floor_page_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

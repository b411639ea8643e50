"""The follow-ups page's content around its rows, written in the view
(followups.views._content_html), is what followup_list.html wrote before (kept as
followup_list_before_page.html), byte for byte: the whole page is compared with
that template rendered from the same context, empty, with one, three and many
rows (with "See all"), names to escape, and from one section's pages, with and
without a pager."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse

from apps.followups import selectors
from tests.followups.test_list_html import _check_in, _many, _one, _thank_you, _three

pytestmark = pytest.mark.django_db

# The CSRF token is masked afresh each time it is written: the same token either way.
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
OLD_PAGE = (Path(__file__).parent / "followup_list_before_page.html").read_text()


def _both(client, path):
    response = client.get(path)
    assert response.status_code == 200
    context = {name: response.context[name] for name in ("groups", "only", "sections", "done_html")}
    context["preview"] = selectors.SECTION_PREVIEW
    old = engines["django"].from_string(OLD_PAGE).render(context, response.wsgi_request)
    return _TOKEN.sub(r"\1…", response.content.decode()), _TOKEN.sub(r"\1…", old)


@pytest.mark.parametrize("arrange", [None, _one, _three, _many])
def test_the_page_is_the_html_the_old_template_wrote(login_as, student, volunteer, arrange):
    if arrange is not None:
        arrange(student, volunteer)

    html, old = _both(login_as(student), reverse("followup_list"))

    assert html == old, _diff(old, html)


@pytest.mark.parametrize("section", ["overdue", "this-week", "upcoming", "bogus"])
@pytest.mark.parametrize("page", ["1", "2", "x"])
def test_one_sections_page_is_the_html_the_old_template_wrote(login_as, student, section, page):
    for n in range(27):
        _check_in(student, f"Up <{n}> & co", due_in=timedelta(days=20 + n))
        _thank_you(student, f"Late {n}", due_in=-timedelta(hours=n + 1))
    path = f"{reverse('followup_list')}?section={section}&page={page}"

    html, old = _both(login_as(student), path)

    assert html == old, _diff(old, html)
    assert ('class="pagination' in html) == (section in ("overdue", "upcoming"))


def test_a_sections_page_without_a_pager_or_rows(login_as, student):
    _thank_you(student, "Only & one", due_in=timedelta(hours=3))
    client = login_as(student)

    for section in ("overdue", "this-week", "upcoming"):
        html, old = _both(client, f"{reverse('followup_list')}?section={section}")
        assert html == old, _diff(old, html)
        assert 'class="pagination' not in html


def _diff(old, html):  # pragma: no cover
    import difflib

    return "".join(difflib.unified_diff(old.splitlines(True), html.splitlines(True)))

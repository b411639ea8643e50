"""The research notes list (/me/research/): one heading per field, a page at a time,
rows worked out in the view. researchnote_list_before_rows.html is the page's
content block as it was (a `{% regroup %}` over the notes in the template); where
that template grouped correctly (notes already in field order, one page), the page
shows the same HTML byte for byte."""

import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from apps.students.models import ResearchNote
from apps.students.selectors import research_notes_by_field_for_student
from apps.students.views import NOTES_PAGE_SIZE
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

OLD_CONTENT = (Path(__file__).parent / "researchnote_list_before_rows.html").read_text()
URL = reverse("research_note_list")


def _note(student, title, field=None, *, days_ago=0, body=""):
    note = ResearchNote.objects.create(student=student, title=title, field=field, body=body)
    ResearchNote.objects.filter(pk=note.pk).update(
        updated_at=timezone.now() - timedelta(days=days_ago, hours=3)
    )
    return note


@pytest.fixture
def fields(office):
    return FieldFactory(office=office, name="Zoology"), FieldFactory(office=office, name="Banking")


def _headings(html: str) -> list[str]:
    return [part.split("</h2>")[0] for part in html.split('<h2 class="h5 mt-4">')[1:]]


def _titles(html: str) -> list[str]:
    return [part.split("</strong>")[0] for part in html.split("<strong>")[1:]]


def test_each_field_is_one_heading_fields_by_name_general_last(login_as, student, fields):
    zoology, banking = fields
    # Newest first across fields, which the template's regroup turned into five
    # headings (Zoology, Banking, Zoology, General, Banking).
    _note(student, "Zoo newest", zoology, days_ago=0)
    _note(student, "Bank middle", banking, days_ago=1)
    _note(student, "Zoo older", zoology, days_ago=2)
    _note(student, "No field", None, days_ago=3)
    _note(student, "Bank oldest", banking, days_ago=4)

    html = login_as(student).get(URL).content.decode()

    assert _headings(html) == ["Banking", "Zoology", "General"]
    assert _titles(html) == ["Bank middle", "Bank oldest", "Zoo newest", "Zoo older", "No field"]


@pytest.mark.parametrize("count", [0, 1, 3, 7])
def test_same_html_as_the_old_template_where_it_grouped_right(login_as, student, fields, count):
    zoology, banking = fields
    for n in range(count):
        _note(
            student,
            f"Note <b>{n}</b> & co",
            (banking, zoology, None)[n % 3],
            days_ago=n * 40,
            body=("Long <i>body</i> " * 20) if n % 2 else "short",
        )
    student.time_zone = "Asia/Tokyo"
    student.save()
    browser = login_as(student)

    response = browser.get(URL)

    notes = list(research_notes_by_field_for_student(student=student))
    context = response.context[0].flatten() | {"notes": notes}
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        old = engines["django"].from_string(OLD_CONTENT).render(context, response.wsgi_request)
    assert len(notes) == count
    # The `{% regroup %}` tag's own line was an empty line of the old page.
    old = old.replace("</p>\n\n", "</p>\n", 1)
    assert old in response.content.decode()
    if count:
        assert "Note &lt;b&gt;0&lt;/b&gt; &amp; co" in old


def test_a_page_at_a_time(login_as, student, fields):
    zoology, _banking = fields
    for n in range(NOTES_PAGE_SIZE + 2):
        _note(student, f"Note {n:02d}", zoology, days_ago=n)
    browser = login_as(student)

    first = browser.get(URL).content.decode()
    second = browser.get(URL, {"page": 2}).content.decode()

    assert _titles(first) == [f"Note {n:02d}" for n in range(NOTES_PAGE_SIZE)]
    assert _titles(second) == [f"Note {n:02d}" for n in range(NOTES_PAGE_SIZE, NOTES_PAGE_SIZE + 2)]
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    # The field's heading again on the page its notes continue on.
    assert _headings(second) == ["Zoology"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "", "1.5"])
def test_a_page_number_that_is_not_one_gives_the_first_page(login_as, student, fields, page):
    for n in range(NOTES_PAGE_SIZE + 1):
        _note(student, f"Note {n:02d}", fields[0], days_ago=n)

    response = login_as(student).get(URL, {"page": page})

    assert response.status_code == 200
    assert _titles(response.content.decode())[0] == "Note 00"


def test_a_page_past_the_end_gives_the_last(login_as, student, fields):
    for n in range(NOTES_PAGE_SIZE + 1):
        _note(student, f"Note {n:02d}", fields[0], days_ago=n)

    response = login_as(student).get(URL, {"page": 99})

    assert response.status_code == 200
    assert _titles(response.content.decode()) == [f"Note {NOTES_PAGE_SIZE:02d}"]


def test_only_the_students_own_notes(login_as, student, student2, other_student, fields):
    _note(student, "Mine", fields[0])
    _note(student2, "Classmate's", fields[0])
    _note(other_student, "Other office's")

    html = login_as(student).get(URL).content.decode()

    assert _titles(html) == ["Mine"]


@pytest.mark.parametrize(
    ("count", "page", "queries"),
    [
        # session, user, the page's notes with their fields (one row more than shown:
        # no count while everything fits on one page)
        (0, 1, 3),
        (1, 1, 3),
        (3, 1, 3),
        (NOTES_PAGE_SIZE, 1, 3),
        # more than a page: the count as well
        (50, 1, 4),
        (50, 2, 4),
    ],
)
def test_query_count(login_as, student, fields, count, page, queries, django_assert_num_queries):
    ResearchNote.objects.bulk_create(
        ResearchNote(student=student, title=f"Note {n}", field=fields[n % 2]) for n in range(count)
    )
    browser = login_as(student)

    with django_assert_num_queries(queries):
        response = browser.get(URL, {"page": page})

    assert response.status_code == 200
    shown = min(NOTES_PAGE_SIZE, count - (page - 1) * NOTES_PAGE_SIZE)
    assert len(_titles(response.content.decode())) == shown


def test_signed_out_and_other_roles_are_turned_away(client, login_as, alumni, advisor):
    assert client.get(URL).status_code == 302
    for someone in (alumni, advisor):
        assert login_as(someone).get(URL).status_code in (302, 403)


def test_the_notes_statement_is_kept_and_gives_the_orms_rows(login_as, student, fields):
    from apps.core.statements import _statements, statements_clear

    zoology, banking = fields
    for n in range(4):
        _note(student, f"Note {n}", (zoology, banking, None, zoology)[n], days_ago=n)
    statements_clear()
    browser = login_as(student)

    first = browser.get(URL).content.decode()
    second = browser.get(URL).content.decode()

    kept = [
        shape for shape in _statements("default") if "students.research_notes_by_field" in shape
    ]
    assert len(kept) == 1
    assert _titles(first) == _titles(second)
    assert _titles(second) == ["Note 1", "Note 0", "Note 3", "Note 2"]

"""The whole contact book, or the contacts a filter shows, as one vCard file (issue 13,
point 8b)."""

import pytest
from django.urls import reverse

from apps.contacts.services import contact_archive
from tests.factories.contacts import ContactFactory


def _names(response) -> list[str]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return [line[3:] for line in text.decode().split("\r\n") if line.startswith("FN:")]


@pytest.mark.parametrize("count", [1, 3])
def test_the_whole_book_in_one_file(login_as, student, count, django_assert_num_queries):
    for i in range(count):
        ContactFactory(student=student, full_name=f"Person {i}")
    browser = login_as(student)
    browser.get(reverse("contact_list"))

    with django_assert_num_queries(3):
        response = browser.get(reverse("contacts_vcards"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    assert _names(response) == [f"Person {i}" for i in range(count)]


def test_a_selection_by_the_lists_filters(login_as, student, student2, consulting):
    ContactFactory(student=student, full_name="Kim Park", field=consulting)
    ContactFactory(student=student, full_name="Lee Wong")
    gone = ContactFactory(student=student, full_name="Kim Gone", field=consulting)
    contact_archive(student=student, contact=gone)
    ContactFactory(student=student2, full_name="Kim Theirs")
    browser = login_as(student)

    assert _names(browser.get(reverse("contacts_vcards"), {"field": consulting.pk})) == ["Kim Park"]
    assert _names(browser.get(reverse("contacts_vcards"), {"q": "kim"})) == ["Kim Park"]
    assert _names(browser.get(reverse("contacts_vcards"), {"archived": "on"})) == ["Kim Gone"]
    assert _names(browser.get(reverse("contacts_vcards"))) == ["Kim Park", "Lee Wong"]


def test_the_list_links_to_its_own_selection(login_as, student):
    ContactFactory(student=student, full_name="Kim Park")

    page = login_as(student).get(reverse("contact_list"), {"q": "kim"}).content.decode()

    assert f'href="{reverse("contacts_vcards")}?q=kim"' in page
    assert "These as vCards" in page


@pytest.mark.parametrize("persona", ["advisor", "alumni", "office_admin"])
def test_only_students_download_vcards(request, login_as, persona):
    response = login_as(request.getfixturevalue(persona)).get(reverse("contacts_vcards"))

    assert response.status_code == 403

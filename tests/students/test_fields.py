import pytest
from django.urls import reverse

from apps.students.models import Field
from apps.students.services import DEFAULT_FIELDS
from tests.factories.students import FieldFactory


def test_admin_adds_a_field(login_as, office_admin, office):
    response = login_as(office_admin).post(
        reverse("office_fields"), {"name": "  Architecture ", "description": "", "is_active": "on"}
    )

    assert response.status_code == 302
    assert list(Field.objects.filter(office=office).values_list("name", flat=True)) == [
        "Architecture"
    ]


def test_field_names_are_unique_per_office_ignoring_case(
    login_as, office_admin, office, other_office
):
    FieldFactory(office=office, name="Law")
    FieldFactory(office=other_office, name="Architecture")

    browser = login_as(office_admin)
    clash = browser.post(reverse("office_fields"), {"name": "LAW", "is_active": "on"})
    other = browser.post(reverse("office_fields"), {"name": "Architecture", "is_active": "on"})

    assert clash.status_code == 400
    assert clash.context["form"].errors["name"] == [
        "Your office already has a field with this name."
    ]
    assert other.status_code == 302
    assert Field.objects.filter(office=office).count() == 2


def test_admin_renames_and_hides_a_field(login_as, office_admin, office):
    field = FieldFactory(office=office, name="Tech")

    response = login_as(office_admin).post(
        reverse("office_field_edit", args=[field.pk]), {"name": "Technology", "description": "x"}
    )

    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.name, field.is_active) == ("Technology", False)


def test_standard_fields_are_added_once(login_as, office_admin, office):
    FieldFactory(office=office, name="law")
    browser = login_as(office_admin)

    browser.post(reverse("office_fields_seed"))
    browser.post(reverse("office_fields_seed"))

    assert Field.objects.filter(office=office).count() == len(DEFAULT_FIELDS)


@pytest.mark.parametrize("persona", ["student", "advisor", "alumni"])
def test_fields_page_is_for_office_admins(login_as, request, persona, office):
    user = request.getfixturevalue(persona)
    field = FieldFactory(office=office, name="Law")
    browser = login_as(user)

    assert browser.get(reverse("office_fields")).status_code == 403
    assert (
        browser.post(reverse("office_field_edit", args=[field.pk]), {"name": "X"}).status_code
        == 403
    )
    field.refresh_from_db()
    assert field.name == "Law"


def test_another_office_field_is_404(login_as, other_admin, office):
    field = FieldFactory(office=office, name="Law")

    response = login_as(other_admin).post(
        reverse("office_field_edit", args=[field.pk]), {"name": "Mine now", "is_active": "on"}
    )

    assert response.status_code == 404
    field.refresh_from_db()
    assert field.name == "Law"


@pytest.mark.parametrize("count", [1, 3])
def test_fields_page_query_count(login_as, office_admin, office, count, django_assert_num_queries):
    for i in range(count):
        FieldFactory(office=office, name=f"Field {i}")
    browser = login_as(office_admin)

    # session, user with office, fields
    with django_assert_num_queries(3):
        response = browser.get(reverse("office_fields"))

    assert len(response.context["fields"]) == count

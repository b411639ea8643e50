"""The directory's field filter options (DirectoryFilterForm.field_options): the
office's fields offered to students, by name, read by a statement compiled once
per process and bound with each office."""

import pytest

from apps.contacts.forms_directory import DirectoryFilterForm
from apps.core import statements
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db


def test_field_options_are_the_offices_offered_fields_from_a_kept_statement(
    office, other_office, django_assert_num_queries
):
    statements.statements_clear()
    law = FieldFactory(office=office, name="Law & <Policy>")
    art = FieldFactory(office=office, name="Art")
    FieldFactory(office=office, name="Retired", is_active=False)
    FieldFactory(office=other_office, name="Elsewhere")
    DirectoryFilterForm({}, office_id=other_office.pk).field_options()

    form = DirectoryFilterForm({}, office_id=office.pk)
    with django_assert_num_queries(1):
        options = form.field_options()
    with django_assert_num_queries(0):
        assert form.field_options() is options

    assert options == [(str(art.pk), "Art"), (str(law.pk), "Law & <Policy>")]
    assert [
        label for _pk, label in DirectoryFilterForm({}, office_id=other_office.pk).field_options()
    ] == ["Elsewhere"]
    kept = {shape[1] for shape in statements._statements("default")}
    assert kept == {"students.field_choices"}
    statements.statements_clear()


def test_the_field_filter_accepts_only_the_offices_offered_fields(
    office, other_office, django_assert_num_queries
):
    law = FieldFactory(office=office, name="Law")
    retired = FieldFactory(office=office, name="Retired", is_active=False)
    elsewhere = FieldFactory(office=other_office, name="Elsewhere")
    refused = ["Select a valid choice. That choice is not one of the available choices."]

    for value in ("", None):
        with django_assert_num_queries(0):  # no field asked for: nothing looked up
            form = DirectoryFilterForm(
                {"field": value} if value is not None else {}, office_id=office.pk
            )
            assert (form.is_valid(), form.filters().field_id) == (True, None)
    with django_assert_num_queries(1):
        assert (
            DirectoryFilterForm({"field": law.pk}, office_id=office.pk).filters().field_id == law.pk
        )
    for value in (retired.pk, elsewhere.pk, "nope", " "):
        form = DirectoryFilterForm({"field": value}, office_id=office.pk)
        assert (form.is_valid(), form.errors["field"]) == (False, refused)
        assert form.filters().field_id is None

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

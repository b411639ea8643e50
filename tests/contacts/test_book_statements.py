"""The contact book's and the target list's statements, compiled once per shape and
then only bound (apps.core.statements via contacts.book_rows), are exactly the SQL
and parameters the ORM makes for every set of filters and page, bound with other
inputs than those they were compiled with; and their rows are the querysets'."""

import itertools

import pytest
from django.db import connection

from apps.contacts import book_rows, selectors
from apps.contacts.enums import Source, Stage
from apps.core.statements import _statements, statement_build, statements_clear
from apps.students.selectors import field_choices_for_office
from tests.factories.contacts import ContactFactory

pytestmark = pytest.mark.django_db


def _filters(field_id, flags, *, other=False) -> dict:
    archived, q, field, stage, source, tag = flags
    return {
        "archived": archived,
        "q": ("50%_off\\ & <x>" if other else "Ana") if q else "",
        "field_id": (field_id + 1 if other else field_id) if field else None,
        "stage": (Stage.MET if other else Stage.IDENTIFIED) if stage else "",
        "source": (Source.REFERRAL if other else Source.FRIEND_FAMILY) if source else "",
        "tag": ('qu"ote%' if other else "data") if tag else "",
    }


def test_the_bound_book_statement_is_the_orms_for_every_shape(student, student2, consulting):
    checked = 0
    for flags, (start, stop) in zip(
        itertools.product([False, True], repeat=6), itertools.cycle([(0, 25), (50, 75)])
    ):
        first = book_rows.book_page_rows(student=student, filters=_filters(consulting.pk, flags))
        other = _filters(consulting.pk, flags, other=True)
        later = book_rows.book_page_rows(student=student2, filters=other)
        assert later.shape == first.shape

        kept, _now, _params = statement_build(
            lambda values, first=first, start=start, stop=stop: first.build(values)[start:stop],
            inputs=first.inputs,
            sentinels=first.sentinels,
            connection=connection,
        )
        orm = (
            selectors.contact_book_page_rows(student=student2, **other)[start:stop]
            .query.get_compiler(connection=connection)
            .as_sql()
        )

        assert kept is not None, flags
        assert (kept.sql, kept.params(later.inputs, connection)) == (orm[0], tuple(orm[1])), flags
        checked += 1
    assert checked == 64


def test_the_book_and_target_rows_are_the_querysets_from_kept_statements(
    student, student2, consulting, django_assert_num_queries
):
    ana = ContactFactory(student=student, full_name="Ana", field=consulting, on_target_list=True)
    ContactFactory(student=student, full_name="Ben", referred_by=ana, on_target_list=True)
    ContactFactory(student=student2, full_name="Not mine", on_target_list=True)
    statements_clear()
    filters = _filters(None, [False] * 6)

    def book(contacts):
        return [
            (c.pk, c.full_name, c.field_id and c.field.name, c.referred_by_id) for c in contacts
        ]

    def targets(contacts):
        return [
            (c.pk, c.full_name, c.field and (c.field.name, c.field.is_active), c.referred_by_id)
            for c in contacts
        ]

    expected_book = book(selectors.contact_book_page_rows(student=student, **filters)[0:25])
    expected_targets = targets(selectors.target_list_for_student(student=student))
    for _ in range(2):  # compiled, then from the kept statement
        with django_assert_num_queries(1):
            got = book_rows.book_page_rows(student=student, filters=filters)[0:25]
        assert book(got) == expected_book
        with django_assert_num_queries(1):
            got = book_rows.target_list_rows(student=student)
        assert targets(got) == expected_targets
        [ben] = [c for c in got if c.full_name == "Ben"]
        assert ben.referred_by.full_name == "Ana"
    assert book_rows.filter_field_options(
        field_choices_for_office(office_id=consulting.office_id)
    ) == [(str(consulting.pk), "Consulting")]
    shapes = {shape[1] for shape in _statements("default")}
    assert shapes == {"contacts.book", "contacts.targets", "students.field_choices"}

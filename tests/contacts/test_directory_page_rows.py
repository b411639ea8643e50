"""The rows of a directory page read from statements compiled once per process
(directory._page_profiles, core.statements.StatementRows) are the rows, names,
capacity, contact links and fields the ORM's display query gave, for whoever asks
later with other ids; whoever left the directory since the ranking is not shown."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.contacts import directory
from apps.contacts.volunteers import (
    volunteer_add_to_contacts,
    volunteer_pause,
    volunteer_stats_record_request,
)
from apps.core import statements
from apps.students.models import StudentProfile
from tests.contacts.test_directory import set_student_interests
from tests.factories.accounts import UserFactory
from tests.factories.contacts import volunteer_named
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    statements.statements_clear()
    yield
    statements.statements_clear()


def _orm_rows(*, student, pks):
    """The display query as directory_page_for_student built it with the ORM."""
    display = directory._with_spare_capacity(
        directory.directory_base_for_student(student=student).filter(pk__in=pks),
        office=student.office,
    )
    return directory._for_display(display, student=student, columns=directory.CARD_COLUMNS)


def _shown(profile, fields):
    return (
        profile.pk, profile.user_id, profile.user.full_name, profile.office_id,
        *(getattr(profile, c) for c in directory.CARD_COLUMNS if not c.startswith("user__")),
        profile.requests_this_month, profile.spare_capacity, profile.my_contact_id, fields,
    )  # fmt: skip


def _orm(student, pks):
    return sorted(
        _shown(p, [f.name for f in p.fields.all()]) for p in _orm_rows(student=student, pks=pks)
    )


def _page(student, pks, django_assert_num_queries):
    with django_assert_num_queries(1 if pks else 0):  # the rows with their fields
        profiles = directory._page_profiles(student=student, pks=pks)
    with django_assert_num_queries(0):
        return sorted(_shown(p, p.field_names) for p in profiles)


def test_page_rows_are_the_orms_rows_for_every_later_request(
    office, other_office, student, django_assert_num_queries
):
    law, tax = FieldFactory(office=office, name="Law"), FieldFactory(office=office, name="Tax")
    people = [
        volunteer_named(office, "Ann A", fields=[tax, law], employer="Acme", topics="Tax"),
        volunteer_named(office, "Bo B", fields=[law], capacity_per_month=1, location="Oslo"),
        volunteer_named(office, "Cy C", graduation_year=2010, programme="Maths"),
        volunteer_named(office, "Di D", job_title="Analyst", open_to=["questions_ahead"]),
    ]
    volunteer_stats_record_request(profile=people[1])
    volunteer_add_to_contacts(student=student, profile=people[0])
    second = UserFactory(office=office, email="second@northfield.test")
    volunteer_add_to_contacts(student=second, profile=people[2])
    stranger = volunteer_named(other_office, "Ed Elsewhere")
    pks = [p.pk for p in people]

    first = _page(student, pks, django_assert_num_queries)
    assert first == _orm(student, pks)
    assert [row[2] for row in first] == ["Ann A", "Bo B", "Cy C", "Di D"]
    # Later requests bind other ids and another student to the statement kept.
    assert _page(second, pks[::-1], django_assert_num_queries) == _orm(second, pks)
    others = [pks[1], pks[3], stranger.pk, pks[0]]
    assert _page(student, others, django_assert_num_queries) == _orm(student, others)
    volunteer_pause(
        user=people[3].user, profile=people[3], until=timezone.localdate() + timedelta(days=3)
    )
    later = _page(student, pks, django_assert_num_queries)
    assert later == _orm(student, pks)
    assert [row[2] for row in later] == ["Ann A", "Bo B", "Cy C"]
    assert _page(student, [], django_assert_num_queries) == []


@pytest.mark.needs_postgres
def test_page_statements_are_kept_on_postgresql(office, student, django_assert_num_queries):
    """The page's reads are kept statements on PostgreSQL, the production database:
    a later page binds its ids and runs them, compiling nothing. (On SQLite the
    page statement is not kept and the ORM reads it; the rows are the same, as the
    tests above check on both.)"""
    pks = [volunteer_named(office, f"Vol {n}").pk for n in range(3)]

    directory.student_interests(student)
    directory._page_profiles(student=student, pks=pks)
    with django_assert_num_queries(1):  # a later page, by the kept statement
        directory._page_profiles(student=student, pks=pks[::-1])

    kept = statements._statements("default")
    assert {shape[1:-2] for shape in kept} == {
        ("contacts.student_interests",),
        ("contacts.directory_page", 3),
    }


def _interests_by_orm(student):
    """student_interests as it read them through the ORM's values_list."""
    rows = list(
        StudentProfile.objects.filter(user=student).values_list("target_companies", "fields")
    )
    field_ids = sorted({field_id for _, field_id in rows if field_id is not None})
    companies = rows[0][0] if rows else []
    cleaned = {" ".join(str(c).split()).lower() for c in companies or []}
    return field_ids[: directory.MAX_STUDENT_FIELDS], sorted(c for c in cleaned if c)[
        : directory.MAX_TARGET_COMPANIES
    ]


def test_student_interests_are_the_orms_for_every_student(office, django_assert_num_queries):
    law, tax = FieldFactory(office=office, name="Law"), FieldFactory(office=office, name="Tax")
    people = [UserFactory(office=office, email=f"s{n}@northfield.test") for n in range(4)]
    set_student_interests(people[0], fields=[tax, law], companies=["  Acme  Corp", "acme corp"])
    set_student_interests(people[1], companies=["Initech"])
    set_student_interests(people[2], fields=[law])
    StudentProfile.objects.filter(user=people[3]).delete()

    for person in people:
        with django_assert_num_queries(1):
            interests = directory.student_interests(person)
        assert interests == _interests_by_orm(person)
    assert directory.student_interests(people[0]) == ([law.pk, tax.pk], ["acme corp"])
    assert directory.student_interests(people[3]) == ([], [])


def test_a_page_longer_than_the_statements_kept_is_built_by_the_orm(
    office, student, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(directory, "PAGE_ROWS_KEPT", 2)
    pks = [volunteer_named(office, f"Vol {n}").pk for n in range(3)]

    assert _page(student, pks, django_assert_num_queries) == _orm(student, pks)
    assert not [s for s in statements._statements("default") if "contacts.directory_page" in s]

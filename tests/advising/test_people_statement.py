"""The People page's statement, compiled once per shape of query and then only
bound (apps.core.statements via advising.selectors_people.people_page_rows), is
exactly the SQL and parameters the ORM makes for every filter, role, status, sort
and page, bound with other inputs than those it was compiled with; and its rows
are the queryset's."""

import itertools

import pytest
from django.core.cache import cache
from django.db import connection

from apps.accounts import selectors as accounts_selectors
from apps.accounts.enums import Role
from apps.accounts.selectors import MemberQuery, members_version
from apps.accounts.services import members_changed
from apps.advising import selectors_people
from apps.advising.models import Assignment
from apps.advising.selectors_people import (
    SORTS,
    PeopleQuery,
    PersonRow,
    people_for_admin,
    people_page_values,
)
from apps.advising.services import assignments_add
from apps.core.statements import StatementRows, statement_build, statements_clear
from apps.students.models import StudentProfile
from apps.students.selectors import programmes_for_office
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["", Role.STUDENT, Role.ALUMNI, Role.ADVISOR, accounts_selectors.ROLE_ADMIN]
STATUSES = [
    "",
    accounts_selectors.STATUS_ACTIVE,
    accounts_selectors.STATUS_AWAITING,
    accounts_selectors.STATUS_NOT_APPROVED,
    accounts_selectors.STATUS_DEACTIVATED,
]


def _queries():
    """Every sort both ways; every role with every status; every set of the other
    filters."""
    for sort, descending in itertools.product(SORTS, [False, True]):
        yield PeopleQuery(sort=sort, descending=descending)
    for role, status in itertools.product(ROLES, STATUSES):
        yield PeopleQuery(members=MemberQuery(role=role, status=status), sort="joined")
    for search, programme, year, without in itertools.product([False, True], repeat=4):
        yield PeopleQuery(
            members=MemberQuery(search="Sam" if search else "", role=Role.STUDENT),
            programme="Economics" if programme else "",
            year=2027 if year else None,
            without_advisor=without,
            sort="last_login",
            descending=True,
        )


def _other(query: PeopleQuery) -> PeopleQuery:
    """The same shape with other values: a search with LIKE's special characters."""
    return PeopleQuery(
        members=MemberQuery(
            search="50%_off\\" if query.members.search else "",
            role=query.members.role,
            status=query.members.status,
        ),
        programme="Law & <Politics>" if query.programme else "",
        year=1999 if query.year is not None else None,
        without_advisor=query.without_advisor,
        sort=query.sort,
        descending=query.descending,
    )


def test_the_bound_statement_is_the_orms_for_every_shape(office_admin, other_admin):
    checked = 0
    for query, (start, stop) in zip(_queries(), itertools.cycle([(0, 50), (100, 150)])):
        first = selectors_people.people_page_rows(admin=office_admin, query=query)
        later = selectors_people.people_page_rows(admin=other_admin, query=_other(query))
        assert later.shape == first.shape

        def sliced(rows, start=start, stop=stop):
            return lambda values: rows.build(values)[start:stop]

        kept, _now, _params = statement_build(
            sliced(first), inputs=first.inputs, sentinels=first.sentinels, connection=connection
        )
        orm = (
            people_page_values(admin=other_admin, query=_other(query))[start:stop]
            .query.get_compiler(connection=connection)
            .as_sql()
        )

        assert kept is not None, query
        assert (kept.sql, kept.params(later.inputs, connection)) == (orm[0], tuple(orm[1])), query
        checked += 1
    assert checked == len(SORTS) * 2 + len(ROLES) * len(STATUSES) + 16


def test_the_rows_are_the_querysets_from_the_kept_statement(
    office_admin, student, student2, alumni, other_admin, django_assert_num_queries
):
    StudentProfile.objects.create(user=student, programme="Economics", graduation_year=2027)
    statements_clear()
    query = PeopleQuery(sort="name")
    expected = [
        (m.pk, m.full_name, m.email, m.role, m.programme, m.graduation_year, m.last_login)
        for m in people_for_admin(admin=office_admin, query=query)
    ]
    assert people_page_values(admin=office_admin, query=query).count() == len(expected)

    for _ in range(2):  # compiled, then from the kept statement
        rows = selectors_people.people_page_rows(admin=office_admin, query=query)
        assert isinstance(rows, StatementRows)
        with django_assert_num_queries(1):
            got = [
                (m.pk, m.full_name, m.email, m.role, m.programme, m.graduation_year, m.last_login)
                for m in rows[0:50]
            ]
        assert got == expected
        assert all(isinstance(m, PersonRow) for m in rows[0:50])
    assert [
        m.email for m in selectors_people.people_page_rows(admin=other_admin, query=query)[0:50]
    ] == ["olive@southbank.test"]


def test_people_cached_reads_what_the_two_selectors_read(
    office, student, django_capture_on_commit_callbacks
):
    cache.clear()
    StudentProfile.objects.create(user=student, programme="Economics", graduation_year=2027)

    cold = selectors_people.people_cached(office_id=office.pk)
    warm = selectors_people.people_cached(office_id=office.pk)
    with django_capture_on_commit_callbacks(execute=True):
        members_changed(office_id=office.pk)
    changed = selectors_people.people_cached(office_id=office.pk)

    assert cold == warm
    assert cold.programmes == programmes_for_office(office_id=office.pk) == ["Economics"]
    assert changed.members_version == members_version(office_id=office.pk)
    assert changed.members_version != cold.members_version


def test_advisor_names_are_the_assignments_of_the_office_in_the_rows_statement(
    office, office_admin, other_admin, django_assert_num_queries
):
    statements_clear()
    zoe = UserFactory(office=office, role=Role.ADVISOR, full_name="Zoe Advisor")
    amy = UserFactory(office=office, role=Role.ADVISOR, full_name="Amy Advisor")
    students = [
        UserFactory(office=office, role=Role.STUDENT, email=f"s{n}@example.test") for n in range(3)
    ]
    assignments_add(admin=office_admin, advisor_id=zoe.pk, student_ids=[s.pk for s in students])
    assignments_add(admin=office_admin, advisor_id=amy.pk, student_ids=[students[0].pk])
    # Another office's assignment of this office's student is never read.
    Assignment.objects.create(office=other_admin.office, advisor=other_admin, student=students[1])
    query = PeopleQuery(members=MemberQuery(role=Role.STUDENT))
    selectors_people.people_page_rows(admin=office_admin, query=query)[0:50]

    with django_assert_num_queries(1):
        rows = selectors_people.people_page_rows(admin=office_admin, query=query)[0:50]

    assert {row.email: row.advisor_names for row in rows} == {
        "s0@example.test": ["Amy Advisor", "Zoe Advisor"],
        "s1@example.test": ["Zoe Advisor"],
        "s2@example.test": ["Zoe Advisor"],
    }
    Assignment.objects.all().delete()
    # No assignment at all is an empty list, from the ORM's rows too.
    assert [
        PersonRow._make(row).advisor_names
        for row in people_page_values(admin=office_admin, query=query)
    ] == [[], [], []]
    statements_clear()

"""Reads of the office's People page (`/office/people/`): every member of an office,
searched, filtered and sorted in the database, a page at a time, and the preview
of an assignment rule.

It lives in advising because two of its filters need assignments ("students
without an advisor", and who advises each student on the page); members come
from accounts' selectors and students' programme and year from students'.
"""

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from django.core.cache import cache
from django.db import NotSupportedError
from django.db.models import Count, Exists, F, Field, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.selectors import MemberQuery, member_search_for_admin
from apps.advising.models import Assignment
from apps.advising.selectors import MEMBERS_CACHE_SECONDS, advisor_choices_key, office_cached
from apps.core.statements import StatementRows
from apps.students.selectors import (
    student_profile_figures,
    students_with_profile,
)

# Sort key → what it orders on.
SORTS = {
    "name": Lower("full_name"),
    "joined": F("date_joined"),
    "last_login": F("last_login"),
}


@dataclass(frozen=True)
class PeopleQuery:
    """What the admin asked of the People page (validated by its form)."""

    members: MemberQuery = field(default_factory=MemberQuery)
    programme: str = ""
    year: int | None = None
    without_advisor: bool = False
    sort: str = "name"
    descending: bool = False


def _has_advisor():
    return Exists(Assignment.objects.filter(student=OuterRef("pk")))


def _people(*, admin, query: PeopleQuery) -> QuerySet[User]:
    qs = member_search_for_admin(admin=admin, query=query.members)
    if query.programme or query.year is not None:
        qs = qs.filter(students_with_profile(programme=query.programme, year=query.year))
    if query.without_advisor:
        qs = qs.filter(~_has_advisor(), role=Role.STUDENT)
    return qs


# The user's columns a row of the People page shows.
_USER_COLUMNS = (
    "pk",
    "full_name",
    "email",
    "role",
    "is_office_admin",
    "is_active",
    "approval",
    "date_joined",
    "last_login",
)


def people_for_admin(*, admin, query: PeopleQuery) -> QuerySet[User]:
    """The admin's office's members matching the query, each with `programme` and
    `graduation_year` ("" and None for anyone without a student profile), sorted
    in the database, ties broken by id so pages never overlap."""
    qs = (
        _people(admin=admin, query=query).annotate(**student_profile_figures()).only(*_USER_COLUMNS)
    )
    key = SORTS[query.sort]
    order = key.desc(nulls_last=True) if query.descending else key.asc(nulls_last=True)
    return qs.order_by(order, "pk")


class PersonRow(NamedTuple):
    """A row of the People page: what it shows of a member, in the columns of
    people_page_values (a tuple, not a User built for each of 50 rows)."""

    pk: int
    full_name: str
    email: str
    role: str
    is_office_admin: bool
    is_active: bool
    approval: str
    date_joined: datetime
    last_login: datetime | None
    programme: str
    graduation_year: int | None
    # Who advises the member, by name (students only have advisors).
    advisor_names: list[str]

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT


class _NamesField(Field):
    """What _AdvisorNames reads: PostgreSQL's array is a list already, SQLite's
    JSON array is text."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value)
        return value if value is not None else []


class _AdvisorNames(Subquery):
    """The names of `names` (a queryset of one column, "name", filtered on the outer
    row and ordered) as one list per outer row, in a correlated subquery of the
    page's own statement: the database runs it for the rows the page returns only
    (after the sort and the LIMIT), where a second statement for the page's
    students cost a round trip, its planning and its Python."""

    def __init__(self, names: QuerySet):
        super().__init__(names, output_field=_NamesField())

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("The People page's advisor names need PostgreSQL or SQLite.")

    def as_postgresql(self, compiler, connection, **extra_context):
        # ARRAY(subquery) keeps the subquery's order.
        return super().as_sql(compiler, connection, template="ARRAY(%(subquery)s)")

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite before 3.44 has no ORDER BY inside an aggregate; it aggregates an
        # ordered subquery's rows in their order.
        return super().as_sql(
            compiler,
            connection,
            template='(SELECT json_group_array("name") FROM (%(subquery)s))',
        )


def _advisor_names(office_id: int) -> _AdvisorNames:
    names = (
        Assignment.objects.filter(office_id=office_id, student_id=OuterRef("pk"))
        .order_by("advisor__full_name", "advisor_id")
        .annotate(name=F("advisor__full_name"))
        .values("name")
    )
    return _AdvisorNames(names)


# people_page_values' columns, in PersonRow's order: the model's, then the annotations.
_ROW_COLUMNS = (
    *_USER_COLUMNS,
    "programme",
    "graduation_year",
    "advisor_names",
)


def people_page_values(*, admin, query: PeopleQuery) -> QuerySet:
    """people_for_admin as the page shows it: each member as a tuple of PersonRow's
    columns, with who advises them."""
    return (
        people_for_admin(admin=admin, query=query)
        .annotate(advisor_names=_advisor_names(admin.office_id))
        .values_list(*_ROW_COLUMNS)
    )


@dataclass(frozen=True)
class _OfficeOf:
    """What people_for_admin reads of its admin: the office."""

    office_id: int


# Values no real input has, for StatementRows to trace each parameter of the
# page's statement to the input it came from (the year fits the profile's column).
_SENTINELS = {
    "office_id": 2_000_000_011,
    "search": "qzxsearchqzx",
    "programme": "qzxprogrammeqzx",
    "year": 32_101,
}


class PeopleRows(StatementRows):
    """The page's statement's rows as PersonRows."""

    def rows(self, start: int, stop: int | None) -> list[PersonRow]:
        make = PersonRow._make
        return [make(row) for row in super().rows(start, stop)]


def people_page_rows(*, admin, query: PeopleQuery) -> PeopleRows:
    """people_page_values as a Paginator slices it, its SQL compiled once per process
    for each shape of query (which filters are set, the role and status, the sort,
    the page): building and compiling it in the ORM cost more CPU than PostgreSQL
    spends reading the page's 50 rows by index."""
    inputs = {
        "office_id": admin.office_id,
        "search": query.members.search,
        "programme": query.programme,
        "year": query.year,
    }
    # An input left empty stays empty: it changes the SQL, so it is in the shape.
    sentinels = {
        name: inputs[name] if inputs[name] is None or inputs[name] == "" else value
        for name, value in _SENTINELS.items()
    }
    shape = (
        "advising.people",
        bool(query.members.search),
        query.members.role,
        query.members.status,
        bool(query.programme),
        query.year is None,
        query.without_advisor,
        query.sort,
        query.descending,
    )

    def build(values: dict) -> QuerySet:
        return people_page_values(
            admin=_OfficeOf(office_id=values["office_id"]),
            query=replace(
                query,
                members=replace(query.members, search=values["search"]),
                programme=values["programme"],
                year=values["year"],
            ),
        )

    return PeopleRows(shape=shape, build=build, inputs=inputs, sentinels=sentinels)


@dataclass(frozen=True)
class PeopleCached:
    """What the People page reads from the cache before its queries, in one round
    trip: office_cached's programmes and membership version, the count stored for
    the filters asked (None when missing or of another version) and the advisor
    select's stored choices (advising.selectors.advisor_choices_for_office)."""

    programmes: list[str]
    members_version: str
    count_key: str = ""
    count: int | None = None
    advisor_choices_stored: tuple | None = None


def people_count_key(*, office_id: int, asked) -> str:
    """Where the count of the members matching the filters `asked` is kept: the
    filters as the query string gave them, so that the key is known before the form
    (which needs the cached programmes) has read them. Two spellings of one filter
    ("2027", "02027") are two keys holding the same count."""
    digest = hashlib.sha256(repr(asked).encode()).hexdigest()[:32]
    return f"office-people-count:{office_id}:{digest}"


def people_cached(*, office_id: int, asked=()) -> PeopleCached:
    """PeopleCached for the filters `asked` (people_count_key)."""
    count_key = people_count_key(office_id=office_id, asked=asked)
    choices_key = advisor_choices_key(office_id)
    office, got = office_cached(office_id=office_id, more=(count_key, choices_key))
    stored = got.get(count_key)
    return PeopleCached(
        programmes=office.programmes,
        members_version=office.members_version,
        count_key=count_key,
        count=stored[1] if stored is not None and stored[0] == office.members_version else None,
        advisor_choices_stored=got.get(choices_key),
    )


def people_count(*, admin, query: PeopleQuery, cached: PeopleCached) -> int:
    """How many members people_for_admin matches: counting an office of 20,000 on
    every page view took longer than reading the page's 50, so the count is cached
    per office and filters, with the version of the office's membership it was
    counted under (people_cached read both)."""
    if cached.count is not None:
        return cached.count
    count = _people(admin=admin, query=query).count()
    cache.set(cached.count_key, (cached.members_version, count), MEMBERS_CACHE_SECONDS)
    return count


def students_for_rule(*, admin, programme: str = "", year: int | None = None) -> QuerySet[User]:
    """The active students of the admin's office an assignment rule covers: of the
    programme and/or graduation year (at least one is required by the rule's
    form and service)."""
    return User.objects.filter(
        students_with_profile(programme=programme, year=year),
        office_id=admin.office_id,
        role=Role.STUDENT,
        is_active=True,
    )


def rule_preview(*, admin, advisor_id: int, programme: str = "", year: int | None = None):
    """How many students a rule covers, and how many of them the advisor already
    advises: one aggregate query."""
    return students_for_rule(admin=admin, programme=programme, year=year).aggregate(
        matched=Count("pk"),
        already=Count(
            "pk",
            filter=Q(
                Exists(Assignment.objects.filter(student=OuterRef("pk"), advisor_id=advisor_id))
            ),
        ),
    )

"""Reads of the office's People page (`/office/people/`): every member of an office,
searched, filtered and sorted in the database, a page at a time, and the preview
of an assignment rule.

It lives in advising because two of its filters need assignments ("students
without an advisor", and who advises each student on the page); members come
from accounts' selectors and students' programme and year from students'.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.selectors import MemberQuery, member_search_for_admin, members_version
from apps.advising.models import Assignment
from apps.advising.selectors import MEMBERS_CACHE_SECONDS
from apps.students.selectors import student_profile_figures, students_with_profile

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


def people_for_admin(*, admin, query: PeopleQuery) -> QuerySet[User]:
    """The admin's office's members matching the query, each with `programme` and
    `graduation_year` ("" and None for anyone without a student profile), sorted
    in the database, ties broken by id so pages never overlap."""
    qs = (
        _people(admin=admin, query=query)
        .annotate(**student_profile_figures())
        .only(
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
    )
    key = SORTS[query.sort]
    order = key.desc(nulls_last=True) if query.descending else key.asc(nulls_last=True)
    return qs.order_by(order, "pk")


def people_count(*, admin, query: PeopleQuery) -> int:
    """How many members people_for_admin matches: counting an office of 20,000 on
    every page view took longer than reading the page's 50, so the count is cached
    per office, filters and version of the office's membership."""
    filters = repr(
        (
            query.members.search,
            query.members.role,
            query.members.status,
            query.programme,
            query.year,
            query.without_advisor,
        )
    )
    version = members_version(office_id=admin.office_id)
    digest = hashlib.sha256(filters.encode()).hexdigest()[:32]
    key = f"office-people-count:{admin.office_id}:{version}:{digest}"
    count = cache.get(key)
    if count is None:
        count = _people(admin=admin, query=query).count()
        cache.set(key, count, MEMBERS_CACHE_SECONDS)
    return count


def advisor_names_for_students(*, admin, student_ids) -> dict[int, list[str]]:
    """Who advises each of these students (a page of the list), by name: one query
    whatever the number of students or advisors."""
    names = defaultdict(list)
    rows = (
        Assignment.objects.filter(office_id=admin.office_id, student_id__in=list(student_ids))
        .order_by("advisor__full_name", "advisor_id")
        .values_list("student_id", "advisor__full_name")
    )
    for student_id, name in rows:
        names[student_id].append(name)
    return dict(names)


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

"""Reads of the advising app: the caseload, figures computed in the database, and
the student's page.

The figures come from the apps that own them, as annotations each app's selectors
build (contacts, interviews, follow-ups, students); this module only combines them
on one queryset of student users, so a page of the caseload is one query whatever
the number of students. The student's page reads each app through its selectors
too, each scoped to the one student `student_for_advisor` let through.
"""

import functools
import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.selectors import (
    MEMBERS_VERSION_SECONDS,
    members_version,
    members_version_key,
)
from apps.advising.models import Assignment
from apps.contacts.enums import STAGE_ORDER
from apps.contacts.selectors import contact_list_recently_added, student_contact_figures
from apps.core.figures import FiguresTogether, InSubquery, RowsFigureOrder
from apps.core.statements import StatementRows
from apps.core.versions import version_read
from apps.followups.selectors import (
    interaction_list_recent_for_student,
    student_followup_figures,
    thank_you_list_done_for_student,
)
from apps.interviews.selectors import interview_events_for_student, student_interview_figures
from apps.students.selectors import (
    field_choices_cache_keys,
    field_choices_versioned,
    programmes_cache_keys,
    programmes_for_office,
    student_profile_figures,
    students_in_field,
    students_with_profile,
)

# What is cached under a version of the office's membership is replaced as soon as
# it changes (accounts.services.members_changed); this bounds how long a change made
# another way (the Django admin, a shell) can take to show.
MEMBERS_CACHE_SECONDS = 600

SCOPE_MINE = "mine"
SCOPE_OFFICE = "office"

FLAG_STALLED = "stalled"
FLAG_MISSED_THANKS = "missed_thank_you"
FLAG_NO_TARGETS = "no_targets"
FLAG_UNASSIGNED = "unassigned"
FLAG_JOB_ASK = "job_ask"

# Column (a sort key) → what it sorts on. Every column of the page sorts.
SORTS = {
    "name": Lower("full_name"),
    "email": Lower("email"),
    "programme": Lower("programme"),
    "year": F("graduation_year"),
    "contacts": F("contacts_count"),
    "targets": F("targets"),
    "requests": F("requests_sent"),
    "accepted": F("accepted"),
    "held": F("held"),
    "on_time": F("thanks_on_time"),
    "late": F("thanks_late"),
    "missing": F("thanks_missing"),
    "overdue": F("overdue_followups"),
    "activity": F("active_at"),
    "stage": F("furthest_stage_rank"),
}


# Figures the apps can compute that User.last_activity_at already holds: sorting an
# office of 20,000 on three subqueries per student took seconds.
_KEPT_ON_THE_USER = {"last_contact_added_at", "last_interaction_at", "last_interview_activity_at"}


@dataclass(frozen=True)
class CaseloadQuery:
    """What the advisor asked for (the page's filters, validated by its form)."""

    scope: str = SCOPE_MINE
    search: str = ""
    programme: str = ""
    year: int | None = None
    field_id: int | None = None
    stage: str = ""
    flag: str = ""
    sort: str = "name"
    descending: bool = False


def advisor_has_caseload(*, advisor) -> bool:
    return Assignment.objects.filter(advisor=advisor).exists()


@dataclass(frozen=True)
class OfficeCached:
    """What the People page and the caseload read from the cache before their
    queries: the office's programmes (students.selectors.programmes_for_office)
    and the version of its membership (accounts.selectors.members_version)."""

    programmes: list[str]
    members_version: str


def office_cached(*, office_id: int, more: tuple[str, ...] = ()) -> tuple[OfficeCached, dict]:
    """OfficeCached in one round trip to the cache instead of two, with whatever
    else is stored under the keys `more` (a dict of those found); either figure
    missing is made as its own selector makes it."""
    programmes_keys, version_key = programmes_cache_keys(office_id), members_version_key(office_id)
    got = cache.get_many([*programmes_keys, version_key, *more])
    programmes = programmes_for_office(office_id=office_id, found=got)
    version = version_read(
        version_key, timeout=MEMBERS_VERSION_SECONDS, stored=got.get(version_key)
    )
    return OfficeCached(programmes, version), {key: got[key] for key in more if key in got}


@dataclass(frozen=True)
class CaseloadCached:
    programmes: list[str]
    members_version: str
    has_caseload: bool
    # The office's fields offered (id, name), and the version they were kept under.
    fields: list[tuple[int, str]]
    fields_version: str


def caseload_cached(*, advisor) -> CaseloadCached:
    """What the caseload reads before its filters: office_cached, whether the
    advisor has students assigned (advisor_has_caseload) and the office's fields
    (students.selectors.field_choices_versioned), in one round trip to the cache instead
    of three and two queries. Assignments change only with the membership's version
    (advising.services call members_changed), so the second is kept with the
    version it was read under and read again once that is not the current one."""
    has_key = f"advisor-has-caseload:{advisor.office_id}:{advisor.pk}"
    fields_keys = field_choices_cache_keys(office_id=advisor.office_id)
    office, got = office_cached(office_id=advisor.office_id, more=(has_key, *fields_keys))
    stored = got.get(has_key)
    if stored is not None and stored[0] == office.members_version:
        has_caseload = stored[1]
    else:
        has_caseload = advisor_has_caseload(advisor=advisor)
        cache.set(has_key, (office.members_version, has_caseload), MEMBERS_CACHE_SECONDS)
    fields_version, fields = field_choices_versioned(office_id=advisor.office_id, found=got)
    return CaseloadCached(
        office.programmes, office.members_version, has_caseload, fields, fields_version
    )


# Sort keys that RowsFigureOrder pages through, a few grouped queries instead of a
# subquery per student of the office. Measured on 20,000 students (bench/advising.py),
# the interviews' and follow-ups' figures sort two to four times faster that way.
# Contacts (ten per student) and the furthest stage are not here: their per-student
# subqueries read one index each (contact_owner_furthest_stage), which beats grouping
# 200,000 contacts.
GROUPED_SORTS = {
    "targets": "targets",
    "requests": "requests_sent",
    "accepted": "accepted",
    "held": "held",
    "on_time": "thanks_on_time",
    "late": "thanks_late",
    "missing": "thanks_missing",
    "overdue": "overdue_followups",
}


def _figures(*, now: datetime, profile_joined: bool = True) -> dict:
    return {
        **student_profile_figures(joined=profile_joined),
        **student_contact_figures(),
        **student_interview_figures(),
        **student_followup_figures(now=now),
    }


def _students(*, advisor, query: CaseloadQuery, now: datetime, figures: dict) -> QuerySet[User]:
    """The students the query asks for, filtered without annotating any figure: the
    flags on counts are semi-joins (RowsFigure.exists), which the database answers
    for the whole office at once."""
    return _students_of(
        office_id=advisor.office_id,
        advisor_id=advisor.pk,
        since=stalled_since(advisor=advisor, now=now),
        query=query,
        figures=figures,
    )


def _students_of(
    *, office_id: int, advisor_id: int, since: datetime, query: CaseloadQuery, figures: dict
) -> QuerySet[User]:
    qs = User.objects.filter(office_id=office_id, role=Role.STUDENT, is_active=True)
    if query.scope == SCOPE_MINE:
        qs = qs.filter(
            InSubquery(
                "pk",
                Assignment.objects.filter(advisor_id=advisor_id).order_by().values("student_id"),
            )
        )
    if query.search:
        qs = qs.filter(Q(full_name__icontains=query.search) | Q(email__icontains=query.search))
    if query.field_id is not None:
        qs = qs.filter(students_in_field(query.field_id))
    if query.programme or query.year is not None:
        qs = qs.filter(students_with_profile(programme=query.programme, year=query.year))
    if query.stage:
        qs = qs.filter(figures["furthest_stage_rank"].equals(STAGE_ORDER.index(query.stage)))
    if query.flag == FLAG_STALLED:
        # _ACTIVE_AT < since, on the columns themselves.
        qs = qs.filter(
            Q(last_activity_at__lt=since) | Q(last_activity_at__isnull=True, date_joined__lt=since)
        )
    elif query.flag == FLAG_MISSED_THANKS:
        qs = qs.filter(figures["thanks_missing"].exists())
    elif query.flag == FLAG_NO_TARGETS:
        qs = qs.filter(~figures["targets"].exists())
    elif query.flag == FLAG_JOB_ASK:
        qs = qs.filter(figures["job_asks"].exists())
    elif query.flag == FLAG_UNASSIGNED:
        qs = qs.filter(~Exists(Assignment.objects.filter(student=OuterRef("pk"))))
    return qs


# The latest sign of the student at work (kept on the user by the contacts services);
# joining counts when nothing has happened yet.
_ACTIVE_AT = Coalesce("last_activity_at", "date_joined")


def _annotated(students: QuerySet[User], *, figures: dict) -> QuerySet[User]:
    """The students with every figure of the caseload, and of the user only what a
    row shows (the name and email: the other 17 columns, six of them times, cost
    more to read than to leave). The figures over one table are computed together
    (core.figures.FiguresTogether): three passes over a student's contacts,
    conversations and follow-ups instead of eleven, about 40% of the page's SQL."""
    shown = {name: value for name, value in figures.items() if name not in _KEPT_ON_THE_USER}
    return FiguresTogether(shown).annotate(
        students.only("full_name", "email").annotate(
            active_at=_ACTIVE_AT,
            has_advisor=Exists(Assignment.objects.filter(student=OuterRef("pk"))),
        )
    )


def caseload_for_advisor(*, advisor, query: CaseloadQuery, now: datetime) -> QuerySet[User]:
    """The students of the advisor's office (or only those assigned to them), one
    row each with every figure of the caseload, filtered and sorted in the
    database. Flags: stalled (no activity for the office's stalled_days), a missed
    thank-you, no targets yet, no advisor, a request sent despite the job-ask
    warning. For the CSV, which has every row's figures anyway; a page of the
    caseload is caseload_page_rows."""
    return _caseload_sorted(
        office_id=advisor.office_id,
        advisor_id=advisor.pk,
        since=stalled_since(advisor=advisor, now=now),
        now=now,
        query=query,
    )


def _caseload_sorted(
    *, office_id: int, advisor_id: int, since: datetime, now: datetime, query: CaseloadQuery
) -> QuerySet[User]:
    # The programme and year read with a join only to sort on them; else for the
    # page's rows alone.
    figures = _figures(now=now, profile_joined=query.sort in ("programme", "year"))
    students = _students_of(
        office_id=office_id, advisor_id=advisor_id, since=since, query=query, figures=figures
    )
    qs = _annotated(students, figures=figures)
    # Each figure is a subquery that every expression using it repeats in the SQL:
    # what the page derives from them (stalled) is worked out in Python
    # (caseload_flags), not annotated again.
    key = SORTS[query.sort]
    if isinstance(key, F) and key.name not in qs.query.annotations:
        # A figure computed with others of its table: the sort names it alone.
        qs = qs.alias(**{key.name: figures[key.name]})
    order = key.desc(nulls_last=True) if query.descending else key.asc(nulls_last=True)
    return qs.order_by(order, "pk")


# Filters whose matches change only with the office's membership (who is a student,
# whose, their names, programmes and years): a count under them is cached per
# version of the membership. The flags and the stage change with every contact,
# conversation and follow-up, and a student's fields are not announced, so a count
# under them is always counted.
_COUNT_CACHED_FLAGS = {"", FLAG_UNASSIGNED}


def caseload_count(
    *, advisor, query: CaseloadQuery, now: datetime, version: str | None = None
) -> int:
    """How many students the query matches (what caseload_for_advisor returns).
    `version`: the office's membership version, when the caller has read it
    (caseload_cached)."""
    cached = not query.stage and query.flag in _COUNT_CACHED_FLAGS and query.field_id is None
    if cached:
        filters = repr((query.scope, query.search, query.programme, query.year, query.flag))
        if version is None:
            version = members_version(office_id=advisor.office_id)
        digest = hashlib.sha256(filters.encode()).hexdigest()[:32]
        key = f"caseload-count:{advisor.office_id}:{advisor.pk}:{version}:{digest}"
        count = cache.get(key)
        if count is not None:
            return count
    count = _students(advisor=advisor, query=query, now=now, figures=_figures(now=now)).count()
    if cached:
        cache.set(key, count, MEMBERS_CACHE_SECONDS)
    return count


def caseload_page_rows(*, advisor, query: CaseloadQuery, now: datetime):
    """What a page of the caseload slices (a Paginator's object list): the same rows
    in the same order as caseload_for_advisor. Sorted on a count, a page costs a
    few grouped queries and its own rows' figures (RowsFigureOrder), where the
    queryset would compute the count for every student of the office to sort."""
    if query.sort not in GROUPED_SORTS:
        return _caseload_statement_rows(advisor=advisor, query=query, now=now)
    figures = _figures(now=now)
    students = _students(advisor=advisor, query=query, now=now, figures=figures)
    return RowsFigureOrder(
        students,
        figures[GROUPED_SORTS[query.sort]],
        descending=query.descending,
        rows_for=lambda pks: _annotated(User.objects.filter(pk__in=pks), figures=figures),
    )


# Values no real input has, for StatementRows to trace each parameter of the
# caseload's statement to the input it came from. The year fits the profile's
# column: out of its range, Django would compile the filter differently.
_SENTINELS = {
    "office_id": 2_000_000_011,
    "advisor_id": 2_000_000_013,
    "since": datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC),
    "now": datetime(1903, 4, 5, 6, 7, 8, 901234, tzinfo=UTC),
    "search": "qzxsearchqzx",
    "programme": "qzxprogrammeqzx",
    "year": 32_101,
    "field_id": 2_000_000_017,
}


class CaseloadRow:
    """One student's row of a caseload page, read as values: what a User instance
    of caseload_for_advisor carries (pk, full_name, email and every figure) as
    attributes, without building a model instance of 20 fields for three."""


@functools.cache
def _figures_unpacked():
    """What sets the figures read together (core.figures.FiguresTogether) on a row:
    the layout of the arrays depends only on which figures there are, not on their
    parameters, so it is worked out once per process."""
    shown = {
        name: value
        for name, value in _figures(now=datetime(2000, 1, 1, tzinfo=UTC)).items()
        if name not in _KEPT_ON_THE_USER
    }
    iterable = FiguresTogether(shown).iterable
    return iterable.finish_row if iterable is not None else (lambda row: None)


class CaseloadPageRows:
    """The caseload's StatementRows of values, sliced as a Paginator slices: each
    row a CaseloadRow with its figures unpacked."""

    def __init__(self, rows: StatementRows):
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, key) -> list[CaseloadRow]:
        finish_row = _figures_unpacked()
        out = []
        for values in self.rows[key]:
            row = CaseloadRow()
            row.__dict__ = values
            finish_row(row)
            out.append(row)
        return out

    def __iter__(self):
        return iter(self[0:None])


def _as_values(students: QuerySet[User]) -> QuerySet:
    """A caseload queryset's rows as values: the columns a row shows and every
    annotation (the figures' arrays among them), in one dict per student."""
    return students.values("pk", "full_name", "email", *students.query.annotation_select)


def _caseload_statement_rows(*, advisor, query: CaseloadQuery, now: datetime) -> CaseloadPageRows:
    """caseload_for_advisor as a Paginator slices it, its SQL compiled once per
    process for each shape of query (which filters are set, the stage and flag, the
    sort, the page): building and compiling its 14 subqueries in the ORM cost more
    CPU than PostgreSQL spends running them. Its rows are values (CaseloadRow)."""
    inputs = {
        "office_id": advisor.office_id,
        "advisor_id": advisor.pk,
        "since": stalled_since(advisor=advisor, now=now),
        "now": now,
        "search": query.search,
        "programme": query.programme,
        "year": query.year,
        "field_id": query.field_id,
    }
    # An input left empty stays empty: it changes the SQL, so it is in the shape.
    sentinels = dict(_SENTINELS)
    for name in ("search", "programme", "year", "field_id"):
        if inputs[name] is None or inputs[name] == "":
            sentinels[name] = inputs[name]
    shape = (
        "advising.caseload",
        query.scope,
        bool(query.search),
        bool(query.programme),
        query.year is None,
        query.field_id is None,
        query.stage,
        query.flag,
        query.sort,
        query.descending,
    )

    def build(values: dict) -> QuerySet:
        return _as_values(
            _caseload_sorted(
                office_id=values["office_id"],
                advisor_id=values["advisor_id"],
                since=values["since"],
                now=values["now"],
                query=replace(
                    query,
                    search=values["search"],
                    programme=values["programme"],
                    year=values["year"],
                    field_id=values["field_id"],
                ),
            )
        )

    return CaseloadPageRows(
        StatementRows(shape=shape, build=build, inputs=inputs, sentinels=sentinels)
    )


def stalled_since(*, advisor, now: datetime) -> datetime:
    return now - timedelta(days=advisor.office.stalled_days)


def caseload_flags(students, *, advisor, now: datetime):
    """Mark each row of a caseload (a page, or the CSV's rows as they stream) with
    `is_stalled`, from its last activity and the office's threshold."""
    since = stalled_since(advisor=advisor, now=now)
    for student in students:
        student.is_stalled = student.active_at < since
        yield student


# --- The student's page -------------------------------------------------------------

# Lines on the student's activity timeline.
ACTIVITY_LIMIT = 50


def student_for_advisor(*, advisor, pk: int) -> User:
    """A student of the advisor's office, the ones the caseload lists; anyone else
    (another office's student, an advisor, an alumnus, an unknown id) is a 404."""
    student = User.objects.filter(
        pk=pk, office_id=advisor.office_id, role=Role.STUDENT, is_active=True
    ).first()
    if student is None:
        raise Http404
    return student


def advisor_list_for_student(*, student) -> QuerySet[User]:
    """Who advises the student (assignments), by name."""
    return User.objects.filter(
        advisee_assignments__student=student, office_id=student.office_id
    ).order_by("full_name", "pk")


@dataclass(frozen=True)
class ActivityLine:
    """One line of a student's activity timeline: when, what, with whom."""

    at: datetime
    what: str
    who: str
    late: bool = False


def _who(contact) -> str:
    if contact.organisation:
        return f"{contact.full_name}, {contact.organisation}"
    return contact.full_name


def student_activity(*, student, limit: int = ACTIVITY_LIMIT) -> list[ActivityLine]:
    """The latest `limit` things the student did, newest first: their conversations'
    timeline entries (not the system's own), contacts added, interactions logged,
    thank-yous sent. Each source gives at most `limit`, so four queries whatever
    the history."""
    lines = [
        ActivityLine(at=e.created_at, what=e.get_kind_display(), who=_who(e.interview.contact))
        for e in interview_events_for_student(student=student, limit=limit)
    ]
    lines += [
        ActivityLine(at=c.created_at, what=_("Contact added"), who=_who(c))
        for c in contact_list_recently_added(student=student, limit=limit)
    ]
    lines += [
        ActivityLine(
            at=i.occurred_at,
            what=_("Logged: %(kind)s") % {"kind": i.get_kind_display()},
            who=_who(i.contact),
        )
        for i in interaction_list_recent_for_student(student=student, limit=limit)
    ]
    lines += [
        ActivityLine(
            at=f.done_at, what=_("Thank-you sent"), who=_who(f.contact), late=f.on_time is False
        )
        for f in thank_you_list_done_for_student(student=student, limit=limit)
    ]
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]


def advisors_of_office(*, office_id: int) -> QuerySet[User]:
    """The office's active advisors, office admins included, by name."""
    return User.objects.filter(office_id=office_id, role=Role.ADVISOR, is_active=True).order_by(
        "full_name", "pk"
    )


def advisor_choices_key(office_id: int) -> str:
    return f"office-advisor-choices:{office_id}"


def advisor_choices_for_office(
    *, office_id: int, version: str | None = None, stored=None
) -> list[tuple[int, str]]:
    """advisors_of_office as a select's choices (id, name), for the pages that
    render it on every view; cached with the version of the office's membership
    they were read under and read again once that is not the current one (the form
    still validates a choice against advisors_of_office). A caller that has read
    the version and the key already (the People page, in one round trip) passes
    them."""
    key = advisor_choices_key(office_id)
    if version is None:
        version = members_version(office_id=office_id)
        stored = cache.get(key)
    if stored is not None and stored[0] == version:
        return stored[1]
    choices = [
        (advisor.pk, str(advisor))
        for advisor in advisors_of_office(office_id=office_id).only("full_name", "email")
    ]
    cache.set(key, (version, choices), MEMBERS_CACHE_SECONDS)
    return choices

"""Reads for the alumni directory: who a student may see, text search, filters and
the fit score that orders the list; and the office's list of its volunteers.

Everything here is computed in SQL, so a page of 20 costs the same few queries
whether the office has ten volunteers or ten thousand.

Requests this month. A volunteer's capacity is per calendar month as the office
counts it (`directory_month_start`). When a student sends a request, the interviews
services count it on the volunteer's own row (`volunteer_stats_record_request` in
volunteers.py keeps `month_started` and `requests_in_month`). The selectors that
show capacity read that count off the row themselves (`_requests_this_month`: zero
when the stored month is an earlier one) and annotate each volunteer with
`requests_this_month` and `spare_capacity`.
"""

import hashlib
import json
import logging
import re
import uuid
from array import array
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Lower
from django.http import Http404
from django.utils import timezone

from apps.accounts.enums import Approval, Role
from apps.accounts.models import User
from apps.accounts.selectors import member_list_for_admin
from apps.contacts.models import Contact, VolunteerProfile
from apps.core.statements import StatementRows
from apps.core.versions import version_read
from apps.students.models import Field, StudentProfile
from apps.students.selectors import field_choices_cache_keys, field_choices_kept

logger = logging.getLogger(__name__)

# The text search configuration for both the stored vector and the query; they must
# match, or stemmed words in one never meet the other.
SEARCH_CONFIG = "english"
MAX_SEARCH_TERMS = 8
MAX_TARGET_COMPANIES = 30
MAX_STUDENT_FIELDS = 20

# Fit score: relevance × share of this month's capacity still free.
#   relevance = 1 + FIELD_WEIGHT × (fields shared with the student)
#                 + COMPANY_WEIGHT × (employer is one of the student's target companies)
# A volunteer with nothing in common still scores 1 (times spare share), so the list
# is never empty of order, and one who is fully booked this month scores 0 and sinks
# to the end: the most-asked volunteers are not sent every new request.
FIELD_WEIGHT = 2
COMPANY_WEIGHT = 3


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    field_id: int | None = None
    location: str = ""
    format: str = ""
    year_from: int | None = None
    year_to: int | None = None
    accepting_now: bool = False
    industry: str = ""
    major: str = ""
    open_to: str = ""


def directory_month_start(*, office, now: datetime | None = None) -> datetime:
    """The start of the current month in the office's time zone: capacity is per
    calendar month as the office counts it."""
    local = (now or timezone.now()).astimezone(ZoneInfo(office.time_zone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def volunteer_requests_this_month(*, volunteer: VolunteerProfile, now: datetime | None = None):
    """Requests the volunteer received this calendar month (the office's month), off
    a row already loaded: the count the interviews services keep
    (volunteers.volunteer_stats_record_request), or zero when it is of an earlier
    month. `_requests_this_month` is the same rule in SQL."""
    month = directory_month_start(office=volunteer.office, now=now).date()
    return volunteer.requests_in_month if volunteer.month_started == month else 0


def _requests_this_month(*, office=None, month: date | None = None) -> Case:
    """Each volunteer's requests this month (the office's, or the month starting on
    `month`), in the query: the rule of `volunteer_requests_this_month`."""
    if month is None:
        month = directory_month_start(office=office).date()
    return Case(
        When(month_started=month, then=F("requests_in_month")),
        default=Value(0),
        output_field=IntegerField(),
    )


def _with_spare_capacity(qs: QuerySet, *, office=None, month: date | None = None) -> QuerySet:
    return qs.annotate(
        requests_this_month=_requests_this_month(office=office, month=month)
    ).annotate(
        spare_capacity=Greatest(
            F("capacity_per_month") - F("requests_this_month"),
            Value(0),
            output_field=IntegerField(),
        )
    )


def search_terms(text: str) -> list[str]:
    """Words of a search box, letters and digits only, so nothing the user types can
    be read as tsquery syntax."""
    return re.findall(r"[^\W_]+", text or "")[:MAX_SEARCH_TERMS]


def search_query(terms: list[str]) -> SearchQuery:
    """Every word must match, each as a prefix, so results narrow while typing."""
    raw = " & ".join(f"{term}:*" for term in terms)
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)


# --- Typo-tolerant search (PostgreSQL) -----------------------------------------------
#
# When the full-text search finds nobody, each word is matched instead against the
# words of a profile (name, employer, job title, fields, topics: `search_words`) by
# pg_trgm's word similarity, `search_words %> 'word'`, which a GIN trigram index
# serves (migration 0006). The operator compares with the setting
# pg_trgm.word_similarity_threshold, 0.6 by default, which misses a dropped letter
# in the middle of a word ("Delotte" is 0.55 from "Deloitte"), so the fallback's
# queries run in a transaction that sets it to WORD_SIMILARITY_THRESHOLD for
# themselves only (SET LOCAL). At 0.5 "Delotte" finds Deloitte and "consultng"
# consulting (0.7), and not Delta (0.38).

WORD_SIMILARITY_THRESHOLD = 0.5


def directory_forgives_typos() -> bool:
    """Whether a misspelt search finds the closest spelling: on PostgreSQL only."""
    return connection.vendor == "postgresql"


MIN_SUGGESTION_SIMILARITY = 0.3
WORD_RE = re.compile(r"[^\W_]+")


def trigrams(word: str) -> set[str]:
    """A word's trigrams as pg_trgm makes them: lower-cased, two spaces before and
    one after."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's `similarity` of two words: shared trigrams over all of them."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def did_you_mean(terms: list[str], profiles) -> str:
    """The search with each word replaced by the closest word of these profiles
    (name, employer, job title, fields, topics), or "" when nothing would change.
    The profiles are the ones the typo-tolerant search found, all of the student's
    own directory, so a suggestion never comes from another office's data."""
    vocabulary: dict[str, str] = {}
    for profile in profiles:
        texts = [
            profile.user.full_name, profile.employer, profile.job_title,
            *_field_names(profile), profile.topics,
        ]  # fmt: skip
        for text in texts:
            for word in WORD_RE.findall(text or ""):
                vocabulary.setdefault(word.lower(), word)
    corrected, changed = [], False
    for term in terms:
        if term.lower() in vocabulary:
            corrected.append(vocabulary[term.lower()])
            continue
        best, score = term, MIN_SUGGESTION_SIMILARITY
        for lower, word in sorted(vocabulary.items()):
            similarity = trigram_similarity(term, lower)
            if similarity > score:
                best, score = word, similarity
        changed = changed or best != term
        corrected.append(best)
    return " ".join(corrected) if changed else ""


def _field_names(profile) -> list[str]:
    # A directory page's profiles carry their fields' names (_page_profiles); others
    # have their fields prefetched.
    names = getattr(profile, "field_names", None)
    return names if names is not None else [f.name for f in profile.fields.all()]


def volunteer_member_filter(*, office_id: int) -> Q:
    """The office's volunteers, whether or not they take requests right now: approved
    and active alumni whose profile the office has not deactivated and which offers
    at least one way to meet (a profile never saved offers none)."""
    return Q(
        office_id=office_id,
        user__office_id=office_id,
        user__role=Role.ALUMNI,
        user__approval=Approval.APPROVED,
        user__is_active=True,
        deactivated_at__isnull=True,
    ) & ~Q(formats=[])


def volunteer_available_filter(*, today: date) -> Q:
    """Volunteers taking requests right now: accepting them and not paused."""
    return Q(accepting_requests=True) & (Q(paused_until__isnull=True) | Q(paused_until__lt=today))


def volunteer_visible_filter(*, office_id: int, today: date) -> Q:
    """Who is in an office's directory: its volunteers who take requests right now."""
    return volunteer_member_filter(office_id=office_id) & volunteer_available_filter(today=today)


def directory_base_for_student(*, student) -> QuerySet[VolunteerProfile]:
    today = timezone.localdate()
    return VolunteerProfile.objects.filter(
        volunteer_visible_filter(office_id=student.office_id, today=today)
    )


MAX_MAJORS = 200
MAJORS_TTL = 10 * 60


def majors_cache_key(office_id: int) -> str:
    return f"directory-majors:{office_id}"


def volunteer_majors_for_office(*, office_id: int, found: dict | None = None) -> list[str]:
    """The majors (programmes) of the volunteers in an office's directory, each once
    whatever its case, alphabetically: the directory's major filter offers these and
    accepts nothing else. At most MAX_MAJORS.

    Kept in the cache for MAJORS_TTL, and dropped there whenever a volunteer of the
    office saves their profile (volunteers.volunteer_profile_update), so a new major
    is offered at once: the list is read on every directory page and the query
    reads every profile of the office (10 ms of the page at 5,000 volunteers;
    bench/). From the profile row alone: a major offered only by a pending or
    disabled account finds nobody, which is all that can go wrong.

    `found`: what the caller read from the cache in one round trip with other
    entries (cache.get_many), this list's among them if it is kept."""
    key = majors_cache_key(office_id)
    cached = cache.get(key) if found is None else found.get(key)
    if cached is not None:
        return cached
    today = timezone.localdate()
    spellings = (
        VolunteerProfile.objects.filter(
            Q(office_id=office_id, deactivated_at__isnull=True)
            & ~Q(formats=[])
            & volunteer_available_filter(today=today)
        )
        .exclude(programme="")
        .values_list("programme", flat=True)
        .distinct()
        .order_by("programme")[: MAX_MAJORS * 2]
    )
    majors: dict[str, str] = {}
    for spelling in spellings:
        majors.setdefault(spelling.casefold(), spelling)
    result = sorted(majors.values(), key=str.casefold)[:MAX_MAJORS]
    cache.set(key, result, MAJORS_TTL)
    return result


# Values no real input has, for StatementRows to trace each parameter of the
# directory's statements to the input it came from; the two dates far apart.
_PAGE_SENTINELS = {
    "office_id": 2_000_000_011,
    "student_id": 2_000_000_013,
    "today": date(1901, 2, 3),
    "month": date(1903, 4, 1),
}


def student_interests(student) -> tuple[list[int], list[str]]:
    """The student's field ids and target companies (lower-cased), in one query; both
    empty when the student has no profile yet."""
    # One row (target companies, field id) per field (one without a field), as
    # values, from a statement compiled once per process: the ORM built and
    # compiled this two-table query on every page.
    rows = StatementRows(
        shape=("contacts.student_interests",),
        build=lambda values: (
            StudentProfile.objects.filter(user_id=values["student_id"])
            .values_list("target_companies", "fields")
            .order_by()
        ),
        inputs={"student_id": student.pk},
        sentinels={"student_id": _PAGE_SENTINELS["student_id"]},
    ).rows(0, None)
    field_ids = sorted({field_id for _companies, field_id in rows if field_id is not None})
    companies = rows[0][0] if rows else []
    cleaned = {" ".join(str(c).split()).lower() for c in companies or []}
    return field_ids[:MAX_STUDENT_FIELDS], sorted(c for c in cleaned if c)[:MAX_TARGET_COMPANIES]


def with_fit_score(
    qs: QuerySet[VolunteerProfile],
    *,
    field_ids: list[int],
    target_companies: list[str],
    office,
) -> QuerySet[VolunteerProfile]:
    """Annotate `field_overlap`, `company_match`, `spare_capacity` and `fit_score`."""
    through = VolunteerProfile.fields.through.objects
    # One uncorrelated `pk IN (…)` per student field rather than a correlated count:
    # PostgreSQL builds each as a hash once and probes it per row, where a
    # correlated subquery ran an index scan per volunteer (30 ms of the 60 ms the
    # default page took with 5,000 volunteers; see bench/).
    overlap = sum(
        (
            Case(
                When(pk__in=through.filter(field_id=field_id).values("volunteerprofile_id"),
                     then=Value(1)),
                default=Value(0),
            )
            for field_id in field_ids
        ),
        start=Value(0),
    )  # fmt: skip
    qs = _with_spare_capacity(qs, office=office)
    if target_companies:
        # Lower-cased once per row and compared with `IN (…)`: an OR of iexact
        # lookups upper-cased the employer once per company.
        qs = qs.annotate(employer_lower=Lower("employer"))
        company_match = Case(
            When(employer_lower__in=target_companies, then=Value(1)), default=Value(0)
        )
    else:
        company_match = Value(0)
    return qs.annotate(
        field_overlap=ExpressionWrapper(overlap, output_field=IntegerField()),
        company_match=company_match,
    ).annotate(
        fit_score=Cast(
            (
                Value(1)
                + Value(FIELD_WEIGHT) * F("field_overlap")
                + Value(COMPANY_WEIGHT) * F("company_match")
            )
            * F("spare_capacity"),
            FloatField(),
        )
        / Cast(F("capacity_per_month"), FloatField()),
    )


def _with_my_contact(qs: QuerySet, *, student) -> QuerySet:
    # The contact's id rather than a bare Exists: the card links to it.
    mine = Contact.objects.filter(owner_id=student.pk, volunteer_id=OuterRef("pk"))
    return qs.annotate(my_contact_id=Subquery(mine.values("pk")[:1]))


def _directory_ordered(
    *,
    student,
    filters: DirectoryFilters,
    fuzzy: bool = False,
    interests: tuple[list[int], list[str]] | None = None,
) -> QuerySet[VolunteerProfile]:
    """The student's directory filtered and ordered. With `fuzzy` (PostgreSQL only)
    the words are matched by trigram word similarity instead of full text."""
    qs = directory_base_for_student(student=student)
    if filters.field_id:
        qs = qs.filter(
            pk__in=VolunteerProfile.fields.through.objects.filter(field_id=filters.field_id).values(
                "volunteerprofile_id"
            )
        )
    if filters.location.strip():
        qs = qs.filter(location__icontains=filters.location.strip())
    if filters.format:
        # Formats are fixed enum values, so the quoted value is an exact element
        # match; JSON containment is not available on SQLite.
        qs = qs.filter(formats__icontains=f'"{filters.format}"')
    if filters.year_from is not None:
        qs = qs.filter(graduation_year__gte=filters.year_from)
    if filters.year_to is not None:
        qs = qs.filter(graduation_year__lte=filters.year_to)
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.major:
        qs = qs.filter(programme__iexact=filters.major)
    if filters.open_to:
        # As for formats: fixed enum values, quoted for an exact element match.
        qs = qs.filter(open_to__icontains=f'"{filters.open_to}"')

    field_ids, companies = interests if interests is not None else student_interests(student)
    qs = with_fit_score(qs, field_ids=field_ids, target_companies=companies, office=student.office)
    if filters.accepting_now:
        qs = qs.filter(spare_capacity__gt=0)

    ordering = ["-fit_score", "user__full_name", "pk"]
    terms = search_terms(filters.q)
    if terms:
        if fuzzy:
            # Close spellings in the directory's usual order, by fit: ordering by
            # similarity computed it a second time for every match, which doubled
            # the SQL of a broad typo (1,800 matches of 5,000: 95 -> 196 ms; bench/).
            for term in terms:
                qs = qs.filter(TrigramWordSimilar(F("search_words"), Value(term)))
        elif connection.vendor == "postgresql":
            query = search_query(terms)
            qs = qs.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
            ordering = ["-rank", *ordering]
        else:
            for term in terms:
                qs = qs.filter(search_document__icontains=term)
    return qs.order_by(*ordering)


# What a directory card shows; the detail page loads the whole profile.
CARD_COLUMNS = [
    "office_id", "employer", "job_title", "location", "graduation_year", "topics", "formats",
    "industry", "programme", "open_to", "capacity_per_month", "user__full_name",
    "requests_received", "requests_answered", "response_seconds_total",
]  # fmt: skip
# What a page's row reads (DirectoryCardRow's order): the card's columns of the
# profile, then the annotations in the order _page_profiles makes them.
PAGE_VALUES = (
    "pk", "user_id", "office_id", "employer", "job_title", "location", "graduation_year",
    "topics", "formats", "industry", "programme", "open_to", "capacity_per_month",
    "requests_received", "requests_answered", "response_seconds_total",
    "requests_this_month", "spare_capacity", "my_contact_id", "user_full_name", "field_names",
)  # fmt: skip


def _for_display(
    qs: QuerySet[VolunteerProfile], *, student, columns: list[str] | None = None
) -> QuerySet[VolunteerProfile]:
    qs = (
        _with_my_contact(qs, student=student)
        .select_related("user")
        .prefetch_related(Prefetch("fields", queryset=Field.objects.only("id", "name")))
    )
    return qs.only(*columns) if columns else qs.defer("search_document", "search_vector")


def directory_list_for_student(
    *, student, filters: DirectoryFilters | None = None
) -> QuerySet[VolunteerProfile]:
    """The directory as a student sees it, filtered and ordered: by text rank then fit
    when searching on PostgreSQL, by fit otherwise."""
    qs = _directory_ordered(student=student, filters=filters or DirectoryFilters())
    return _for_display(qs, student=student)


class _Total:
    """Stands in for the object list so Paginator knows the count without a query."""

    def __init__(self, total: int):
        self.total = total

    def __len__(self) -> int:
        return self.total


MAX_PAGE_NUMBER = 100_000

# --- The student's ranking, cached ----------------------------------------------------
#
# Ranking is the one part of a page that grows with the office: the fit score of
# every volunteer who passes the filters, sorted (5,000 at the scale office, 6 ms of
# SQL of a 10 ms page). The ranked ids and their scores are kept in the cache, so a
# page reads its 20 rows by primary key. An entry is only good for the office's
# directory *version*: a random token that volunteers.directory_changed replaces,
# after commit, whenever anything the ranking reads changes (a profile saved,
# paused, deactivated or reactivated, a request counted against capacity, an erasure,
# a search text rebuilt, an account approved, deactivated, reactivated or renamed).
# The key also holds the day (a pause runs out at midnight) and the office's month
# (capacity starts again), the student's fields and target companies and every
# filter, so students with the same interests share an entry and nobody's entry
# names anyone's data but the office's. RANKING_TTL is only a safety net: the rows
# shown are read again through the directory's own visibility filter, so a
# volunteer who left the directory is never shown even if a change were missed.
RANKING_TTL = 5 * 60
# The first five pages live with the total in one entry; deeper pages read the rest.
RANKING_HEAD = 100


def directory_version_key(office_id: int) -> str:
    return f"directory-version:{office_id}"


def _ranking_key(*, office, filters: DirectoryFilters, interests, terms) -> str:
    today, month = timezone.localdate(), directory_month_start(office=office).date()
    # The words rather than the box as typed: "consult " and "consult" rank alike.
    parts = (
        office.pk, today.isoformat(), month.isoformat(), interests, terms, filters.field_id,
        filters.location.strip(), filters.format, filters.year_from, filters.year_to,
        filters.accepting_now, filters.industry, filters.major, filters.open_to,
    )  # fmt: skip
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"directory-ranking:{office.pk}:{digest}"


def _pack(rows: list[tuple[int, float]]) -> tuple[bytes, bytes]:
    return array("q", (pk for pk, _ in rows)).tobytes(), array("d", (s for _, s in rows)).tobytes()


def _unpack(ids: bytes, scores: bytes) -> list[tuple[int, float]]:
    pks, values = array("q"), array("d")
    pks.frombytes(ids)
    values.frombytes(scores)
    return list(zip(pks, values, strict=True))


def _ranking_compute(
    *, student, filters: DirectoryFilters, interests, terms
) -> tuple[list[tuple[int, float]], bool]:
    """Every id and fit score the filters let through, in the page's order, and
    whether the words were matched forgiving typos (PostgreSQL: full text found
    nobody)."""
    ordered = _directory_ordered(student=student, filters=filters, interests=interests)
    rows = list(ordered.values_list("pk", "fit_score"))
    if rows or not terms or not directory_forgives_typos():
        return rows, False
    ordered = _directory_ordered(student=student, filters=filters, fuzzy=True, interests=interests)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(WORD_SIMILARITY_THRESHOLD)],
        )
        rows = list(ordered.values_list("pk", "fit_score"))
    return rows, bool(rows)


def _ranking_slice(
    *,
    student,
    filters: DirectoryFilters,
    interests,
    terms,
    start: int,
    stop: int,
    read_with: tuple[str, ...] = (),
) -> tuple[list[tuple[int, float]], int, bool, dict]:
    """Rows `start:stop` of the student's ranking, how many there are in all,
    whether it forgave typos, and the cache entries read (those of the keys
    `read_with` kept, with the ranking's own): from the cache when the office's
    directory has not changed since it was ranked, else ranked now and kept."""
    office_id = student.office_id
    key = _ranking_key(office=student.office, filters=filters, interests=interests, terms=terms)
    version_key = directory_version_key(office_id)
    # One round trip for both, and for the caller's entries; the version is read
    # before any row, so a change committed after this read bumps the version again
    # and retires what is kept here.
    found = cache.get_many([version_key, key, *read_with])
    version = version_read(version_key, stored=found.get(version_key))
    head = found.get(key)
    if head is not None and head["version"] == version:
        if stop <= RANKING_HEAD or head["total"] <= RANKING_HEAD:
            rows = _unpack(head["ids"], head["scores"])
            return rows[start:stop], head["total"], head["fuzzy"], found
        tail = cache.get(f"{key}:tail")
        if tail is not None and tail["version"] == version:
            rows = _unpack(head["ids"] + tail["ids"], head["scores"] + tail["scores"])
            return rows[start:stop], head["total"], head["fuzzy"], found
    rows, fuzzy = _ranking_compute(
        student=student, filters=filters, interests=interests, terms=terms
    )
    ids, scores = _pack(rows[:RANKING_HEAD])
    entries = {
        key: {"version": version, "total": len(rows), "fuzzy": fuzzy, "ids": ids, "scores": scores}
    }
    if len(rows) > RANKING_HEAD:
        ids, scores = _pack(rows[RANKING_HEAD:])
        entries[f"{key}:tail"] = {"version": version, "ids": ids, "scores": scores}
    cache.set_many(entries, RANKING_TTL)
    return rows[start:stop], len(rows), fuzzy, found


_PAGE_PK_SENTINEL = 2_000_100_000
# The page's statement is kept for each number of rows up to this; a longer page (no
# view asks for one) is built by the ORM.
PAGE_ROWS_KEPT = 100


class DirectoryCardRow:
    """A volunteer of a directory page, read as values (PAGE_VALUES): what the
    profile instance of the ORM's display query carried for a card (the card's
    columns, `requests_this_month`, `spare_capacity`, `my_contact_id`,
    `field_names`, the model's `response_rate` and `typical_response_hours`),
    without a profile and a user instance per row: building those 40 instances cost
    about 0.3 ms of a 4.7 ms page (bench/floor.py). The user's name is
    `user_full_name`; `user` is made only when asked for: a user of only its id and
    name, as select_related with only() gave it, the rest deferred."""

    __slots__ = (*PAGE_VALUES, "fit_score", "_user")

    MIN_REQUESTS_FOR_STATS = VolunteerProfile.MIN_REQUESTS_FOR_STATS
    response_rate = VolunteerProfile.response_rate
    typical_response_hours = VolunteerProfile.typical_response_hours

    def __init__(self, values):
        for name, value in zip(PAGE_VALUES, values, strict=True):
            setattr(self, name, value)
        self._user = None

    @property
    def user(self) -> User:
        if self._user is None:
            self._user = User.from_db(
                DEFAULT_DB_ALIAS, ["id", "full_name"], (self.user_id, self.user_full_name)
            )
        return self._user


def _page_profiles(*, student, pks: list[int]) -> list[DirectoryCardRow]:
    """The profiles of these ids still in the student's directory (through the
    visibility filter again: whoever left it since the ranking was kept is not
    shown), each a DirectoryCardRow with what a card shows: `spare_capacity`,
    `my_contact_id`, the user's name and `field_names`, in name order. In no order.

    The statement is compiled once per process and number of rows
    (core.statements.StatementRows): building and compiling this query in the ORM
    cost several times what PostgreSQL spends running it."""
    if not pks:
        return []
    inputs = {
        "office_id": student.office_id,
        "student_id": student.pk,
        "today": timezone.localdate(),
        "month": directory_month_start(office=student.office).date(),
        **{f"pk{n}": pk for n, pk in enumerate(pks)},
    }
    sentinels = {
        **_PAGE_SENTINELS,
        **{f"pk{n}": _PAGE_PK_SENTINEL + n for n in range(len(pks))},
    }

    def build(values: dict) -> QuerySet:
        qs = VolunteerProfile.objects.filter(
            volunteer_visible_filter(office_id=values["office_id"], today=values["today"]),
            pk__in=[values[f"pk{n}"] for n in range(len(pks))],
        )
        # One contact at most per student and volunteer (contact_one_per_volunteer):
        # nothing to sort.
        mine = Contact.objects.filter(
            owner_id=values["student_id"], volunteer_id=OuterRef("pk")
        ).order_by()
        return (
            _with_spare_capacity(qs, month=values["month"])
            .annotate(
                my_contact_id=Subquery(mine.values("pk")[:1]),
                user_full_name=F("user__full_name"),
                field_names=_field_names_ordered(),
            )
            .values_list(*PAGE_VALUES)
            .order_by()
        )

    if len(pks) > PAGE_ROWS_KEPT:
        rows = list(build(inputs))
    else:
        rows = StatementRows(
            shape=("contacts.directory_page", len(pks)),
            build=build,
            inputs=inputs,
            sentinels=sentinels,
        ).rows(0, None)
    return [DirectoryCardRow(row) for row in rows]


class _TextList(TextField):
    """What _OrderedTexts reads: a list of str from PostgreSQL's array, or from
    SQLite's JSON text."""

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value)
        return value


class _OrderedTexts(Subquery):
    """A subquery of one text column as a list, in the subquery's order, read in
    the outer query's row: ARRAY(...) on PostgreSQL, json_group_array over the
    ordered rows on SQLite (whose aggregates take no ORDER BY before 3.44, but
    keep a subquery's order in FROM: an aggregate's subquery is never flattened)."""

    output_field = _TextList()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template='(SELECT json_group_array("text") FROM (%(subquery)s))',
            **extra_context,
        )


def _field_names_ordered() -> _OrderedTexts:
    """The names of the profile's fields in name order (Field's), then by id."""
    through = VolunteerProfile.fields.through
    return _OrderedTexts(
        through.objects.filter(volunteerprofile_id=OuterRef("pk"))
        .order_by("field__name", "field_id")
        .values(text=F("field__name"))
    )


def directory_page_for_student(
    *,
    student,
    filters: DirectoryFilters | None = None,
    page_number=1,
    per_page: int = 20,
    with_majors: bool = False,
    with_fields: bool = False,
) -> Page:
    """One page of `directory_list_for_student`, like Paginator.get_page: the page's
    ids come from the student's ranking (cached, see RANKING_TTL above), and one
    query loads those rows for display.

    On PostgreSQL a search the full text finds nobody for is run again forgiving
    typos (trigram word similarity); the page then has `fuzzy` set and, in
    `did_you_mean`, the search spelt as the volunteers found spell it.

    With `with_majors`, `majors` is the office's majors
    (`volunteer_majors_for_office`), and with `with_fields`, `field_choices` the
    office's fields as (id, name) (students.selectors.field_choices_kept), each read
    from the cache in the ranking's round trip; else None."""
    filters = filters or DirectoryFilters()
    try:
        # Bounded: a page number of 30 digits made an OFFSET beyond PostgreSQL's
        # bigint (a 500). Any page past the last shows the last one.
        number = min(max(1, int(page_number)), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        number = 1
    interests = student_interests(student)
    terms = tuple(search_terms(filters.q))
    ranking = {"student": student, "filters": filters, "interests": interests, "terms": terms}
    start = (number - 1) * per_page
    office_id = student.office_id
    read_with = (majors_cache_key(office_id),) if with_majors else ()
    if with_fields:
        read_with += field_choices_cache_keys(office_id=office_id)
    rows, total, fuzzy, found = _ranking_slice(
        **ranking, start=start, stop=start + per_page, read_with=read_with
    )
    if not rows and number > 1:
        number = max(1, -(-total // per_page))
        start = (number - 1) * per_page
        rows, total, fuzzy, _found = _ranking_slice(**ranking, start=start, stop=start + per_page)
    scores = dict(rows)
    by_pk = {p.pk: p for p in _page_profiles(student=student, pks=list(scores))}
    profiles = []
    for pk, score in scores.items():
        if pk in by_pk:
            by_pk[pk].fit_score = score
            profiles.append(by_pk[pk])
    page = Page(profiles, number, Paginator(_Total(total), per_page))
    page.fuzzy = fuzzy
    page.did_you_mean = did_you_mean(list(terms), profiles) if fuzzy else ""
    page.majors = (
        volunteer_majors_for_office(office_id=office_id, found=found) if with_majors else None
    )
    page.field_choices = (
        field_choices_kept(office_id=office_id, found=found) if with_fields else None
    )
    return page


def directory_get_for_student(*, student, pk: int) -> VolunteerProfile:
    """One volunteer the student may see; 404 for anyone else, including a
    volunteer who is paused, deactivated or of another office."""
    qs = _with_spare_capacity(
        directory_base_for_student(student=student).filter(pk=pk), office=student.office
    )
    profile = (
        _with_my_contact(qs, student=student)
        .select_related("user")
        .prefetch_related("fields")
        .first()
    )
    if profile is None:
        raise Http404
    return profile


SIMILAR_SHOWN = 3


def volunteer_away_for_student(*, student, pk: int) -> VolunteerProfile | None:
    """A volunteer of the student's office who is not taking requests right now
    (paused, or not accepting any), for the page that says so instead of a 404. None
    for anyone else: another office's volunteer, or one the office deactivated, did
    not approve or whose profile offers no way to meet, stays a 404."""
    return (
        VolunteerProfile.objects.filter(volunteer_member_filter(office_id=student.office_id))
        .exclude(volunteer_available_filter(today=timezone.localdate()))
        .filter(pk=pk)
        .select_related("user")
        .prefetch_related(Prefetch("fields", queryset=Field.objects.only("id", "name")))
        .defer("search_document", "search_vector")
        .first()
    )


def volunteers_similar_for_student(
    *, student, volunteer: VolunteerProfile, limit: int = SIMILAR_SHOWN
) -> list[VolunteerProfile]:
    """Up to `limit` volunteers in the student's directory with time this month who
    share a field or the industry with `volunteer`, best fit first; none when
    `volunteer` names neither (nothing to be similar in)."""
    field_ids = [f.pk for f in volunteer.fields.all()]
    alike = Q()
    if field_ids:
        alike |= Q(
            pk__in=VolunteerProfile.fields.through.objects.filter(field_id__in=field_ids).values(
                "volunteerprofile_id"
            )
        )
    if volunteer.industry:
        alike |= Q(industry=volunteer.industry)
    if not alike:
        return []
    qs = (
        _directory_ordered(student=student, filters=DirectoryFilters(accepting_now=True))
        .filter(alike)
        .exclude(pk=volunteer.pk)
    )
    return list(_for_display(qs, student=student, columns=CARD_COLUMNS)[:limit])


# --- Office admin -------------------------------------------------------------------

STATUS_ACTIVE = "active"
STATUS_PAUSED = "paused"
STATUS_NOT_ACCEPTING = "not_accepting"
STATUS_AT_CAPACITY = "at_capacity"
STATUS_DEACTIVATED = "deactivated"
STATUS_INCOMPLETE = "incomplete"


# The columns the office's list shows and its status needs; the bio, the search
# document and the rest of the user row are not read for 50 rows at a time.
ADMIN_ROW_COLUMNS = [
    "office_id", "employer", "job_title", "formats", "capacity_per_month",
    "accepting_requests", "paused_until", "deactivated_at", "month_started",
    "requests_in_month", "user__full_name",
]  # fmt: skip


def _volunteers_of_office(*, office_id: int) -> QuerySet[VolunteerProfile]:
    return VolunteerProfile.objects.filter(
        office_id=office_id,
        user__office_id=office_id,
        user__role=Role.ALUMNI,
        user__approval=Approval.APPROVED,
    )


def volunteer_list_for_admin(*, admin, search: str = "") -> QuerySet[VolunteerProfile]:
    """The office's approved volunteers who have a profile; with `search`, those whose
    name, email or employer contains it. `volunteers_with_status` gives the rows
    shown their status.

    In name order, then the user's id: the order of the partial index
    `user_office_volunteer_name` (office, full_name, id of approved alumni), so a
    page is read from the index with LIMIT instead of sorting every volunteer of
    the office (the profile's user_id is the user's id, which the planner knows
    from the join)."""
    return _office_volunteers({"office_id": admin.office_id, "search": search.strip()})


def volunteer_rows_for_admin(*, admin, search: str = "") -> "OfficeVolunteerRows":
    """`volunteer_list_for_admin`, sliceable as a Paginator takes it, each row an
    OfficeVolunteerRow, with each page's query compiled once per process
    (core.statements) and only its office and search bound: building and compiling
    it cost the page about as much as running it."""
    search = search.strip()
    return OfficeVolunteerRows(
        StatementRows(
            shape=("contacts.office_volunteers", bool(search)),
            build=lambda values: _office_volunteers(values).values_list(*ADMIN_ROW_VALUES),
            inputs={"office_id": admin.office_id, "search": search},
            sentinels={"office_id": 2_000_000_011, "search": "zqxsearchzqx" if search else ""},
        )
    )


# What a row of the office's list reads, in OfficeVolunteerRow's order.
ADMIN_ROW_VALUES = (
    "pk", "user_id", "user__full_name", "employer", "job_title", "formats",
    "capacity_per_month", "accepting_requests", "paused_until", "deactivated_at",
    "month_started", "requests_in_month",
)  # fmt: skip


class OfficeVolunteerName:
    """A row's user, as far as the list reads it."""

    __slots__ = ("pk", "full_name")

    def __init__(self, pk: int, full_name: str):
        self.pk, self.full_name = pk, full_name


class OfficeVolunteerRow:
    """A volunteer of the office's list: the profile's columns the list shows and its
    status needs (volunteers_with_status), and `user` with the name, read as values
    rather than as a profile and a user instance each: 100 model instances were a
    fifth of the page's own time."""

    def __init__(
        self, pk, user_id, full_name, employer, job_title, formats, capacity_per_month,
        accepting_requests, paused_until, deactivated_at, month_started, requests_in_month,
    ):  # fmt: skip
        self.pk = pk
        self.user_id = user_id
        self.user = OfficeVolunteerName(user_id, full_name)
        self.employer = employer
        self.job_title = job_title
        self.formats = formats
        self.capacity_per_month = capacity_per_month
        self.accepting_requests = accepting_requests
        self.paused_until = paused_until
        self.deactivated_at = deactivated_at
        self.month_started = month_started
        self.requests_in_month = requests_in_month


class OfficeVolunteerRows:
    """The list's StatementRows of values, each slice's rows OfficeVolunteerRows."""

    def __init__(self, rows: StatementRows):
        self._rows = rows

    def count(self) -> int:
        return self._rows.count()

    def __getitem__(self, key) -> list[OfficeVolunteerRow]:
        return [OfficeVolunteerRow(*row) for row in self._rows[key]]


def _office_volunteers(values: dict) -> QuerySet[VolunteerProfile]:
    qs = _volunteers_of_office(office_id=values["office_id"])
    if values["search"]:
        qs = qs.filter(
            Q(user__full_name__icontains=values["search"])
            | Q(user__email__icontains=values["search"])
            | Q(employer__icontains=values["search"])
        )
    return qs.select_related("user").only(*ADMIN_ROW_COLUMNS).order_by("user__full_name", "user_id")


def volunteers_with_status(profiles, *, office, now: datetime | None = None) -> list:
    """The rows of `volunteer_list_for_admin` shown, each with `requests_this_month`,
    `spare_capacity` and `status` (the first that applies: deactivated, paused, not
    accepting, incomplete, at capacity, active). Worked out here from the columns
    read rather than as annotations, whose compiling alone cost more than the
    page's query."""
    month = directory_month_start(office=office, now=now).date()
    today = timezone.localdate(now) if now else timezone.localdate()
    rows = list(profiles)
    for p in rows:
        p.requests_this_month = p.requests_in_month if p.month_started == month else 0
        p.spare_capacity = max(p.capacity_per_month - p.requests_this_month, 0)
        if p.deactivated_at is not None:
            p.status = STATUS_DEACTIVATED
        elif p.paused_until is not None and p.paused_until >= today:
            p.status = STATUS_PAUSED
        elif not p.accepting_requests:
            p.status = STATUS_NOT_ACCEPTING
        elif p.formats == []:
            p.status = STATUS_INCOMPLETE
        elif p.spare_capacity <= 0:
            p.status = STATUS_AT_CAPACITY
        else:
            p.status = STATUS_ACTIVE
    return rows


def volunteer_get_for_admin(*, admin, pk: int) -> VolunteerProfile:
    profile = (
        VolunteerProfile.objects.filter(office_id=admin.office_id, pk=pk)
        .select_related("user")
        .first()
    )
    if profile is None:
        raise Http404
    return profile


def alumni_without_profile_for_admin(*, admin):
    """Approved alumni who have not opened their volunteer profile yet."""
    return (
        member_list_for_admin(admin=admin)
        .filter(role=Role.ALUMNI, approval=Approval.APPROVED, volunteer_profile__isnull=True)
        .order_by("full_name")
    )


# --- The office list's figures, cached per office -------------------------------------
#
# How many volunteers the office's list holds, and the approved alumni without a
# profile named below it, are read from the cache: counting 5,000 volunteers and
# looking for the alumni without a profile among them was most of the page's SQL
# and grew with the office (bench/load.py --growth). They change only when a
# member or a profile of the office is created, deleted, renamed, approved or given
# another role, and each of those changes the office's version (the receivers below,
# connected in apps.py), which is part of the figures' key: the next page reads
# them afresh. A version is a random token, not a counter, so a version evicted
# from the cache and made again can never name figures stored under an old one.

WITHOUT_PROFILE_SHOWN = 50
SUMMARY_TTL = 60 * 60
# What of a user the figures read; a save naming none of these (the sign-in's
# last_login) leaves them alone.
SUMMARY_USER_FIELDS = frozenset({"office", "office_id", "role", "approval", "full_name"})


@dataclass(frozen=True)
class OfficeDirectorySummary:
    volunteers: int
    # The first WITHOUT_PROFILE_SHOWN names, and how many there are in all.
    without_profile: list[str]
    without_profile_count: int


def _version_key(office_id: int) -> str:
    return f"office-directory-version:{office_id}"


def _office_version(office_id: int) -> str:
    return version_read(_version_key(office_id))


def office_directory_changed(*, office_id: int | None) -> None:
    """The office's volunteers or alumni changed: the list's figures are read afresh.
    Now, so the rest of this transaction sees it, and again after the commit: a page
    that read the figures between the two (the change not yet visible to it) may
    have stored them under the first new version."""
    if office_id is None:
        return

    def bump():
        # The write it follows has happened: a cache that cannot be reached must
        # not fail it. The figures then wait for SUMMARY_TTL at most.
        try:
            cache.set(_version_key(office_id), uuid.uuid4().hex, None)
        except Exception:
            logger.warning("office %s: the directory's figures kept", office_id, exc_info=True)

    bump()
    transaction.on_commit(bump)


def office_directory_summary(*, admin) -> OfficeDirectorySummary:
    """The office list's figures (see above): from the cache, or three queries at
    most when the office changed since they were last read.

    Kept with the version they were read under, and read with the current version
    in one round trip to the cache (two before: the version, then the figures under
    a key naming it); figures kept under another version are read afresh."""
    office_id = admin.office_id
    version_key, key = _version_key(office_id), f"office-directory-summary:{office_id}"
    found = cache.get_many([version_key, key])
    version = version_read(version_key, stored=found.get(version_key))
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version:
        return stored[1]
    without_profile = alumni_without_profile_for_admin(admin=admin).values_list(
        "full_name", flat=True
    )
    names = list(without_profile[: WITHOUT_PROFILE_SHOWN + 1])
    summary = OfficeDirectorySummary(
        volunteers=_volunteers_of_office(office_id=office_id).count(),
        without_profile=names[:WITHOUT_PROFILE_SHOWN],
        # Counted only when there are more than are shown.
        without_profile_count=without_profile.count()
        if len(names) > WITHOUT_PROFILE_SHOWN
        else len(names),
    )
    cache.set(key, (version, summary), SUMMARY_TTL)
    return summary


def on_user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or update_fields is None or SUMMARY_USER_FIELDS & set(update_fields):
        office_directory_changed(office_id=instance.office_id)


def on_user_deleted(sender, instance, **kwargs) -> None:
    office_directory_changed(office_id=instance.office_id)


def on_profile_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    # A profile's office is set when it is made; a full save might still move it.
    if created or update_fields is None or {"office", "office_id"} & set(update_fields):
        office_directory_changed(office_id=instance.office_id)


def on_profile_deleted(sender, instance, **kwargs) -> None:
    office_directory_changed(office_id=instance.office_id)

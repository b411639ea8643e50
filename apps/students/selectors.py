from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.core.statements import StatementRows
from apps.core.versions import version_read
from apps.students.models import Field, ResearchNote, StudentProfile


def field_list_for_office(*, office_id: int, include_inactive: bool = False) -> QuerySet[Field]:
    qs = Field.objects.filter(office_id=office_id)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("name")


def field_choices_for_office(*, office_id: int) -> list[tuple[int, str]]:
    """The office's fields offered to students as (id, name), by name: what the
    filters of the caseload and the directory offer on every page, read by a
    statement compiled once per process (core.statements)."""
    return StatementRows(
        shape=("students.field_choices",),
        build=lambda values: field_list_for_office(office_id=values["office_id"]).values_list(
            "pk", "name"
        ),
        inputs={"office_id": office_id},
        sentinels={"office_id": 2_000_000_011},
    )[0:None]


# The field choices kept in the cache under a version of the office's fields, which
# services.fields_changed replaces after every commit that adds, renames, activates
# or retires one: choices stored under an old version are never read again; the
# timeout only bounds their life (and that of a change made outside the services).
FIELD_CHOICES_SECONDS = 15 * 60


def field_choices_cache_keys(*, office_id: int) -> tuple[str, str]:
    """The keys of field_choices_kept: the office's fields' version, the choices."""
    return f"students:fields-version:{office_id}", f"students:field-choices:{office_id}"


def field_choices_kept(*, office_id: int, found: dict | None = None) -> list[tuple[int, str]]:
    """field_choices_for_office, kept in the cache: no query when it holds them.
    `found` is what the caller's cache.get_many of field_choices_cache_keys (with
    its own keys) returned, so that they cost no round trip of their own; without
    it, one get_many here."""
    return field_choices_versioned(office_id=office_id, found=found)[1]


def field_choices_versioned(
    *, office_id: int, found: dict | None = None
) -> tuple[str, list[tuple[int, str]]]:
    """field_choices_kept with the version of the office's fields they are kept
    under, for a caller that keeps what it writes from them (the caseload's filter)."""
    version_key, choices_key = field_choices_cache_keys(office_id=office_id)
    if found is None:
        found = cache.get_many([version_key, choices_key])
    version = version_read(version_key, stored=found.get(version_key))
    stored = found.get(choices_key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version:
        return version, stored[1]
    choices = field_choices_for_office(office_id=office_id)
    cache.set(choices_key, (version, choices), FIELD_CHOICES_SECONDS)
    return version, choices


def field_get_for_office(*, office_id: int, pk: int) -> Field:
    field = Field.objects.filter(office_id=office_id, pk=pk).first()
    if field is None:
        raise Http404
    return field


def student_profile_get(*, user) -> StudentProfile:
    """The student's profile, created empty on first use."""
    profile, _ = StudentProfile.objects.get_or_create(user=user)
    return profile


def student_profile_get_with_progress(*, user) -> StudentProfile:
    """The student's profile (created empty on first use) with `has_fields` and
    `has_notes` (any research note): the home's getting-ready steps, in one query
    rather than three."""
    profiles = StudentProfile.objects.filter(user=user).annotate(
        has_fields=Exists(
            StudentProfile.fields.through.objects.filter(studentprofile=OuterRef("pk"))
        ),
        has_notes=Exists(ResearchNote.objects.filter(student=OuterRef("user_id"))),
    )
    profile = profiles.first()
    if profile is None:
        student_profile_get(user=user)
        profile = profiles.first()
    return profile


def student_profile_find(*, user) -> StudentProfile | None:
    """The student's profile with its fields, or None when they have not filled it
    in yet. Never writes: for pages that read someone else's profile (an advisor's
    page of the student), where student_profile_get would create one."""
    return StudentProfile.objects.filter(user=user).prefetch_related("fields").first()


def research_note_list_for_student(*, student) -> QuerySet[ResearchNote]:
    return ResearchNote.objects.filter(student=student).select_related("field")


def research_notes_by_field_for_student(*, student) -> StatementRows:
    """The student's notes as their list shows them: grouped by field (fields by
    name, notes without one last, as "General"), newest first within a field, each
    with its field's name as `field_name`. Sliceable as a Paginator takes it; the
    statement is compiled once per process and page (building it in the ORM cost
    ten times what PostgreSQL spends on it)."""

    def build(values: dict) -> QuerySet[ResearchNote]:
        return (
            ResearchNote.objects.filter(student_id=values["student_id"])
            .annotate(field_name=F("field__name"))
            .order_by(F("field__name").asc(nulls_last=True), "field_id", "-updated_at", "-pk")
        )

    return StatementRows(
        shape=("students.research_notes_by_field",),
        build=build,
        inputs={"student_id": student.pk},
        sentinels={"student_id": 2_000_000_019},
    )


def research_note_get_for_student(*, student, pk: int) -> ResearchNote:
    note = research_note_list_for_student(student=student).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note


def student_profile_figures(*, joined: bool = True) -> dict:
    """A student's programme and graduation year, to annotate a queryset of student
    users with (the advisors' caseload): "" and None when there is no profile.
    `joined`: read through a join of the profile, for a list sorted on them; else
    each is a subquery on the profile's user index, which the database runs only
    for the rows a page returns (where a join reads the profile of every row it
    sorts: 500 for an advisor's caseload, to show 50)."""
    if joined:
        return {
            "programme": Coalesce(F("student_profile__programme"), Value("")),
            "graduation_year": F("student_profile__graduation_year"),
        }
    profile = StudentProfile.objects.filter(user=OuterRef("pk"))
    return {
        "programme": Coalesce(Subquery(profile.values("programme")[:1]), Value("")),
        "graduation_year": Subquery(profile.values("graduation_year")[:1]),
    }


def students_in_field(field_id: int) -> Q:
    """Filter a queryset of student users to those exploring the field."""
    return Q(student_profile__fields=field_id)


# The programmes list is a DISTINCT over every profile of the office (30–50 ms at
# 20,000 students) on every People, caseload and dashboard page: kept in the cache
# under a version of the office's programmes, which student_profile_update replaces
# once a changed programme commits. (Deleting the list instead raced: a reader that
# had queried before the commit stored the old list after the delete, for the hour.)
# The hour bounds what a write outside that service (the admin, a shell) could leave
# stale.
PROGRAMMES_CACHE_SECONDS = 3600


def programmes_cache_keys(office_id: int) -> tuple[str, str]:
    """The keys of programmes_for_office: the version of the office's programmes,
    and the list kept under it."""
    return f"students:programmes-version:{office_id}", f"students:programmes:{office_id}"


def programmes_for_office(*, office_id: int, found: dict | None = None) -> list[str]:
    """The programmes an office's students have entered, for a filter's choices.
    `found` is what the caller's cache.get_many of programmes_cache_keys (with its
    own keys) returned, so that they cost no round trip of their own."""
    version_key, key = programmes_cache_keys(office_id)
    if found is None:
        found = cache.get_many([version_key, key])
    # The version is read before the profiles: a change committed after this read
    # replaces it again, so the list queried here is never taken for the new one.
    version = version_read(version_key, stored=found.get(version_key))
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version:
        return stored[1]
    programmes = list(
        StudentProfile.objects.filter(user__office_id=office_id)
        .exclude(programme="")
        .order_by("programme")
        .values_list("programme", flat=True)
        .distinct()
    )
    cache.set(key, (version, programmes), PROGRAMMES_CACHE_SECONDS)
    return programmes


def students_with_profile(*, programme: str = "", year: int | None = None, prefix: str = "") -> Q:
    """Filter a queryset of users (or of rows whose student is reached by `prefix`,
    such as "student__") to the students of a programme and/or graduation year:
    the people list, assignment rules and the dashboard's cohort. No condition
    given: no filter."""
    q = Q()
    if programme:
        q &= Q(**{f"{prefix}student_profile__programme": programme})
    if year is not None:
        q &= Q(**{f"{prefix}student_profile__graduation_year": year})
    return q


@dataclass(frozen=True)
class Cohort:
    """The students an office's figures count (the dashboard): the office's active
    students and those whose account was erased (issue 11: an erasure keeps their
    anonymised rows so that the office's counts do not change), narrowed to a
    programme and a graduation year when given. The apps that own the data filter
    their own rows with `q`, through the row's student."""

    office_id: int
    programme: str = ""
    graduation_year: int | None = None

    def q(self, prefix: str = "") -> Q:
        """Rows whose student (reached by `prefix`, such as "student__") is in the
        cohort; "" filters a queryset of users."""
        counted = Q(**{f"{prefix}is_active": True}) | Q(**{f"{prefix}erased_at__isnull": False})
        return (
            Q(**{f"{prefix}office_id": self.office_id, f"{prefix}role": Role.STUDENT})
            & counted
            & students_with_profile(
                programme=self.programme, year=self.graduation_year, prefix=prefix
            )
        )


def student_cohort(*, office_id: int, programme: str = "", graduation_year=None) -> Cohort:
    return Cohort(office_id=office_id, programme=programme, graduation_year=graduation_year)


def cohort_students(*, cohort: Cohort) -> QuerySet[User]:
    return User.objects.filter(cohort.q())

"""Reads of the people import (services_import.py): an office admin's imports,
their lines for the preview (paginated in the database, errors first) and their
counts per verdict (one aggregate)."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from apps.advising.models import PeopleImport, PeopleImportRow

Verdict = PeopleImportRow.Verdict


def people_import_get_for_admin(*, admin, pk: int) -> PeopleImport:
    """One import of the admin's office; another office's, or an unknown id, is a 404."""
    people_import = (
        PeopleImport.objects.filter(pk=pk, office_id=admin.office_id)
        .select_related("uploaded_by")
        .first()
    )
    if people_import is None:
        raise Http404
    return people_import


def people_import_counts(*, people_import: PeopleImport) -> dict[str, int]:
    """How many lines have each verdict (every verdict present, 0 when none)."""
    return PeopleImportRow.objects.filter(people_import=people_import).aggregate(
        **{v.value: Count("pk", filter=Q(verdict=v.value)) for v in Verdict}
    )


def people_import_rows(*, people_import: PeopleImport, verdict: str = "") -> QuerySet:
    """The import's lines, errors first, then in file order; only one verdict's when
    asked."""
    rows = PeopleImportRow.objects.filter(people_import=people_import).select_related("advisor")
    if verdict:
        rows = rows.filter(verdict=verdict)
    return rows.annotate(
        error_first=Case(
            When(verdict=Verdict.ERROR, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("error_first", "line")


def people_import_same_file_before(*, people_import: PeopleImport) -> PeopleImport | None:
    """The latest earlier import of the same file (same bytes) in the office."""
    return (
        PeopleImport.objects.filter(
            office_id=people_import.office_id,
            digest=people_import.digest,
            created_at__lte=people_import.created_at,
        )
        .exclude(pk=people_import.pk)
        .order_by("-created_at", "-pk")
        .first()
    )

"""Reads of the office's access log and audit trail (AccessRecord): the office
admin's view of all of it, and a student's view of who read their records."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from apps.advising.models import AccessRecord


@dataclass(frozen=True)
class AuditQuery:
    """What the office admin asked for (validated by forms_audit.AuditFilterForm)."""

    q: str = ""
    what: str = ""
    start: date | None = None
    end: date | None = None


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def audit_search_for_admin(*, admin, query: AuditQuery) -> QuerySet[AccessRecord]:
    """The admin's office's log, newest first, filtered: `q` in the name or email of
    who did it or whom it was about; dates are the office's days, both included."""
    qs = AccessRecord.objects.filter(office_id=admin.office_id).select_related("actor", "subject")
    if query.q:
        qs = qs.filter(
            Q(actor__full_name__icontains=query.q)
            | Q(actor__email__icontains=query.q)
            | Q(subject__full_name__icontains=query.q)
            | Q(subject__email__icontains=query.q)
            | Q(detail__icontains=query.q)
        )
    if query.what:
        qs = qs.filter(what=query.what)
    zone = admin.office.time_zone
    if query.start:
        qs = qs.filter(at__gte=_day_start(query.start, zone))
    if query.end:
        qs = qs.filter(at__lt=_day_start(query.end + timedelta(days=1), zone))
    return qs.order_by("-at", "-pk")


def record_reads_for_student(*, student) -> QuerySet[AccessRecord]:
    """Who read the student's records, and when: the log's reads about them, newest
    first (not the office's other changes)."""
    return (
        AccessRecord.objects.filter(subject=student, what__in=AccessRecord.READS)
        .select_related("actor")
        .order_by("-at", "-pk")
    )

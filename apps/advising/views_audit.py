"""The office's access log and audit trail at /office/audit/ (office admins: browse,
filter, export) and, for a student, who has read their records at
/me/record-access/."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from apps.accounts.permissions import office_admin_required, student_only
from apps.advising import selectors_audit, services
from apps.advising.forms_audit import AuditFilterForm
from apps.advising.models import AccessRecord
from apps.core.csv_cells import csv_cell_safe, csv_streaming_response

PAGE_SIZE = 50


@office_admin_required
@require_GET
def office_audit(request):
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "advising/audit.html", {"form": form}, status=400)
    records = selectors_audit.audit_search_for_admin(admin=request.user, query=form.query())
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "advising/audit.html", {"form": form, "page": page})


CSV_HEADER = [
    gettext_lazy("When"),
    gettext_lazy("Who"),
    gettext_lazy("Who (email)"),
    gettext_lazy("What"),
    gettext_lazy("Whose"),
    gettext_lazy("Whose (email)"),
    gettext_lazy("Detail"),
    gettext_lazy("From"),
]


def _rows(records):
    yield [str(h) for h in CSV_HEADER]
    for record in records.iterator(chunk_size=2000):
        yield [
            csv_cell_safe(value)
            for value in (
                timezone.localtime(record.at).isoformat(timespec="seconds"),
                record.actor.full_name,
                record.actor.email,
                record.get_what_display(),
                record.subject.full_name if record.subject else "",
                record.subject.email if record.subject else "",
                record.detail,
                record.ip or "",
            )
        ]


@office_admin_required
@require_GET
def office_audit_csv(request):
    """What the page's filters select, every page of it. The export is itself logged."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "advising/audit.html", {"form": form}, status=400)
    records = selectors_audit.audit_search_for_admin(admin=request.user, query=form.query())
    services.access_record(
        actor=request.user, what=AccessRecord.What.AUDIT_CSV, detail=request.GET.urlencode()
    )
    return csv_streaming_response(_rows(records), filename="access-log.csv")


@student_only
@require_GET
def record_access(request):
    """Who has read the student's records: their advisors and office admins, when."""
    records = selectors_audit.record_reads_for_student(student=request.user)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "advising/record_access.html", {"page": page})

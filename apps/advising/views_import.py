"""The people import pages at /office/people/import/: upload a CSV, preview what
each line will do, confirm, watch the progress. The work is in services_import.py."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import office_admin_required
from apps.advising import selectors_import as selectors
from apps.advising import services_import as services
from apps.advising.forms_import import PeopleImportRowsForm, PeopleImportUploadForm
from apps.advising.models import PeopleImport, PeopleImportRow

PAGE_SIZE = 50


@office_admin_required
def people_import(request):
    form = PeopleImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                people_import = services.people_import_parse(
                    admin=request.user, upload=form.cleaned_data["file"]
                )
            except services.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("people_import_detail", pk=people_import.pk)
        status = 400
    return render(
        request,
        "advising/people_import.html",
        {"form": form, "max_rows": services.MAX_ROWS},
        status=status,
    )


@office_admin_required
@require_GET
def people_import_template(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fieldnotes-people-template.csv"'
    # The byte order mark makes Excel read the file as UTF-8.
    response.write("\ufeff")
    csv.writer(response, lineterminator="\r\n").writerows(services.TEMPLATE_ROWS)
    return response


def _context(people_import: PeopleImport) -> dict:
    return {"people_import": people_import, "statuses": PeopleImport.Status}


@office_admin_required
@require_GET
def people_import_detail(request, pk: int):
    """The preview (counts, the lines errors first, the confirm button) and, once
    confirmed, the progress and what each line came to."""
    people_import = selectors.people_import_get_for_admin(admin=request.user, pk=pk)
    form = PeopleImportRowsForm(request.GET)
    verdict = form.cleaned_data["verdict"] if form.is_valid() else ""
    rows = selectors.people_import_rows(people_import=people_import, verdict=verdict)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.people_import_counts(people_import=people_import)
    context = _context(people_import)
    context.update(
        {
            "form": form,
            "page": page,
            "counts": counts,
            "verdicts": PeopleImportRow.Verdict,
            "to_send": counts["invite"] + counts["assign"],
            "same_file_before": selectors.people_import_same_file_before(
                people_import=people_import
            ),
        }
    )
    return render(request, "advising/people_import_detail.html", context)


@office_admin_required
@require_GET
def people_import_progress(request, pk: int):
    """The progress fragment the detail page polls (htmx) while the import runs."""
    people_import = selectors.people_import_get_for_admin(admin=request.user, pk=pk)
    response = render(request, "advising/_people_import_progress.html", _context(people_import))
    if request.htmx and people_import.status != PeopleImport.Status.RUNNING:
        # Finished while the page polled: reload it whole, so the table of lines
        # shows what was done with each (the fragment only holds the summary).
        response["HX-Refresh"] = "true"
    return response


@office_admin_required
@require_POST
def people_import_confirm(request, pk: int):
    people_import = selectors.people_import_get_for_admin(admin=request.user, pk=pk)
    try:
        services.people_import_confirm(admin=request.user, people_import=people_import)
    except services.ImportStateError:
        messages.info(request, _("This file was already confirmed; nothing is sent twice."))
    return redirect("people_import_detail", pk=people_import.pk)

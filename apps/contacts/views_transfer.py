"""Import, export and vCard pages of the contact book. The work is in transfer.py."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import student_only
from apps.contacts import selectors, transfer
from apps.contacts.enums import ImportStatus
from apps.contacts.forms import ContactFilterForm
from apps.contacts.forms_transfer import ContactImportConfirmForm, ContactImportUploadForm


def _attachment(content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@student_only
def contact_import(request):
    form = ContactImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                contact_import = transfer.contact_import_parse(
                    student=request.user, upload=form.cleaned_data["file"]
                )
            except transfer.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("contact_import_detail", pk=contact_import.pk)
        status = 400
    return render(request, "contacts/transfer_import.html", {"form": form}, status=status)


@student_only
@require_GET
def contact_import_template(request):
    response = _attachment("text/csv; charset=utf-8", "fieldnotes-contacts-template.csv")
    response.write("\ufeff")
    transfer.contact_import_template_csv(out=response)
    return response


def _import_context(contact_import):
    return {
        "contact_import": contact_import,
        "summary": transfer.contact_import_summary(contact_import=contact_import),
        "statuses": ImportStatus,
    }


@student_only
@require_GET
def contact_import_detail(request, pk):
    contact_import = transfer.contact_import_get_for_student(student=request.user, pk=pk)
    context = _import_context(contact_import)
    context["confirm_form"] = ContactImportConfirmForm()
    return render(request, "contacts/transfer_import_detail.html", context)


@student_only
@require_GET
def contact_import_progress(request, pk):
    contact_import = transfer.contact_import_get_for_student(student=request.user, pk=pk)
    return render(request, "contacts/_transfer_progress.html", _import_context(contact_import))


@student_only
@require_POST
def contact_import_confirm(request, pk):
    contact_import = transfer.contact_import_get_for_student(student=request.user, pk=pk)
    form = ContactImportConfirmForm(request.POST)
    include_duplicates = form.is_valid() and form.cleaned_data["include_duplicates"]
    try:
        transfer.contact_import_confirm(
            student=request.user,
            contact_import=contact_import,
            include_duplicates=include_duplicates,
        )
    except transfer.ImportStateError:
        messages.info(request, _("This import was already confirmed."))
    return redirect("contact_import_detail", pk=contact_import.pk)


@student_only
@require_POST
def contact_import_cancel(request, pk):
    contact_import = transfer.contact_import_get_for_student(student=request.user, pk=pk)
    try:
        transfer.contact_import_cancel(student=request.user, contact_import=contact_import)
    except transfer.ImportStateError:
        messages.info(request, _("This import was already confirmed; it cannot be cancelled."))
        return redirect("contact_import_detail", pk=contact_import.pk)
    messages.success(request, _("Import cancelled. Nothing was added to your contacts."))
    return redirect("contact_import")


@student_only
@require_GET
def contact_export(request):
    filename = f"contacts-{timezone.localdate().isoformat()}.csv"
    response = _attachment("text/csv; charset=utf-8", filename)
    # The byte order mark makes Excel read the file as UTF-8.
    response.write("\ufeff")
    transfer.contacts_export_csv(student=request.user, out=response)
    return response


@student_only
@require_GET
def contacts_vcards(request):
    """The contacts the list shows with these filters (the whole book without any),
    every page of them, as one .vcf that address books import in one go."""
    form = ContactFilterForm(request.GET or None, office_id=request.user.office_id)
    contacts = selectors.contact_list_for_student(student=request.user, **form.selector_kwargs())
    response = _attachment(
        "text/vcard; charset=utf-8", f"contacts-{timezone.localdate().isoformat()}.vcf"
    )
    for contact in contacts[: transfer.MAX_ROWS].iterator(chunk_size=500):
        response.write(transfer.contact_vcard(contact=contact))
    return response


@student_only
@require_GET
def contact_vcard(request, pk):
    contact = selectors.contact_get_for_student(student=request.user, pk=pk)
    response = _attachment(
        "text/vcard; charset=utf-8", f"{slugify(contact.full_name) or 'contact'}.vcf"
    )
    response.write(transfer.contact_vcard(contact=contact))
    return response

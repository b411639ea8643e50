"""Data rights pages: a student's or volunteer's export (/profile/export/) and
deletion request (/profile/delete/), and the office admin's pending requests
(/office/deletions/)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.permissions import office_admin_required, participant
from apps.advising import rights, selectors_rights
from apps.advising.forms_rights import ErasureRequestForm

PAGE_SIZE = 50


@participant
@require_http_methods(["GET", "POST"])
def profile_export(request):
    """GET explains what the download holds; POST builds it and sends it."""
    if request.method == "POST":
        try:
            folder, archive = rights.data_export_build(user=request.user)
        except rights.RightsError as exc:
            return render(
                request,
                "advising/rights_export.html",
                {"error": str(exc), "next_at": rights.data_export_next_at(user=request.user)},
                status=429,
            )
        return FileResponse(
            archive, as_attachment=True, filename=f"{folder}.zip", content_type="application/zip"
        )
    return render(
        request,
        "advising/rights_export.html",
        {"next_at": rights.data_export_next_at(user=request.user)},
    )


@participant
@require_http_methods(["GET", "POST"])
def profile_delete(request):
    user = request.user
    form = ErasureRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            if rights.erasure_cancel(user=user):
                messages.success(request, _("Your deletion request is cancelled."))
            return redirect("profile_delete")
        if form.is_valid():
            try:
                rights.erasure_request(user=user, password=form.cleaned_data["password"])
            except rights.RightsError as exc:
                form.add_error("password", str(exc))
            else:
                messages.success(request, _("Your deletion request is recorded."))
                return redirect("profile_delete")
        status = 400
    return render(
        request,
        "advising/rights_delete.html",
        {
            "form": form,
            "due_at": rights.erasure_due_at(user),
            "grace_days": rights.GRACE.days,
        },
        status=status,
    )


@office_admin_required
@require_GET
def office_erasures(request):
    requests = selectors_rights.erasure_requests_for_admin(admin=request.user)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(user, rights.erasure_due_at(user)) for user in page.object_list]
    return render(
        request,
        "advising/office_erasures.html",
        {"page": page, "rows": rows, "grace_days": rights.GRACE.days},
    )


@office_admin_required
@require_http_methods(["GET", "POST"])
def office_erasure_carry_out(request, pk: int):
    """GET asks to confirm (it cannot be undone); POST carries it out."""
    user = selectors_rights.erasure_request_for_admin(admin=request.user, pk=pk)
    if request.method == "GET":
        return render(
            request,
            "advising/office_erasure_confirm.html",
            {"person": user, "due_at": rights.erasure_due_at(user)},
        )
    rights.erasure_carry_out(admin=request.user, user=user)
    messages.success(request, _("The account's personal data is deleted."))
    return redirect("office_erasures")

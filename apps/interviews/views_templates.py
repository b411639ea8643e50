"""The office's request templates: office admins list, write, preview and archive
the wording students start their requests from. Advisors who are not admins are
refused like everyone else, as on every other office admin page. Every form works
without JavaScript; with htmx the preview follows the typing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import office_admin_required
from apps.core.feedback import error_messages, form_add_errors
from apps.core.rendering import render_list
from apps.interviews import selectors, services
from apps.interviews.forms import RequestTemplateForm
from apps.interviews.request_check import PLACEHOLDERS


@office_admin_required
def request_template_list(request):
    office_id = request.user.office_id
    templates = list(selectors.request_template_list_for_office(office_id=office_id))
    if not any(t.is_default and t.archived_at is None for t in templates):
        # An office that never had templates gets the built-in wording as its default.
        services.request_template_ensure_default(office_id=office_id)
        templates = list(selectors.request_template_list_for_office(office_id=office_id))
    return render_list(
        request,
        "interviews/requesttemplate_list.html",
        {
            "active": [t for t in templates if t.archived_at is None],
            "archived": [t for t in templates if t.archived_at is not None],
        },
    )


def _form_page(request, *, form, template=None, status=200, preview=None):
    return render(
        request,
        "interviews/requesttemplate_form.html",
        {
            "form": form,
            "template": template,
            "placeholders": PLACEHOLDERS.items(),
            "preview": preview,
        },
        status=status,
    )


def _preview_of(request, form) -> dict:
    return selectors.request_template_preview(
        office=request.user.office,
        subject=form["subject"].value() or "",
        body=form["body"].value() or "",
    )


def _save(request, *, template=None):
    form = RequestTemplateForm(request.POST)
    if request.POST.get("action") == "preview":
        return _form_page(request, form=form, template=template, preview=_preview_of(request, form))
    if form.is_valid():
        try:
            if template is None:
                saved = services.request_template_create(admin=request.user, **form.cleaned_data)
            else:
                saved = services.request_template_update(
                    admin=request.user, template=template, **form.cleaned_data
                )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": saved.name})
            return redirect("office_request_templates")
    return _form_page(
        request, form=form, template=template, status=400, preview=_preview_of(request, form)
    )


@office_admin_required
def request_template_create(request):
    if request.method == "POST":
        return _save(request)
    return _form_page(request, form=RequestTemplateForm())


@office_admin_required
def request_template_edit(request, pk: int):
    template = selectors.request_template_get_for_office(office_id=request.user.office_id, pk=pk)
    if request.method == "POST":
        return _save(request, template=template)
    form = RequestTemplateForm(
        initial={
            "name": template.name,
            "subject": template.subject,
            "body": template.body,
            "make_default": template.is_default,
        }
    )
    return _form_page(request, form=form, template=template, preview=_preview_of(request, form))


@office_admin_required
@require_POST
def request_template_preview(request):
    """htmx: the preview of the template being typed."""
    form = RequestTemplateForm(request.POST)
    return render(
        request,
        "interviews/_requesttemplate_preview.html",
        {"preview": _preview_of(request, form)},
    )


def _change(request, pk, action, success):
    template = selectors.request_template_get_for_office(office_id=request.user.office_id, pk=pk)
    try:
        action(admin=request.user, template=template)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, success % {"name": template.name})
    return redirect("office_request_templates")


@office_admin_required
@require_POST
def request_template_archive(request, pk: int):
    return _change(
        request,
        pk,
        services.request_template_archive,
        _("“%(name)s” archived: students no longer see it."),
    )


@office_admin_required
@require_POST
def request_template_restore(request, pk: int):
    return _change(
        request,
        pk,
        services.request_template_restore,
        _("“%(name)s” is offered to students again."),
    )

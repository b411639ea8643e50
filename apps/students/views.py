import html

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import office_admin_required, student_only
from apps.core.links import route_path_for_pk
from apps.core.rendering import (
    date_shown,
    page_counted_past_first,
    pagination_html,
    render_list,
    stencil,
    stencil_filled,
)
from apps.students import selectors, services
from apps.students.forms import FieldForm, ResearchNoteForm, StudentProfileForm
from apps.students.job_ask import job_ask_phrases, job_ask_warning
from apps.students.pitch_shape import pitch_shape

# A page of research notes: a student may keep many, the list shows 25 at a time.
NOTES_PAGE_SIZE = 25


def _pitch_warning(pitch: str) -> str:
    phrases = job_ask_phrases(pitch)
    return job_ask_warning(phrases) if phrases else ""


@student_only
def profile_edit(request):
    profile = selectors.student_profile_get(user=request.user)
    form = StudentProfileForm(
        request.POST or None, instance=profile, office_id=request.user.office_id
    )
    if request.method == "POST":
        if form.is_valid():
            services.student_profile_update(profile=profile, **form.cleaned_data)
            if job_ask_phrases(form.cleaned_data["pitch"]):
                # Advice, not a refusal: the pitch is the student's own opening line,
                # saved with the rest of the profile. What a volunteer receives is
                # checked where it is sent (the request page warns about the pitch).
                messages.warning(
                    request,
                    _(
                        "Your profile is saved, but your pitch reads like asking for a job. "
                        "Volunteers see it with your requests: see the note under it."
                    ),
                )
            else:
                messages.success(request, _("Your profile is saved."))
            return redirect("student_profile")
        status = 400
    else:
        status = 200
    pitch = form["pitch"].value() or ""
    return render(
        request,
        "students/studentprofile_form.html",
        {
            "form": form,
            "pitch_stats": services.pitch_stats(pitch),
            "pitch_shape": pitch_shape(pitch),
            "pitch_warning": _pitch_warning(pitch),
            "notes": selectors.research_note_list_for_student(student=request.user)[:5],
        },
        status=status,
    )


@student_only
@require_GET
def pitch_check(request):
    """htmx: the job-ask warning for the pitch being typed, pasted or filled in, and
    (out of band) which parts of the pitch's shape it already has."""
    pitch = request.GET.get("pitch", "")
    return render(
        request,
        "students/_pitch_check.html",
        {"pitch_warning": _pitch_warning(pitch), "pitch_shape": pitch_shape(pitch)},
    )


@student_only
def note_list(request):
    page = page_counted_past_first(
        selectors.research_notes_by_field_for_student(student=request.user),
        request.GET.get("page"),
        NOTES_PAGE_SIZE,
    )
    # The page's notes under their field's heading, in the selector's order (one
    # heading per field: the notes come sorted by field).
    groups = []
    for note in page.object_list:
        if not groups or groups[-1][0] != note.field_id:
            groups.append((note.field_id, note.field_name or _("General"), []))
        groups[-1][2].append(
            (
                route_path_for_pk("research_note_detail", note.pk),
                note.title,
                date_shown(note.updated_at)[1],
                Truncator(note.body).chars(140),
            )
        )
    groups = [(name, rows) for _field, name, rows in groups]
    # Every signed-in page's floor: the content is a stencil kept per language and
    # whether there are notes, filled with the page's own rows (as its template
    # wrote them, escaped here).
    pieces = stencil(_NOTES_TEMPLATE, _NOTES_HOLES, (("has_notes", bool(groups)),))
    pagination = ""
    if page.has_other_pages():
        pagination = f'<div class="mt-3">{pagination_html(request, page)}</div>'
    content = stencil_filled(
        pieces, {"groups": _note_groups_html(groups), "pagination": pagination}
    )
    return render_list(
        request,
        "students/researchnote_list.html",
        {
            "page": page,
            "groups": groups,
            # As {% translate "Research notes" %} left it: not escaped.
            "title": mark_safe(_("Research notes")),  # noqa: S308
            "content": content,
        },
    )


_NOTES_TEMPLATE = "students/_researchnote_list_content.html"
_NOTES_HOLES = ("groups", "pagination")


def _note_groups_html(groups) -> str:
    """What the list's `{% for name, rows in groups %}` loop wrote, each value
    escaped as {{ }} escapes it."""
    e = html.escape
    return "".join(
        f'\n<h2 class="h5 mt-4">{e(name)}</h2>\n<div class="list-group">\n  '
        + "".join(
            f'\n  <a class="list-group-item list-group-item-action" href="{e(path)}">\n'
            f'    <div class="d-flex justify-content-between gap-2"><strong>{e(title)}</strong>'
            f'<small class="text-body-secondary text-nowrap">{e(updated)}</small></div>\n'
            f'    <div class="small text-body-secondary text-truncate">{e(excerpt)}</div>\n'
            "  </a>\n  "
            for path, title, updated, excerpt in rows
        )
        + "\n</div>\n"
        for name, rows in groups
    )


@student_only
def note_detail(request, pk: int):
    note = selectors.research_note_get_for_student(student=request.user, pk=pk)
    return render(request, "students/researchnote_detail.html", {"note": note})


@student_only
def note_edit(request, pk: int | None = None):
    note = selectors.research_note_get_for_student(student=request.user, pk=pk) if pk else None
    form = ResearchNoteForm(request.POST or None, instance=note, office_id=request.user.office_id)
    if request.method == "POST":
        if form.is_valid():
            note = services.research_note_save(student=request.user, note=note, **form.cleaned_data)
            messages.success(request, _("Research note saved."))
            return redirect("research_note_detail", pk=note.pk)
        return render(
            request, "students/researchnote_form.html", {"form": form, "note": note}, status=400
        )
    return render(request, "students/researchnote_form.html", {"form": form, "note": note})


@student_only
@require_POST
def note_delete(request, pk: int):
    note = selectors.research_note_get_for_student(student=request.user, pk=pk)
    services.research_note_delete(student=request.user, note=note)
    messages.success(request, _("Research note deleted."))
    return redirect("research_note_list")


@office_admin_required
def field_list(request):
    office_id = request.user.office_id
    form = FieldForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.field_save(admin=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("name", exc.message_dict.get("name"))
            else:
                messages.success(request, _("Field added."))
                return redirect("office_fields")
        status = 400
    else:
        status = 200
    fields = selectors.field_list_for_office(office_id=office_id, include_inactive=True)
    return render(
        request, "students/field_list.html", {"form": form, "fields": fields}, status=status
    )


@office_admin_required
def field_edit(request, pk: int):
    field = selectors.field_get_for_office(office_id=request.user.office_id, pk=pk)
    form = FieldForm(request.POST or None, instance=field)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.field_save(admin=request.user, field=field, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("name", exc.message_dict.get("name"))
            else:
                messages.success(request, _("Field saved."))
                return redirect("office_fields")
        return render(
            request, "students/field_form.html", {"form": form, "field": field}, status=400
        )
    return render(request, "students/field_form.html", {"form": form, "field": field})


@office_admin_required
@require_POST
def field_seed(request):
    added = services.field_seed_defaults(office=request.user.office)
    messages.success(request, _("%(n)s standard fields added.") % {"n": added})
    return redirect("office_fields")

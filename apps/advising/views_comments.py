"""Comments and coaching notes: the forms the advisor's page of a student and the
student's own pages post to.

Advisors start threads and write coaching notes under /advising/. Replies,
resolving and reopening are under /comments/, because the student posts them too
and students never reach /advising/. Every object comes through a selector scoped
to the user (another student's thread, another office's anything: 404), and every
service checks again who may write (an advisor who is not assigned: 403). Without
JavaScript a refused form comes back on a page of its own, with its errors and what
was typed, status 400; nothing is saved.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.enums import Role
from apps.accounts.permissions import advisor_only, role_required
from apps.advising import services_comments as services
from apps.advising.forms_comments import CoachingNoteForm, CommentForm, ThreadStartForm
from apps.advising.selectors import student_for_advisor
from apps.advising.selectors_comments import (
    coaching_note_for_advisor,
    thing_path,
    thread_for_user,
)
from apps.core.feedback import form_add_errors
from apps.core.links import safe_next

# Who takes part in a thread: the student it is about, and advisors.
thread_participant = role_required(Role.STUDENT, Role.ADVISOR)


def _student_page(student) -> str:
    return reverse("advising_student", args=[student.pk])


def _refused(request, form, *, title: str, action: str, back: str, thread=None):
    """The form again, with its errors and what was typed: nothing was saved."""
    return render(
        request,
        "advising/comment_form.html",
        {"form": form, "title": title, "action": action, "back": back, "thread": thread},
        status=400,
    )


@advisor_only
@require_POST
def comment_start(request, pk: int):
    student = student_for_advisor(advisor=request.user, pk=pk)
    back = safe_next(request, _student_page(student))
    form = ThreadStartForm(request.POST)
    title = _("Comment")
    action = reverse("advising_comment_start", args=[student.pk])
    if not form.is_valid():
        return _refused(request, form, title=title, action=action, back=back)
    try:
        services.comment_thread_start(
            advisor=request.user,
            student=student,
            on=form.cleaned_data["on"],
            interview_id=form.cleaned_data["interview"],
            body=form.cleaned_data["body"],
        )
    except ValidationError as exc:
        form_add_errors(form, exc)
        return _refused(request, form, title=title, action=action, back=back)
    messages.success(
        request, _("Comment posted. %(name)s is told by email.") % {"name": student.full_name}
    )
    return redirect(back)


def _back_from_thread(request, thread) -> str:
    default = (
        thing_path(thread)
        if request.user.role == Role.STUDENT
        else f"{_student_page(thread.student)}#thread-{thread.pk}"
    )
    return safe_next(request, default)


@thread_participant
@require_POST
def comment_reply(request, pk: int):
    thread = thread_for_user(user=request.user, pk=pk)
    back = _back_from_thread(request, thread)
    form = CommentForm(request.POST)
    action = reverse("comment_reply", args=[thread.pk])
    if not form.is_valid():
        return _refused(request, form, title=_("Reply"), action=action, back=back, thread=thread)
    try:
        services.comment_reply(user=request.user, thread=thread, body=form.cleaned_data["body"])
    except ValidationError as exc:
        form_add_errors(form, exc)
        return _refused(request, form, title=_("Reply"), action=action, back=back, thread=thread)
    messages.success(request, _("Reply posted."))
    return redirect(back)


@thread_participant
@require_POST
def comment_resolve(request, pk: int):
    thread = thread_for_user(user=request.user, pk=pk)
    if services.comment_thread_resolve(user=request.user, thread=thread):
        messages.success(request, _("Marked resolved."))
    return redirect(_back_from_thread(request, thread))


@thread_participant
@require_POST
def comment_reopen(request, pk: int):
    thread = thread_for_user(user=request.user, pk=pk)
    if services.comment_thread_reopen(user=request.user, thread=thread):
        messages.success(request, _("Reopened."))
    return redirect(_back_from_thread(request, thread))


# --- Coaching notes ----------------------------------------------------------------


@advisor_only
@require_POST
def coaching_note_add(request, pk: int):
    student = student_for_advisor(advisor=request.user, pk=pk)
    back = f"{_student_page(student)}#coaching-notes"
    form = CoachingNoteForm(request.POST, auto_id="id_note_%s")
    title = _("Coaching note")
    action = reverse("advising_coaching_note_add", args=[student.pk])
    if not form.is_valid():
        return _refused(request, form, title=title, action=action, back=back)
    try:
        services.coaching_note_add(
            advisor=request.user, student=student, body=form.cleaned_data["body"]
        )
    except ValidationError as exc:
        form_add_errors(form, exc)
        return _refused(request, form, title=title, action=action, back=back)
    messages.success(request, _("Coaching note saved. Only advisors see it."))
    return redirect(back)


@advisor_only
@require_http_methods(["GET", "POST"])
def coaching_note_edit(request, pk: int):
    note = coaching_note_for_advisor(advisor=request.user, pk=pk)
    back = f"{_student_page(note.student)}#coaching-notes"
    action = reverse("advising_coaching_note_edit", args=[note.pk])
    title = _("Edit coaching note")
    if request.method == "GET":
        # Only its author may change it: others are refused before seeing a form.
        services.coaching_note_check_author(advisor=request.user, note=note)
        form = CoachingNoteForm(initial={"body": note.body}, auto_id="id_note_%s")
        return render(
            request,
            "advising/comment_form.html",
            {"form": form, "title": title, "action": action, "back": back},
        )
    form = CoachingNoteForm(request.POST, auto_id="id_note_%s")
    if not form.is_valid():
        services.coaching_note_check_author(advisor=request.user, note=note)
        return _refused(request, form, title=title, action=action, back=back)
    try:
        services.coaching_note_edit(advisor=request.user, note=note, body=form.cleaned_data["body"])
    except ValidationError as exc:
        form_add_errors(form, exc)
        return _refused(request, form, title=title, action=action, back=back)
    messages.success(request, _("Coaching note saved."))
    return redirect(back)


@advisor_only
@require_POST
def coaching_note_delete(request, pk: int):
    note = coaching_note_for_advisor(advisor=request.user, pk=pk)
    back = f"{_student_page(note.student)}#coaching-notes"
    services.coaching_note_delete(advisor=request.user, note=note)
    messages.success(request, _("Coaching note deleted."))
    return redirect(back)

"""The student's pages around one conversation: prepare the questions, run the
meeting, write up the notes and referrals; and the map of who led to whom.

Every page is the student's own: the interview comes from
`interview_get_for_student`, so another student's or office's id is a 404. Pages
work without JavaScript; with htmx the question list and check-offs update in place.
"""

import json
from contextlib import suppress

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import student_only
from apps.contacts.enums import Stage
from apps.core.feedback import error_messages, form_add_errors
from apps.core.rendering import render_list
from apps.interviews import selectors, services
from apps.interviews.enums import State
from apps.interviews.forms_prepare import (
    FIELD_FIT_CHOICES,
    NotesForm,
    QuestionWriteForm,
    QuickNotesForm,
    ReferralFormSet,
)
from apps.interviews.selectors import interview_get_for_student, question_bank_for_office
from apps.interviews.services import interview_complete
from apps.students.selectors import student_profile_get


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _interview(request, pk: int):
    return interview_get_for_student(student=request.user, pk=pk)


def _htmx_error(text: str, *, target: str) -> HttpResponse:
    """A refusal shown in the page's status region instead of the element asked for."""
    response = HttpResponse(escape(text), status=400)
    response["HX-Retarget"] = target
    response["HX-Reswap"] = "innerHTML"
    return response


# --- Prepare --------------------------------------------------------------------------


def _render_prepare(
    request, interview, *, status=200, partial=False, write_form=None, errors=(), announce=""
):
    prepared = list(selectors.prepared_questions_for_interview(interview=interview))
    editable = interview.state in selectors.EDITABLE_STATES
    context = {
        "interview": interview,
        "questions": prepared,
        "editable": editable,
        "outside_advice": selectors.question_count_advice(len(prepared)),
        "advised_min": selectors.ADVISED_MIN,
        "advised_max": selectors.ADVISED_MAX,
        "text_max": selectors.TEXT_MAX,
        "write_form": write_form or QuestionWriteForm(),
        "errors": errors,
        "announce": announce,
        "can_share": (
            interview.volunteer_id is not None
            and interview.state in selectors.SHARE_STATES
            and interview.questions_shared_at is None
            and bool(prepared)
        ),
        "mailto": (
            selectors.questions_mailto(interview=interview, questions=prepared)
            if interview.volunteer_id is None and prepared and editable
            else ""
        ),
    }
    profile = student_profile_get(user=request.user)
    if editable:
        focus = selectors.question_focus(
            certainty=profile.field_certainty,
            graduation_year=profile.graduation_year,
            today=timezone.localdate(),
        )
        bank = question_bank_for_office(office_id=interview.student.office_id)
        context["focus"] = focus
        context["bank"] = selectors.question_bank_grouped(
            questions=bank,
            on_list_ids={p.source_id for p in prepared if p.source_id},
            suggested=focus["topics"],
        )
    if partial:
        return render(request, "interviews/_prep_workspace.html", context, status=status)
    context["profile"] = profile
    return render(request, "interviews/prepare_detail.html", context, status=status)


def _prepare_url(interview, anchor="questions") -> str:
    return f"{reverse('interview_prepare', args=[interview.pk])}#{anchor}"


@student_only
@require_GET
def prepare(request, pk: int):
    interview = _interview(request, pk)
    if interview.state not in selectors.VIEWABLE_STATES:
        messages.warning(
            request,
            _("This interview is %(state)s, so there is no conversation to prepare for.")
            % {"state": interview.get_state_display().lower()},
        )
        return redirect("interview_detail", pk=interview.pk)
    services.question_bank_ensure(office=interview.student.office)
    return _render_prepare(request, interview)


def _prepare_action(request, interview, action, success: str, *, write_form=None):
    try:
        action()
    except ValidationError as exc:
        if write_form is not None and hasattr(exc, "error_dict"):
            form_add_errors(write_form, exc)
            errors = ()
        else:
            errors = exc.messages
        return _render_prepare(
            request,
            interview,
            status=400,
            partial=_is_htmx(request),
            write_form=write_form,
            errors=errors,
        )
    if _is_htmx(request):
        return _render_prepare(request, interview, partial=True, announce=success)
    messages.success(request, success)
    return redirect(_prepare_url(interview))


@student_only
@require_POST
def question_write(request, pk: int):
    interview = _interview(request, pk)
    form = QuestionWriteForm(request.POST)
    if not form.is_valid():
        return _render_prepare(
            request, interview, status=400, partial=_is_htmx(request), write_form=form
        )
    return _prepare_action(
        request,
        interview,
        lambda: services.prepared_question_add(
            student=request.user, interview=interview, text=form.cleaned_data["text"]
        ),
        _("Question added."),
        write_form=form,
    )


@student_only
@require_POST
def questions_pick(request, pk: int):
    interview = _interview(request, pk)
    try:
        ids = [int(v) for v in request.POST.getlist("questions")]
    except ValueError:
        ids = None
    if ids is None:
        return _render_prepare(
            request,
            interview,
            status=400,
            partial=_is_htmx(request),
            errors=[_("Choose questions from your office's bank.")],
        )
    return _prepare_action(
        request,
        interview,
        lambda: services.prepared_questions_add_from_bank(
            student=request.user, interview=interview, question_ids=ids
        ),
        _("Added to your list."),
    )


@student_only
@require_POST
def question_remove(request, pk: int, question_pk: int):
    interview = _interview(request, pk)
    return _prepare_action(
        request,
        interview,
        lambda: services.prepared_question_remove(
            student=request.user, interview=interview, question_id=question_pk
        ),
        _("Question removed."),
    )


@student_only
@require_POST
def question_move(request, pk: int, question_pk: int):
    interview = _interview(request, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return _render_prepare(
            request,
            interview,
            status=400,
            partial=_is_htmx(request),
            errors=[_("Move a question up or down.")],
        )
    return _prepare_action(
        request,
        interview,
        lambda: services.prepared_question_move(
            student=request.user,
            interview=interview,
            question_id=question_pk,
            offset=-1 if direction == "up" else 1,
        ),
        _("Moved up.") if direction == "up" else _("Moved down."),
    )


@student_only
@require_POST
def questions_reorder(request, pk: int):
    """Drag and drop: the whole new order as JSON {"order": [question ids]}."""
    interview = _interview(request, pk)
    try:
        payload = json.loads(request.body)
        ids = [int(i) for i in payload["order"]]
        services.prepared_questions_reorder(
            student=request.user, interview=interview, question_ids=ids
        )
    # RecursionError: JSON nested thousands deep (json.loads gives up on it).
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return HttpResponseBadRequest(_("That order does not match your list. Reload the page."))
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    return HttpResponse(status=204)


@student_only
@require_POST
def questions_share(request, pk: int):
    interview = _interview(request, pk)
    try:
        services.interview_questions_share(student=request.user, interview=interview)
    except ValidationError as exc:
        return _render_prepare(request, interview, status=400, errors=exc.messages)
    messages.success(
        request,
        _("Your questions are on their way to %(name)s.") % {"name": interview.contact.full_name},
    )
    return redirect(_prepare_url(interview, "share"))


# --- The meeting ----------------------------------------------------------------------


def _meeting_or_redirect(request, interview):
    problem = selectors.meeting_view_problem(interview=interview)
    if problem is None:
        return None
    messages.warning(request, problem)
    if interview.state == State.COMPLETED:
        return redirect("interview_notes", pk=interview.pk)
    return redirect("interview_detail", pk=interview.pk)


@student_only
@require_GET
def meeting(request, pk: int):
    interview = _interview(request, pk)
    refused = _meeting_or_redirect(request, interview)
    if refused:
        return refused
    notes = selectors.interview_notes_get(interview=interview)
    return render(
        request,
        "interviews/meeting.html",
        {
            "interview": interview,
            "questions": list(selectors.prepared_questions_for_interview(interview=interview)),
            "profile": student_profile_get(user=request.user),
            "quick_notes": notes.quick_notes if notes else "",
            "now": timezone.now(),
        },
    )


@student_only
@require_POST
def question_asked(request, pk: int, question_pk: int):
    interview = _interview(request, pk)
    value = request.POST.get("asked")
    if value not in ("0", "1"):
        return HttpResponseBadRequest(_("Say whether the question was asked."))
    try:
        question = services.prepared_question_set_asked(
            student=request.user,
            interview=interview,
            question_id=question_pk,
            asked=value == "1",
        )
    except ValidationError as exc:
        if _is_htmx(request):
            return _htmx_error(" ".join(exc.messages), target="#meeting-status")
        messages.error(request, " ".join(exc.messages))
        return redirect("interview_meeting", pk=interview.pk)
    if _is_htmx(request):
        return render(
            request,
            "interviews/_prep_meeting_question.html",
            {"interview": interview, "question": question},
        )
    return redirect(f"{reverse('interview_meeting', args=[interview.pk])}#mq-{question.pk}")


@student_only
@require_POST
def quick_notes(request, pk: int):
    interview = _interview(request, pk)
    form = QuickNotesForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.interview_quick_notes_save(
                student=request.user, interview=interview, text=form.cleaned_data["quick_notes"]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(form.errors["quick_notes"])
    if _is_htmx(request):
        return render(
            request,
            "interviews/_prep_quick_notes_status.html",
            {"error": error, "saved_at": timezone.now()},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, _("Your quick notes were not saved: %(why)s") % {"why": error})
        return redirect("interview_meeting", pk=interview.pk)
    messages.success(request, _("Quick notes saved."))
    return redirect(f"{reverse('interview_meeting', args=[interview.pk])}#quick-notes")


@student_only
@require_POST
def meeting_held(request, pk: int):
    interview = _interview(request, pk)
    if interview.state == State.COMPLETED:
        return redirect("interview_notes", pk=interview.pk)
    if "quick_notes" in request.POST:
        # The last words typed may not have been autosaved yet; the meeting page
        # sends them along with this button.
        form = QuickNotesForm(request.POST)
        # A wrong state is reported by interview_complete just below.
        if form.is_valid():
            with suppress(ValidationError):
                services.interview_quick_notes_save(
                    student=request.user,
                    interview=interview,
                    text=form.cleaned_data["quick_notes"],
                )
    try:
        interview_complete(student=request.user, interview=interview)
    except ValidationError as exc:
        error_messages(request, exc)
        back = "interview_meeting" if interview.state == State.SCHEDULED else "interview_detail"
        return redirect(back, pk=interview.pk)
    messages.success(
        request,
        _(
            "Marked as held. Write down what you learned while it is "
            "fresh, and send your thank-you within 24 hours."
        ),
    )
    return redirect("interview_notes", pk=interview.pk)


# --- Notes and referrals ------------------------------------------------------------


def _notes_initial(notes) -> dict:
    if notes is None:
        return {}
    return {name: getattr(notes, name) for name in services.NOTES_FIELDS}


def _render_notes(
    request,
    interview,
    *,
    notes,
    form=None,
    formset=None,
    status=200,
    editing=False,
    referral_errors=(),
):
    has_notes = notes is not None and any(
        getattr(notes, name)
        for name in ("advice", "information", "referrals", "reflection", "field_fit")
    )
    editing = editing or form is not None or not has_notes
    context = {
        "interview": interview,
        "notes": notes,
        "quick_notes": notes.quick_notes if notes else "",
        "referral_list": list(selectors.referral_list_for_interview(interview=interview)),
        "formset": formset or ReferralFormSet(prefix="ref"),
        "referral_errors": referral_errors,
        "has_notes": has_notes,
        "field_fit_label": dict(FIELD_FIT_CHOICES).get(notes.field_fit) if notes else "",
    }
    if editing:
        context["form"] = form or NotesForm(initial=_notes_initial(notes))
        return render(request, "interviews/notes_form.html", context, status=status)
    return render(request, "interviews/notes_detail.html", context, status=status)


def _notes_or_redirect(request, interview):
    if interview.state in (State.COMPLETED, State.SCHEDULED):
        return None
    messages.warning(
        request,
        _("Notes are written after a meeting is held; this interview is %(state)s.")
        % {"state": interview.get_state_display().lower()},
    )
    return redirect("interview_detail", pk=interview.pk)


@student_only
@require_http_methods(["GET", "POST"])
def notes(request, pk: int):
    interview = _interview(request, pk)
    refused = _notes_or_redirect(request, interview)
    if refused:
        return refused
    if interview.state == State.SCHEDULED:
        return render(
            request,
            "interviews/notes_detail.html",
            {"interview": interview, "not_held": True},
            status=400 if request.method == "POST" else 200,
        )
    saved = selectors.interview_notes_get(interview=interview)
    if request.method == "GET":
        return _render_notes(request, interview, notes=saved, editing="edit" in request.GET)
    form = NotesForm(request.POST)
    if form.is_valid():
        try:
            services.interview_notes_save(
                student=request.user, interview=interview, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Notes saved."))
            return redirect("interview_notes", pk=interview.pk)
    return _render_notes(request, interview, notes=saved, form=form, status=400)


@student_only
@require_POST
def referrals_add(request, pk: int):
    interview = _interview(request, pk)
    refused = _notes_or_redirect(request, interview)
    if refused:
        return refused
    formset = ReferralFormSet(request.POST, prefix="ref")
    saved = selectors.interview_notes_get(interview=interview)
    if not formset.is_valid():
        return _render_notes(request, interview, notes=saved, formset=formset, status=400)
    try:
        outcomes = services.referrals_add(
            student=request.user, interview=interview, people=formset.people()
        )
    except ValidationError as exc:
        return _render_notes(
            request,
            interview,
            notes=saved,
            formset=formset,
            status=400,
            referral_errors=exc.messages,
        )
    for outcome in outcomes:
        name = outcome.contact.full_name
        if outcome.existing and outcome.contact.archived_at is not None:
            messages.info(
                request,
                _(
                    "%(name)s is in your archived contacts, so this referral is linked to them. "
                    "Restore them from their page to put them back in your book."
                )
                % {"name": name},
            )
        elif outcome.existing:
            messages.info(
                request,
                _("%(name)s was already in your contacts, so this referral is linked to them.")
                % {"name": name},
            )
        else:
            messages.success(
                request, _("%(name)s is in your contacts and on your target list.") % {"name": name}
            )
    return redirect(f"{reverse('interview_notes', args=[interview.pk])}#referrals")


# --- The referral map -----------------------------------------------------------------


@student_only
@require_GET
def referral_map(request):
    return render_list(
        request,
        "interviews/referral_map.html",
        {
            "map": selectors.referral_map_for_student(student=request.user),
            "stages": Stage.choices,
        },
    )

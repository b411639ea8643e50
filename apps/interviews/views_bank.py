"""The office's question bank: office admins add, edit, retire, restore and order
the questions students pick from. Advisors who are not admins are refused like
everyone else, as on every other office admin page; another office's question is
a 404 because every question comes from `bank_question_get_for_office`. Every
action is a plain form POST: no JavaScript needed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import office_admin_required
from apps.core.feedback import form_add_errors
from apps.core.rendering import render_list
from apps.interviews import selectors, services
from apps.interviews.forms_bank import BankQuestionForm

MOVES = {"up": -1, "down": 1}


def _list_url(question=None) -> str:
    url = reverse("office_questions")
    return f"{url}#question-{question.pk}" if question is not None else url


def _render_list(request, *, status=200, errors=()):
    office_id = request.user.office_id
    active = list(selectors.bank_questions_active(office_id=office_id))
    retired = Paginator(
        selectors.bank_questions_retired(office_id=office_id), selectors.RETIRED_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    retired.object_list = list(retired.object_list)
    return render_list(
        request,
        "interviews/question_bank.html",
        {
            "groups": selectors.bank_groups(questions=active),
            "active_count": len(active),
            "max_active": selectors.MAX_ACTIVE_QUESTIONS,
            "page": retired,
            "errors": errors,
        },
        status=status,
    )


@office_admin_required
def question_bank(request):
    # An office whose admin opens the bank before any student did sees the
    # standard bank it starts from, not an empty page.
    services.question_bank_ensure(office=request.user.office)
    return _render_list(request)


def _form_page(request, *, form, question=None, status=200):
    return render(
        request,
        "interviews/question_form.html",
        {"form": form, "question": question},
        status=status,
    )


def _save(request, *, question=None):
    form = BankQuestionForm(request.POST)
    if form.is_valid():
        try:
            if question is None:
                saved = services.bank_question_add(admin=request.user, **form.cleaned_data)
            else:
                saved = services.bank_question_update(
                    admin=request.user, question=question, **form.cleaned_data
                )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Question saved. Students pick it from the bank from now on; lists that "
                    "already hold it keep their wording."
                )
                if question is not None
                else _("Question added at the end of its topic."),
            )
            return redirect(_list_url(saved))
    return _form_page(request, form=form, question=question, status=400)


@office_admin_required
def question_create(request):
    if request.method == "POST":
        return _save(request)
    return _form_page(request, form=BankQuestionForm(initial={"topic": request.GET.get("topic")}))


@office_admin_required
def question_edit(request, pk: int):
    question = selectors.bank_question_get_for_office(office_id=request.user.office_id, pk=pk)
    if request.method == "POST":
        return _save(request, question=question)
    form = BankQuestionForm(initial={"topic": question.topic, "text": question.text})
    return _form_page(request, form=form, question=question)


def _change(request, pk: int, action, success: str, **kwargs):
    question = selectors.bank_question_get_for_office(office_id=request.user.office_id, pk=pk)
    try:
        question = action(admin=request.user, question=question, **kwargs)
    except ValidationError as exc:
        return _render_list(request, status=400, errors=exc.messages)
    messages.success(request, success)
    return redirect(_list_url(question))


@office_admin_required
@require_POST
def question_retire(request, pk: int):
    return _change(
        request,
        pk,
        services.bank_question_retire,
        _("Question retired: students no longer see it; lists that hold it keep it."),
    )


@office_admin_required
@require_POST
def question_restore(request, pk: int):
    return _change(
        request,
        pk,
        services.bank_question_restore,
        _("Question restored at the end of its topic."),
    )


@office_admin_required
@require_POST
def question_move(request, pk: int):
    # Found first: another office's id is a 404 whatever was posted.
    selectors.bank_question_get_for_office(office_id=request.user.office_id, pk=pk)
    offset = MOVES.get(request.POST.get("direction", ""))
    if offset is None:
        return HttpResponseBadRequest(_("Move a question up or down."))
    return _change(request, pk, services.bank_question_move, _("Question moved."), offset=offset)

"""One conversation, for both sides: the student's interview page and what either
side does from it (a message, a new time, a cancellation), and the student's
steps (withdraw, book a time, held, no-show, a reply recorded)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.enums import Role
from apps.accounts.permissions import participant, student_only
from apps.core.feedback import error_messages, unsent_keep
from apps.core.rendering import LocalDates
from apps.interviews import detail, selectors, services
from apps.interviews.enums import OPEN_STATES, Channel, State
from apps.interviews.forms import (
    MessageForm,
    ReasonForm,
    RecordReplyForm,
    RescheduleForm,
)
from apps.interviews.models import Interview


@student_only
def interview_detail(request, pk: int):
    interview = selectors.interview_page_for_student(student=request.user, pk=pk)
    state = interview.state
    events = detail.event_rows(interview.pk)
    context = {
        "interview": interview,
        "contact": interview.contact,
        "events": events,
        "timeline_html": detail.timeline_html(events, dates=LocalDates(get_language())),
        # Read only where the page offers them: a yes waiting for a time.
        "slots": detail.slot_rows(interview) if state == State.ACCEPTED else [],
        "paths": detail.paths(interview),
        **detail.shown(interview),
        "reply_form": RecordReplyForm()
        if state == State.REQUESTED and interview.channel == Channel.OWN
        else None,
        "can_message": state in OPEN_STATES and interview.channel == Channel.PLATFORM,
        "next_contact": selectors.next_ranked_contact(interview=interview)
        if state in (State.DECLINED, State.EXPIRED)
        else None,
        "volunteer_shares": _shared_details(interview),
    }
    return render(request, "interviews/interview_detail.html", context)


def _shared_details(interview: Interview) -> dict:
    """What the volunteer chose to share, once they accepted; nothing before."""
    if not interview.volunteer_id or interview.state not in (
        State.ACCEPTED,
        State.SCHEDULED,
        State.COMPLETED,
        State.NO_SHOW,
        State.CANCELLED,
    ):
        return {}
    volunteer = interview.volunteer
    return {
        "email": volunteer.user.email if volunteer.share_email_on_accept else "",
        "phone": volunteer.phone if volunteer.share_phone_on_accept else "",
    }


def _student_action(request, pk, action, success, *, success_url: str | None = None):
    """Run action on the student's interview; on success redirect to success_url (a
    URL name) if given, otherwise, and always on error, back to the interview."""
    interview = selectors.interview_get_for_student(student=request.user, pk=pk)
    try:
        action(interview)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, success)
        if success_url is not None:
            return redirect(success_url)
    return redirect("interview_detail", pk=interview.pk)


@student_only
@require_POST
def draft_discard(request, pk: int):
    return _student_action(
        request,
        pk,
        lambda i: services.interview_draft_discard(student=request.user, interview=i),
        _("Draft discarded."),
        success_url="interview_list",
    )


@student_only
@require_POST
def withdraw(request, pk: int):
    return _student_action(
        request,
        pk,
        lambda i: services.interview_withdraw(student=request.user, interview=i),
        _("Request withdrawn."),
    )


@student_only
@require_POST
def book(request, pk: int):
    # The slot is read after the interview is found: another student's id is a 404
    # whatever was posted.
    def book_slot(interview):
        try:
            slot_id = int(request.POST.get("slot", ""))
        except ValueError:
            raise ValidationError(_("Choose one of the offered times.")) from None
        services.interview_book_slot(student=request.user, interview=interview, slot_id=slot_id)

    return _student_action(
        request, pk, book_slot, _("Booked. A calendar invitation is on its way to you both.")
    )


@student_only
@require_POST
def complete(request, pk: int):
    interview = selectors.interview_get_for_student(student=request.user, pk=pk)
    try:
        services.interview_complete(student=request.user, interview=interview)
    except ValidationError as exc:
        error_messages(request, exc)
        return redirect("interview_detail", pk=pk)
    messages.success(
        request,
        _(
            "Marked as held. Write down what you learned while it is fresh, "
            "and send your thank-you within 24 hours."
        ),
    )
    return redirect("interview_detail", pk=pk)


@student_only
@require_POST
def no_show(request, pk: int):
    return _student_action(
        request,
        pk,
        lambda i: services.interview_no_show(student=request.user, interview=i),
        _("Marked as a no-show."),
    )


@student_only
@require_POST
def record_reply(request, pk: int):
    interview = selectors.interview_get_for_student(student=request.user, pk=pk)
    if interview.channel != Channel.OWN:
        raise Http404
    form = RecordReplyForm(request.POST)
    if not form.is_valid():
        error_messages(request, ValidationError(form.errors))
        return redirect("interview_detail", pk=pk)
    data = form.cleaned_data
    try:
        services.interview_record_reply(
            student=request.user,
            interview=interview,
            accepted=data["answer"] == "yes",
            starts_at=data.get("starts_at"),
            format=data.get("format") or "",
            duration_minutes=data.get("duration_minutes"),
            location=data.get("location", ""),
            meeting_url=data.get("meeting_url", ""),
            note=data.get("note", ""),
        )
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("Reply recorded."))
    return redirect("interview_detail", pk=pk)


def _participant_interview(request, pk):
    if request.user.role == Role.STUDENT:
        return selectors.interview_get_for_student(student=request.user, pk=pk)
    return selectors.interview_get_for_volunteer(user=request.user, pk=pk)


def _back(request, interview):
    if request.user.role == Role.STUDENT:
        return redirect("interview_detail", pk=interview.pk)
    return redirect("inbox_detail", pk=interview.pk)


def _participant_action(
    request, pk: int, form_class, act, success: str, invalid: str = "", keep: str = ""
):
    """What either side does from the conversation's page (a message, a new time, a
    cancellation): bind the form, call the service, say how it went, and go back to
    the page. `invalid` says "required" better than the form; any other error is the
    form's own. The text of the field `keep` survives a refusal, for the page to
    put back."""
    interview = _participant_interview(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.as_data().values():
            for error in errors:
                if invalid and error.code == "required":
                    messages.error(request, invalid)
                else:
                    messages.error(request, " ".join(error.messages))
        if keep:
            unsent_keep(request, f"{keep}:{interview.pk}", request.POST.get(keep, ""))
        return _back(request, interview)
    try:
        act(interview, form.cleaned_data)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, success)
    return _back(request, interview)


@participant
@require_POST
def message(request, pk: int):
    return _participant_action(
        request,
        pk,
        MessageForm,
        lambda interview, data: services.interview_message(
            actor=request.user, interview=interview, body=data["body"]
        ),
        _("Message sent."),
        invalid=_("Write a message first."),
        keep="body",
    )


@participant
@require_POST
def reschedule(request, pk: int):
    return _participant_action(
        request,
        pk,
        RescheduleForm,
        lambda interview, data: services.interview_reschedule(
            actor=request.user,
            interview=interview,
            starts_at=data["starts_at"],
            reason=data["reason"],
        ),
        _("Moved. Updated calendar invitations are on their way."),
    )


@participant
@require_POST
def cancel(request, pk: int):
    return _participant_action(
        request,
        pk,
        ReasonForm,
        lambda interview, data: services.interview_cancel(
            actor=request.user, interview=interview, reason=data["reason"]
        ),
        _("Cancelled. The other side has been told."),
        invalid=_("Say why, so the other person understands."),
    )

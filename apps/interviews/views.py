from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.enums import Role
from apps.accounts.permissions import role_required
from apps.contacts import directory
from apps.contacts.selectors import contact_get_for_student
from apps.contacts.views_directory import requests_this_month_for
from apps.contacts.volunteers import volunteer_field_for_student
from apps.interviews import selectors, services
from apps.interviews.enums import OPEN_STATES, Channel, State
from apps.interviews.forms import (
    AcceptForm,
    DeclineForm,
    MessageForm,
    ReasonForm,
    RecordReplyForm,
    RequestForm,
    RescheduleForm,
)
from apps.interviews.models import Interview
from apps.interviews.questions import prepared_questions_for_volunteer
from apps.interviews.request_check import DEFAULT_TEMPLATE, request_text_check, request_text_fill
from apps.students.selectors import student_profile_get

student_only = role_required(Role.STUDENT)
alumni_only = role_required(Role.ALUMNI)
participant = role_required(Role.STUDENT, Role.ALUMNI)


def _errors_to_messages(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Student: lists, requests -------------------------------------------------------

GROUPS = [
    ("upcoming", _("Scheduled"), [State.SCHEDULED]),
    ("waiting", _("Waiting for an answer"), [State.REQUESTED, State.ACCEPTED, State.DRAFT]),
    ("held", _("Held"), [State.COMPLETED]),
    (
        "closed",
        _("Closed"),
        [State.DECLINED, State.EXPIRED, State.WITHDRAWN, State.CANCELLED, State.NO_SHOW],
    ),
]


@student_only
def interview_list(request):
    interviews = list(selectors.interview_list_for_student(student=request.user))
    groups = [
        {"key": key, "label": label, "items": [i for i in interviews if i.state in states]}
        for key, label, states in GROUPS
    ]
    return render(
        request,
        "interviews/interview_list.html",
        {
            "groups": groups,
            "has_any": bool(interviews),
            "open_count": sum(
                1 for i in interviews if i.state in (State.REQUESTED, State.ACCEPTED)
            ),
            "limit": request.user.office.max_open_requests,
        },
    )


def _request_page(
    request, *, contact, volunteer, initial_text, status=200, form=None, problem=None, similar=()
):
    text = (form["message"].value() if form is not None else initial_text) or ""
    return render(
        request,
        "interviews/request_form.html",
        {
            "form": form or RequestForm(initial={"message": initial_text}),
            "name": volunteer.user.full_name if volunteer else contact.full_name,
            "contact": contact,
            "volunteer": volunteer,
            "warnings": request_text_check(text),
            "problem": problem,
            "similar": similar,
            "limit": request.user.office.max_open_requests,
            "open_count": selectors.open_request_count(student=request.user),
        },
        status=status,
    )


def _initial_text(request, *, name, organisation, field_name):
    profile = student_profile_get(user=request.user)
    template = selectors.request_templates_for_office(office_id=request.user.office_id).first()
    return request_text_fill(
        template.body if template else DEFAULT_TEMPLATE,
        student=request.user,
        name=name,
        organisation=organisation,
        field_name=field_name,
        minutes=request.user.office.slot_minutes,
        programme=profile.programme,
    )


def _similar_volunteers(request, volunteer):
    """Up to three available volunteers sharing a field, best fit first."""
    field_ids = [f.pk for f in volunteer.fields.all()]
    qs = directory.directory_list_for_student(
        student=request.user,
        filters=directory.DirectoryFilters(accepting_now=True),
        requests_this_month=requests_this_month_for(request.user.office),
    ).exclude(pk=volunteer.pk)
    if field_ids:
        qs = qs.filter(fields__in=field_ids).distinct()
    return list(qs[:3])


@student_only
def request_volunteer(request, volunteer_pk: int):
    """Write and send a request to an alumni volunteer of the directory. One who is
    paused, not taking requests or at capacity this month is refused (409) with the
    reason and up to three similar volunteers who are."""
    volunteer = selectors.volunteer_get_for_request(
        student=request.user,
        pk=volunteer_pk,
        requests_this_month=requests_this_month_for(request.user.office),
    )
    problem = services.volunteer_availability_problem(volunteer=volunteer)
    if problem:
        return _request_page(
            request,
            contact=None,
            volunteer=volunteer,
            initial_text="",
            form=RequestForm(request.POST) if request.method == "POST" else None,
            problem=problem,
            status=409,
            similar=_similar_volunteers(request, volunteer),
        )
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            try:
                interview = services.interview_request_volunteer(
                    student=request.user, volunteer=volunteer, message=form.cleaned_data["message"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Your request is on its way to %(name)s.")
                    % {"name": volunteer.user.full_name},
                )
                return redirect("interview_detail", pk=interview.pk)
        return _request_page(
            request, contact=None, volunteer=volunteer, initial_text="", form=form, status=400
        )
    field = volunteer_field_for_student(student=request.user, profile=volunteer)
    return _request_page(
        request,
        contact=None,
        volunteer=volunteer,
        initial_text=_initial_text(
            request,
            name=volunteer.user.full_name,
            organisation=volunteer.employer,
            field_name=field.name if field else "",
        ),
    )


@student_only
def request_contact(request, contact_pk: int):
    """Draft a request to one of the student's own contacts: through Fieldnotes for
    a volunteer, from their own mail otherwise."""
    contact = contact_get_for_student(student=request.user, pk=contact_pk)
    if contact.volunteer_id:
        return redirect("interview_request_volunteer", volunteer_pk=contact.volunteer_id)
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            try:
                interview = services.interview_log_outreach(
                    student=request.user, contact=contact, message=form.cleaned_data["message"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Recorded. When %(name)s answers, record the reply here.")
                    % {"name": contact.full_name},
                )
                return redirect("interview_detail", pk=interview.pk)
        return _request_page(
            request, contact=contact, volunteer=None, initial_text="", form=form, status=400
        )
    return _request_page(
        request,
        contact=contact,
        volunteer=None,
        initial_text=_initial_text(
            request,
            name=contact.full_name,
            organisation=contact.organisation,
            field_name=contact.field.name if contact.field else "",
        ),
    )


@student_only
@require_GET
def request_check(request):
    """htmx: the warnings for the message being typed."""
    return render(
        request,
        "interviews/_request_warnings.html",
        {"warnings": request_text_check(request.GET.get("message", ""))},
    )


@student_only
def interview_detail(request, pk: int):
    interview = selectors.interview_get_for_student(student=request.user, pk=pk)
    events = interview.events.select_related("actor")
    context = {
        "interview": interview,
        "events": events,
        "slots": interview.slots.all(),
        "message_form": MessageForm(),
        "reason_form": ReasonForm(),
        "reschedule_form": RescheduleForm(),
        "reply_form": RecordReplyForm(),
        "can_message": interview.state in OPEN_STATES and interview.channel == Channel.PLATFORM,
        "next_contact": selectors.next_ranked_contact(interview=interview)
        if interview.state in (State.DECLINED, State.EXPIRED)
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


def _student_action(request, pk, action, success):
    interview = selectors.interview_get_for_student(student=request.user, pk=pk)
    try:
        action(interview)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, success)
    return redirect("interview_detail", pk=interview.pk)


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
    try:
        slot_id = int(request.POST.get("slot", ""))
    except ValueError:
        messages.error(request, _("Choose one of the offered times."))
        return redirect("interview_detail", pk=pk)
    return _student_action(
        request,
        pk,
        lambda i: services.interview_book_slot(student=request.user, interview=i, slot_id=slot_id),
        _("Booked. A calendar invitation is on its way to you both."),
    )


@student_only
@require_POST
def complete(request, pk: int):
    interview = selectors.interview_get_for_student(student=request.user, pk=pk)
    try:
        services.interview_complete(student=request.user, interview=interview)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
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
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
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
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Reply recorded."))
    return redirect("interview_detail", pk=pk)


# --- Both sides ---------------------------------------------------------------------


def _participant_interview(request, pk):
    if request.user.role == Role.STUDENT:
        return selectors.interview_get_for_student(student=request.user, pk=pk)
    return selectors.interview_get_for_volunteer(user=request.user, pk=pk)


def _back(request, interview):
    if request.user.role == Role.STUDENT:
        return redirect("interview_detail", pk=interview.pk)
    return redirect("inbox_detail", pk=interview.pk)


@participant
@require_POST
def message(request, pk: int):
    interview = _participant_interview(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message first."))
        return _back(request, interview)
    try:
        services.interview_message(
            actor=request.user, interview=interview, body=form.cleaned_data["body"]
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Message sent."))
    return _back(request, interview)


@participant
@require_POST
def reschedule(request, pk: int):
    interview = _participant_interview(request, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, interview)
    try:
        services.interview_reschedule(
            actor=request.user,
            interview=interview,
            starts_at=form.cleaned_data["starts_at"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Moved. Updated calendar invitations are on their way."))
    return _back(request, interview)


@participant
@require_POST
def cancel(request, pk: int):
    interview = _participant_interview(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why, so the other person understands."))
        return _back(request, interview)
    try:
        services.interview_cancel(
            actor=request.user, interview=interview, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Cancelled. The other side has been told."))
    return _back(request, interview)


# --- Volunteer inbox ----------------------------------------------------------------

INBOX_GROUPS = [
    ("new", _("Waiting for your answer"), [State.REQUESTED]),
    ("upcoming", _("Accepted and scheduled"), [State.ACCEPTED, State.SCHEDULED]),
    (
        "past",
        _("Past"),
        [
            State.COMPLETED,
            State.DECLINED,
            State.EXPIRED,
            State.WITHDRAWN,
            State.CANCELLED,
            State.NO_SHOW,
        ],
    ),
]


@alumni_only
def inbox(request):
    items = list(selectors.interview_inbox_for_volunteer(user=request.user))
    groups = [
        {"key": key, "label": label, "items": [i for i in items if i.state in states]}
        for key, label, states in INBOX_GROUPS
    ]
    return render(request, "interviews/inbox.html", {"groups": groups, "has_any": bool(items)})


def _inbox_page(request, interview, *, accept_form=None, status=200):
    profile = getattr(interview.student, "student_profile", None)
    return render(
        request,
        "interviews/inbox_detail.html",
        {
            "interview": interview,
            "profile": profile,
            "fields": list(profile.fields.all()) if profile else [],
            "events": interview.events.select_related("actor"),
            "slots": interview.slots.all(),
            "accept_form": accept_form
            or AcceptForm(
                initial={
                    "duration_minutes": interview.duration_minutes,
                    "format": (interview.volunteer.formats or [""])[0],
                }
            ),
            "decline_form": DeclineForm(),
            "message_form": MessageForm(),
            "reason_form": ReasonForm(),
            "reschedule_form": RescheduleForm(),
            "shared_questions": prepared_questions_for_volunteer(interview=interview),
        },
        status=status,
    )


@alumni_only
def inbox_detail(request, pk: int):
    interview = selectors.interview_get_for_volunteer(user=request.user, pk=pk)
    return _inbox_page(request, interview)


@alumni_only
@require_POST
def accept(request, pk: int):
    interview = selectors.interview_get_for_volunteer(user=request.user, pk=pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.interview_accept(
                user=request.user,
                interview=interview,
                format=data["format"],
                duration_minutes=data["duration_minutes"],
                slots=data["slots"],
                location=data["location"],
                meeting_url=data["meeting_url"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Accepted. %(name)s has been told and will pick a time.")
                % {"name": interview.student.full_name}
                if len(data["slots"]) > 1
                else _("Accepted and scheduled. A calendar invitation is on its way."),
            )
            return redirect("inbox_detail", pk=pk)
    return _inbox_page(request, interview, accept_form=form, status=400)


@alumni_only
@require_POST
def decline(request, pk: int):
    interview = selectors.interview_get_for_volunteer(user=request.user, pk=pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("inbox_detail", pk=pk)
    try:
        services.interview_decline(
            user=request.user,
            interview=interview,
            note=form.cleaned_data["note"],
            pause_until=form.cleaned_data["pause_until"],
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Declined. Thank you for letting the student know."))
    return redirect("inbox_detail", pk=pk)

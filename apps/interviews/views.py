from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.enums import Role
from apps.accounts.permissions import alumni_only, participant, student_only
from apps.contacts import directory
from apps.contacts.selectors import contact_get_for_student
from apps.contacts.volunteers import volunteer_field_for_student
from apps.core.feedback import error_messages, form_add_errors
from apps.interviews import selectors, services
from apps.interviews.enums import OPEN_STATES, Channel, EventKind, State
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
from apps.interviews.request_check import request_text_check, request_text_fill
from apps.interviews.selectors.questions import prepared_questions_for_volunteer
from apps.interviews.selectors.request_templates import (
    request_template_builtin,
    request_template_choices,
)
from apps.students.selectors import student_profile_get

# --- Student: lists, requests -------------------------------------------------------

GROUPS = [
    ("upcoming", _("Scheduled"), [State.SCHEDULED]),
    ("drafts", _("Drafts"), [State.DRAFT]),
    ("waiting", _("Waiting for an answer"), [State.REQUESTED, State.ACCEPTED]),
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


def _same_text(a: str, b: str) -> bool:
    # Browsers send a textarea's line breaks as CRLF.
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


class _RequestPage:
    """One request page: who it is to, the office's wordings to choose from, and the
    student's draft to them if there is one (opening the page again continues it)."""

    def __init__(self, request, *, contact=None, volunteer=None):
        self.request = request
        self.student = request.user
        self.contact = contact
        self.volunteer = volunteer
        self.name = volunteer.user.full_name if volunteer else contact.full_name
        self.choices = request_template_choices(office_id=self.student.office_id)
        self.draft = selectors.interview_draft_for(
            student=self.student, contact=contact, volunteer=volunteer
        )

    def choice(self, key: str):
        """The template with this key among the student's choices, or None. The
        built-in wording counts too, for texts filled from it before the office
        had templates of its own."""
        for template in self.choices:
            if template.key == key:
                return template
        if key == "":
            return request_template_builtin(office_id=self.student.office_id)
        return None

    @cached_property
    def _fill_kwargs(self) -> dict:
        if self.volunteer is not None:
            field = volunteer_field_for_student(student=self.student, profile=self.volunteer)
            organisation = self.volunteer.employer
        else:
            field = self.contact.field
            organisation = self.contact.organisation
        return {
            "student": self.student,
            "name": self.name,
            "organisation": organisation,
            "field_name": field.name if field else "",
            "minutes": self.student.office.slot_minutes,
            "programme": student_profile_get(user=self.student).programme,
        }

    def fill(self, template) -> tuple[str, str]:
        return (
            request_text_fill(template.subject, **self._fill_kwargs),
            request_text_fill(template.body, **self._fill_kwargs),
        )

    def initial(self) -> dict:
        if self.draft is not None:
            key = self.draft.request_template.key if self.draft.request_template else ""
            return {
                "template": key,
                "subject": self.draft.request_subject,
                "message": self.draft.request_message,
                "filled_from": key,
            }
        template = self.choices[0]
        subject, message = self.fill(template)
        return {
            "template": template.key,
            "subject": subject,
            "message": message,
            "filled_from": template.key,
        }

    def refill(self, data: dict, *, force: bool):
        """Another template's text, unless the student has edited the one in the
        fields (then theirs is kept, and they may replace it on purpose). Returns
        the new initial data and the template not applied, if any."""
        new = self.choice(data["template"]) or self.choices[0]
        old = self.choice(data["filled_from"])
        untouched = not (data["subject"].strip() or data["message"].strip())
        if old is not None and not untouched:
            old_subject, old_message = self.fill(old)
            untouched = _same_text(old_subject, data["subject"]) and _same_text(
                old_message, data["message"]
            )
        if force or untouched:
            subject, message = self.fill(new)
            return {
                "template": new.key,
                "subject": subject,
                "message": message,
                "filled_from": new.key,
            }, None
        return {**data, "template": new.key}, new

    def source(self, data: dict):
        """The office template the text came from, to record with the request."""
        return self.choice(data["filled_from"])

    def render(self, *, form, status=200, problem=None, similar=(), not_applied=None):
        text = form["message"].value() or ""
        context = {
            "form": form,
            "page": self,
            "name": self.name,
            "contact": self.contact,
            "volunteer": self.volunteer,
            "draft": self.draft,
            "choices": self.choices,
            "selected": form["template"].value() or "",
            "not_applied": not_applied,
            "warnings": request_text_check(text),
            "problem": problem,
            "similar": similar,
            "limit": self.student.office.max_open_requests,
            "open_count": selectors.open_request_count(student=self.student),
        }
        if self.request.htmx and self.request.POST.get("action") in ("template", "replace"):
            return render(self.request, "interviews/_request_text.html", context, status=status)
        return render(self.request, "interviews/request_form.html", context, status=status)


def _request_post(page: _RequestPage, *, send, sent_message: str):
    """What the request page's buttons do: use another template, save as draft, send."""
    request = page.request
    form = RequestForm(request.POST)
    action = request.POST.get("action", "send")
    if not form.is_valid():
        return page.render(form=form, status=400)
    data = form.cleaned_data
    if action in ("template", "replace"):
        initial, not_applied = page.refill(data, force=action == "replace")
        return page.render(form=RequestForm(initial=initial), not_applied=not_applied)
    if action == "draft":
        try:
            services.interview_draft_save(
                student=page.student,
                contact=page.contact if page.volunteer is None else None,
                volunteer=page.volunteer,
                subject=data["subject"],
                message=data["message"],
                template=page.source(data),
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
            return page.render(form=form, status=400)
        messages.success(
            request,
            _("Draft saved. It waits under Drafts in your conversations; %(name)s sees nothing.")
            % {"name": page.name},
        )
        return redirect("interview_list")
    try:
        interview = send(
            student=page.student,
            subject=data["subject"],
            message=data["message"],
            template=page.source(data),
        )
    except ValidationError as exc:
        form_add_errors(form, exc)
        return page.render(form=form, status=400)
    messages.success(request, sent_message)
    return redirect("interview_detail", pk=interview.pk)


def _similar_volunteers(request, volunteer):
    """Up to three available volunteers sharing a field, best fit first."""
    field_ids = [f.pk for f in volunteer.fields.all()]
    qs = directory.directory_list_for_student(
        student=request.user,
        filters=directory.DirectoryFilters(accepting_now=True),
    ).exclude(pk=volunteer.pk)
    if field_ids:
        qs = qs.filter(fields__in=field_ids).distinct()
    return list(qs[:3])


@student_only
def request_volunteer(request, volunteer_pk: int):
    """Write and send a request to an alumni volunteer of the directory, or save it
    as a draft. One who is paused, not taking requests or at capacity this month is
    refused (409) with the reason and up to three similar volunteers who are; a
    draft already written to them stays, to send when they are back."""
    volunteer = selectors.volunteer_get_for_request(student=request.user, pk=volunteer_pk)
    page = _RequestPage(request, volunteer=volunteer)
    problem = selectors.volunteer_availability_problem(volunteer=volunteer)
    sending = request.method == "POST" and request.POST.get("action", "send") == "send"
    if problem and (page.draft is None or sending or request.method == "GET"):
        if request.method == "POST":
            form = RequestForm(request.POST)
        else:
            form = RequestForm(initial=page.initial() if page.draft else {})
        return page.render(
            form=form,
            problem=problem,
            status=409,
            similar=_similar_volunteers(request, volunteer),
        )
    if request.method == "POST":
        return _request_post(
            page,
            send=lambda **kw: services.interview_request_volunteer(volunteer=volunteer, **kw),
            sent_message=_("Your request is on its way to %(name)s.") % {"name": page.name},
        )
    return page.render(form=RequestForm(initial=page.initial()))


@student_only
def request_contact(request, contact_pk: int):
    """Write a request to one of the student's own contacts, from their own mail,
    or save it as a draft. A volunteer goes through Fieldnotes instead."""
    contact = contact_get_for_student(student=request.user, pk=contact_pk)
    if contact.volunteer_id:
        return redirect("interview_request_volunteer", volunteer_pk=contact.volunteer_id)
    page = _RequestPage(request, contact=contact)
    if request.method == "POST":
        return _request_post(
            page,
            send=lambda **kw: services.interview_log_outreach(contact=contact, **kw),
            sent_message=_("Recorded. When %(name)s answers, record the reply here.")
            % {"name": page.name},
        )
    return page.render(form=RequestForm(initial=page.initial()))


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
        error_messages(request, exc)
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


def _participant_action(request, pk: int, form_class, act, success: str, invalid: str = ""):
    """What either side does from the conversation's page (a message, a new time, a
    cancellation): bind the form, call the service, say how it went, and go back to
    the page. `invalid` replaces the form's own errors when it says it better."""
    interview = _participant_interview(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        if invalid:
            messages.error(request, invalid)
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
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
            # When the student began writing is theirs alone.
            "events": interview.events.exclude(kind=EventKind.CREATED).select_related("actor"),
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
            form_add_errors(form, exc)
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
        error_messages(request, exc)
    else:
        messages.success(request, _("Declined. Thank you for letting the student know."))
    return redirect("inbox_detail", pk=pk)

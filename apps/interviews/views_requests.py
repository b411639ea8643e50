"""The student asking: their list of conversations, the request page (to a
volunteer through Fieldnotes, or to one of their own contacts), drafts, and the
request checker's live verdict."""

from functools import cached_property
from typing import NamedTuple

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.accounts.permissions import student_only
from apps.contacts import directory
from apps.contacts.selectors import contact_get_for_student
from apps.contacts.volunteers import volunteer_field_for_student
from apps.core.feedback import form_add_errors
from apps.core.links import path_for_pk
from apps.core.models import choice_label
from apps.core.rendering import datetime_shown, render_list, time_since
from apps.interviews import selectors, services
from apps.interviews.enums import State
from apps.interviews.forms import (
    RequestForm,
)
from apps.interviews.request_check import request_text_check, request_text_fill
from apps.interviews.selectors.request_templates import (
    request_template_builtin,
    request_template_choices,
)
from apps.students.job_ask import job_ask_phrases
from apps.students.selectors import student_profile_get

# An accepted request waits for the student to pick one of the offered times, so
# it leads the page.
GROUPS = [
    ("yourturn", _("Your turn"), [State.ACCEPTED]),
    ("upcoming", _("Scheduled"), [State.SCHEDULED]),
    ("drafts", _("Drafts"), [State.DRAFT]),
    ("waiting", _("Waiting for an answer"), [State.REQUESTED]),
    ("held", _("Held"), [State.COMPLETED]),
    (
        "closed",
        _("Closed"),
        [State.DECLINED, State.EXPIRED, State.WITHDRAWN, State.CANCELLED, State.NO_SHOW],
    ),
]


# Held and closed conversations pile up over the years (the scale data's busiest
# student has 120): the list shows the latest few of each, and "all" opens that
# group alone a page at a time. The open groups stay whole: the office caps open
# requests, and a student has a handful of meetings and drafts at once.
HISTORY_KEYS = ("held", "closed")
HISTORY_PREVIEW = 10
HISTORY_PAGE_SIZE = 25


class ConversationRow(NamedTuple):
    pk: int
    url: str
    name: str
    organisation: str  # markup: " · organisation", or ""
    when: str  # markup
    state: str
    label: str


def conversation_rows(rows) -> list[ConversationRow]:
    """The list's rows (tuples of selectors.STUDENT_ROW_COLUMNS) as what each shows:
    the link, the contact's name, their organisation, where it stands, the state and
    its label; the markup of the optional parts worked out here once a row instead of
    by a dozen template tags. A draft links to its request page again (to the
    volunteer, or to the contact), anything else to the conversation; each route
    is reversed once for the whole list."""
    detail = path_for_pk("interview_detail")
    to_volunteer = path_for_pk("interview_request_volunteer")
    to_contact = path_for_pk("interview_request_contact")
    zone = escape(timezone.get_current_timezone_name())
    now = timezone.now()
    shown = []
    for pk, state, contact_id, volunteer_id, starts_at, requested_at, updated_at, name, org in rows:
        if state != State.DRAFT:
            url = detail(pk)
        elif volunteer_id:
            url = to_volunteer(volunteer_id)
        else:
            url = to_contact(contact_id)
        if state == State.DRAFT:
            when = _("not sent; saved %(when)s") % {"when": escape(naturaltime(updated_at))}
        elif state == State.ACCEPTED:
            when = escape(_("they said yes: pick one of their times"))
        elif starts_at:
            iso, day = datetime_shown(starts_at)
            when = (
                f'<time datetime="{iso}">{escape(day)}</time> '
                f'<span class="text-body-secondary small">({zone})</span>'
            )
        elif requested_at:
            when = _("asked %(when)s ago") % {"when": escape(time_since(requested_at, now))}
        else:
            when = ""
        shown.append(
            ConversationRow(
                pk,
                url,
                name,
                mark_safe(f'<span class="text-body-secondary"> · {escape(org)}</span>')
                if org
                else "",
                mark_safe(when),
                state,
                choice_label(State, state),
            )
        )
    return shown


# A row as the template's loop wrote it, whitespace and all
# (tests/interviews/interview_list_before_rows.html): seven tags a row were most of
# the page's rendering.
_ROW_HTML = (
    '\n    <a class="list-group-item list-group-item-action" href="{}">\n'
    '      <div class="d-flex flex-wrap justify-content-between gap-2">\n'
    '        <div class="me-auto"><strong>{}</strong>{}\n'
    '          <div class="small text-body-secondary">{}</div>\n'
    "        </div>\n"
    '        <div><span class="badge state state-{}">{}</span></div>\n'
    "      </div>\n"
    "    </a>\n"
    "    "
)


def _group(key: str, label, items: list[ConversationRow], **more) -> dict:
    """A group of the page with its rows' markup (`html`)."""
    html = format_html_join(
        "",
        _ROW_HTML,
        ((r.url, r.name, r.organisation, r.when, r.state, r.label) for r in items),
    )
    return {"key": key, "label": label, "items": items, "html": html, **more}


# The list's one query groups the states as the page does: the open groups whole
# ("current"), the history groups each by its key.
OVERVIEW_BUCKETS = {
    "current": tuple(
        state for key, _label, states in GROUPS if key not in HISTORY_KEYS for state in states
    ),
    **{key: tuple(states) for key, _label, states in GROUPS if key in HISTORY_KEYS},
}


def _overview_rows(student) -> dict[str, list[tuple]]:
    """The whole list's rows by bucket, as tuples of selectors.STUDENT_ROW_COLUMNS,
    latest change first: one query for what three did (the open groups, the
    latest held, the latest closed)."""
    found = {bucket: [] for bucket in OVERVIEW_BUCKETS}
    for iv in selectors.interview_overview_for_student(
        student=student, buckets=OVERVIEW_BUCKETS, latest=HISTORY_PREVIEW + 1
    ):
        found[iv.bucket].append(
            (
                iv.pk,
                iv.state,
                iv.contact_id,
                iv.volunteer_id,
                iv.starts_at,
                iv.requested_at,
                iv.updated_at,
                iv.contact_name,
                iv.contact_organisation,
            )
        )
    return found


@student_only
def interview_list(request):
    student = request.user
    only = request.GET.get("group")
    only = only if only in HISTORY_KEYS else None
    overview = {} if only else _overview_rows(student)
    current = conversation_rows(overview["current"]) if not only else []
    groups = []
    for key, label, states in GROUPS:
        if key not in HISTORY_KEYS:
            if not only:
                rows = [r for r in current if r.state in states]
                groups.append(_group(key, label, rows, count=len(rows)))
            continue
        if only and key != only:
            continue
        if only:
            found = selectors.interview_rows_for_student(student=student, states=states)
            page = Paginator(found, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
            groups.append(
                _group(key, label, conversation_rows(page), count=page.paginator.count, page=page)
            )
        else:
            found = overview[key]
            groups.append(
                _group(
                    key,
                    label,
                    conversation_rows(found[:HISTORY_PREVIEW]),
                    more=len(found) > HISTORY_PREVIEW,
                )
            )
    return render_list(
        request,
        "interviews/interview_list.html",
        {
            "groups": groups,
            "only": only,
            "has_any": any(g["items"] for g in groups),
            "open_count": sum(1 for r in current if r.state in (State.REQUESTED, State.ACCEPTED)),
            "limit": student.office.max_open_requests,
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
    def profile(self):
        return student_profile_get(user=self.student)

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
            "programme": self.profile.programme,
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
        subject = form["subject"].value() or ""
        reason = form["job_ask_reason"]
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
            "warnings": request_text_check(text, subject=subject),
            # "Send anyway" is offered once a send was refused, and kept while the
            # student is on it.
            "send_anyway": bool(reason.errors or reason.value()),
            # A volunteer reads the pitch beside the request: it is checked too.
            "pitch_job_ask": self.volunteer is not None
            and bool(job_ask_phrases(self.profile.pitch)),
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
    sending_anyway = action == "send_anyway"
    try:
        interview = send(
            student=page.student,
            subject=data["subject"],
            message=data["message"],
            template=page.source(data),
            job_ask_reason=data["job_ask_reason"] if sending_anyway else "",
        )
    except services.JobAskRefused as exc:
        if sending_anyway:
            form.add_error(
                "job_ask_reason",
                _(
                    "Not sent: write why you are sending it as it is, or change the "
                    "message so it asks for advice rather than a job."
                ),
            )
        else:
            form_add_errors(form, exc)
        return page.render(form=form, status=400)
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
    sending = request.method == "POST" and request.POST.get("action", "send") in (
        "send",
        "send_anyway",
    )
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
@require_GET
def request_check(request):
    """htmx: the warnings for the message being typed, pasted or filled in (the
    page asks on every input event). Advice only: sending decides again."""
    return render(
        request,
        "interviews/_request_warnings.html",
        {
            "warnings": request_text_check(
                request.GET.get("message", ""), subject=request.GET.get("subject", "")
            )
        },
    )

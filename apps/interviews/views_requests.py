"""The student asking: their list of conversations, the request page (to a
volunteer through Fieldnotes, or to one of their own contacts), drafts, and the
request checker's live verdict."""

import functools
from datetime import datetime
from functools import cached_property
from html import escape as html_escape
from typing import NamedTuple

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.accounts.permissions import student_only
from apps.contacts import directory
from apps.contacts.selectors import contact_get_for_student
from apps.contacts.volunteers import volunteer_field_for_student
from apps.core.feedback import form_add_errors
from apps.core.links import path_for_pk, route_path
from apps.core.rendering import LocalDates, pagination_html, render_list, time_since_aware
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
# it leads the page. The headings are translated when a page is written, in its
# language (lazily: this runs once, at import).
GROUPS = [
    ("yourturn", gettext_lazy("Your turn"), [State.ACCEPTED]),
    ("upcoming", gettext_lazy("Scheduled"), [State.SCHEDULED]),
    ("drafts", gettext_lazy("Drafts"), [State.DRAFT]),
    ("waiting", gettext_lazy("Waiting for an answer"), [State.REQUESTED]),
    ("held", gettext_lazy("Held"), [State.COMPLETED]),
    (
        "closed",
        gettext_lazy("Closed"),
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
    """A row of the list, as selectors.STUDENT_ROW_COLUMNS reads it."""

    pk: int
    state: str
    contact_id: int
    volunteer_id: int | None
    starts_at: datetime | None
    requested_at: datetime | None
    updated_at: datetime
    name: str
    organisation: str


@functools.cache
def _list_words(language: str | None) -> dict:
    """The page's words in the active language, looked up once per language: its
    {% translate %} and {% blocktranslate %} texts (not escaped, as the tags leave
    them) and the states' labels (escaped, as a variable is)."""
    return {
        "labels": {value: html_escape(str(label)) for value, label in State.choices},
        "accepted": _("they said yes: pick one of their times"),
        "saved": _("not sent; saved %(when)s"),
        "asked": _("asked %(when)s ago"),
        "title": _("Conversations"),
        "all": _("All conversations"),
        "open": _("%(open_count)s of %(limit)s open requests"),
        "see_all": _("See all: %(label)s"),
        "none": _("No conversations yet"),
        "none_help": _(
            "Pick the top person on your target list and ask for 15 minutes. Say clearly "
            "that you want information and advice, not a job."
        ),
        "targets": _("My target list"),
        "directory": _("Alumni directory"),
    }


def conversation_rows_html(rows, *, words: dict, dates: LocalDates, now) -> str:
    """The list's rows (tuples of selectors.STUDENT_ROW_COLUMNS) as the template's
    loop wrote them, whitespace and all (tests/interviews/test_list_rows.py): the
    link, the contact's name and organisation, where it stands, the state and its
    label. A draft links to its request page again (to the volunteer, or to the
    contact), anything else to the conversation; each route is reversed once for
    the whole list. Escaped by html.escape (Django's escape wraps it with a
    lazy-string test on every call), the translations once per language."""
    detail = path_for_pk("interview_detail")
    to_volunteer = path_for_pk("interview_request_volunteer")
    to_contact = path_for_pk("interview_request_contact")
    zone = html_escape(timezone.get_current_timezone_name())
    labels = words["labels"]
    out = []
    for pk, state, contact_id, volunteer_id, starts_at, requested_at, updated_at, name, org in rows:
        if state == State.DRAFT:
            url = to_volunteer(volunteer_id) if volunteer_id else to_contact(contact_id)
            when = words["saved"] % {"when": html_escape(naturaltime(updated_at))}
        else:
            url = detail(pk)
            if state == State.ACCEPTED:
                when = words["accepted"]
            elif starts_at:
                iso, day = dates.datetime_shown(starts_at)
                when = (
                    f'<time datetime="{iso}">{html_escape(day)}</time> '
                    f'<span class="text-body-secondary small">({zone})</span>'
                )
            elif requested_at:
                when = words["asked"] % {
                    "when": html_escape(time_since_aware(requested_at, now, dates.language))
                }
            else:
                when = ""
        organisation = (
            f'<span class="text-body-secondary"> · {html_escape(org)}</span>' if org else ""
        )
        out.append(
            f"""
    <a class="list-group-item list-group-item-action" href="{html_escape(url)}">
      <div class="d-flex flex-wrap justify-content-between gap-2">
        <div class="me-auto"><strong>{html_escape(name)}</strong>{organisation}
          <div class="small text-body-secondary">{when}</div>
        </div>
        <div><span class="badge state state-{html_escape(state)}">{labels.get(state) or html_escape(state)}</span></div>
      </div>
    </a>
    """  # noqa: E501
        )
    return "".join(out)


def _content_html(request, *, groups: list[dict], only, open_count: int, limit, words) -> str:
    """The page's content block as interview_list.html wrote it (tests/interviews/
    test_list_rows.py renders that template as it was and compares)."""
    e, number = html_escape, formats.localize
    if only:
        head = f'<a class="small" href="{e(route_path("interview_list"))}">{words["all"]}</a>'
    else:
        counts = words["open"] % {
            "open_count": e(str(number(open_count))),
            "limit": e(str(number(limit))),
        }
        head = f'<span class="small text-body-secondary">{counts}</span>'
    out = [
        '\n<div class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-3">\n'
        f'  <h1 class="h3 mb-0">{words["title"]}</h1>\n'
        f"  {head}\n"
        "</div>\n"
    ]
    shown = [group for group in groups if group["items"]]
    if not shown:
        out.append(
            f"""
<div class="card"><div class="card-body text-center py-5">
  <h2 class="h5">{words["none"]}</h2>
  <p class="text-body-secondary">{words["none_help"]}</p>
  <div class="d-flex flex-wrap justify-content-center gap-2">
    <a class="btn btn-primary" href="{e(route_path("target_list"))}">{words["targets"]}</a>
    <a class="btn btn-outline-primary" href="{e(route_path("directory"))}">{words["directory"]}</a>
  </div>
</div></div>
"""
        )
    else:
        out.append("\n")
        for group in shown:
            key, label, more, page = (
                e(group["key"]),
                str(group["label"]),
                group["more"],
                group["page"],
            )
            if group["count"] is not None:
                count = e(str(number(group["count"])))
            else:
                count = f"{e(str(number(len(group['items']))))}{'+' if more else ''}"
            see_all = (
                f'<p class="mt-2 mb-0"><a href="?group={key}">'
                f"{words['see_all'] % {'label': e(label.lower())}}</a></p>"
                if more
                else ""
            )
            out.append(
                '\n<section class="mb-4">\n'
                f'  <h2 class="h5" id="{key}">{e(label)} <span class="badge text-bg-secondary">'
                f"{count}</span></h2>\n"
                '  <div class="list-group">\n'
                f"    {group['html']}\n"
                "  </div>\n"
                f"  {see_all}\n"
                f"  {pagination_html(request, page) if page else ''}\n"
                "</section>\n"
            )
        out.append("\n")
    out.append("\n")
    return SafeString("".join(out))


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
    for row in selectors.interview_overview_for_student(
        student=student, buckets=OVERVIEW_BUCKETS, latest=HISTORY_PREVIEW + 1
    ):
        found[row[-1]].append(ConversationRow._make(row[:-1]))
    return found


@student_only
def interview_list(request):
    student = request.user
    only = request.GET.get("group")
    only = only if only in HISTORY_KEYS else None
    language = get_language()
    words, dates, now = _list_words(language), LocalDates(language), timezone.now()
    overview = {} if only else _overview_rows(student)
    current = overview.get("current", [])
    groups = []
    for key, label, states in GROUPS:
        count = more = page = None
        if key not in HISTORY_KEYS:
            if only:
                continue
            rows = [row for row in current if row.state in states]
            count = len(rows)
        elif only:
            if key != only:
                continue
            found = selectors.interview_rows_for_student(student=student, states=states)
            page = Paginator(found, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
            rows, count = list(map(ConversationRow._make, page)), page.paginator.count
        else:
            rows = overview[key][:HISTORY_PREVIEW]
            more = len(overview[key]) > HISTORY_PREVIEW
        groups.append(
            {
                "key": key,
                "label": label,
                "items": rows,
                "count": count,
                "more": more,
                "page": page,
                "html": conversation_rows_html(rows, words=words, dates=dates, now=now),
            }
        )
    open_count = sum(1 for row in current if row.state in (State.REQUESTED, State.ACCEPTED))
    return render_list(
        request,
        "interviews/interview_list.html",
        {
            "groups": groups,
            "open_count": open_count,
            "content_html": _content_html(
                request,
                groups=groups,
                only=only,
                open_count=open_count,
                limit=student.office.max_open_requests,
                words=words,
            ),
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

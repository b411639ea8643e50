"""The volunteer's inbox: the requests they received, grouped by what they need,
one request's page, and their answer (accept with times, or decline)."""

from html import escape as html_escape
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import alumni_only
from apps.core.feedback import error_messages, form_add_errors
from apps.core.links import path_for_pk, route_path_for_pk
from apps.core.models import choice_label
from apps.core.rendering import (
    CountedPaginator,
    datetime_shown,
    pagination_html,
    render_list,
    time_since_aware,
)
from apps.interviews import selectors, services
from apps.interviews.enums import EventKind, State
from apps.interviews.forms import (
    AcceptForm,
    DeclineForm,
    MessageForm,
    ReasonForm,
    RescheduleForm,
)
from apps.interviews.selectors.questions import prepared_questions_for_volunteer

INBOX_GROUPS = [
    ("new", gettext_lazy("Waiting for your answer"), [State.REQUESTED]),
    ("upcoming", gettext_lazy("Accepted and scheduled"), [State.ACCEPTED, State.SCHEDULED]),
    (
        "past",
        gettext_lazy("Past"),
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


# The past grows by every request ever received (a busy volunteer has hundreds), so
# it comes a page at a time; what needs an answer or is coming up stays whole on
# top (bounded by the monthly capacity and the 14-day expiry).
PAST_PAGE_SIZE = 20


def asked_since(value, now, *, language: str | None) -> str:
    """time_since(value, now), for a row of the inbox: core.rendering's
    time_since_aware, whose units are translated once per `language` (the active
    one, looked up once a list); Django's algorithm cost a waiting row more than the
    rest of its HTML. Nothing for a missing value."""
    return time_since_aware(value, now, language) if value else ""


def _when_html(starts_at, zone: str) -> str:
    iso, shown = datetime_shown(starts_at)
    return (
        f'<time datetime="{iso}">{html_escape(shown)}</time> '
        f'<span class="text-body-secondary small">({zone})</span>'
    )


class InboxRow(NamedTuple):
    pk: int
    url: str
    name: str
    programme: str  # markup: " · programme year", or ""
    when: str  # markup
    state: str
    label: str


def inbox_rows(rows) -> list[InboxRow]:
    """The inbox's rows (tuples of selectors.volunteer.INBOX_ROW) as what each
    shows: the link, the student's name, their programme and year, when, the state
    and its label; the markup of the optional parts worked out here once a row
    instead of by a dozen template tags. Escaped by html.escape, which is what
    Django's escape does without its lazy-string wrapper (some 2 µs a call, and a
    row made five)."""
    detail = path_for_pk("inbox_detail")
    zone = html_escape(timezone.get_current_timezone_name())
    asked = _("asked %(when)s ago")
    now, language = timezone.now(), get_language()
    labels = {}
    shown = []
    for pk, state, starts_at, requested_at, name, programme, year in rows:
        if programme:
            programme = SafeString(
                f'<span class="text-body-secondary"> · {html_escape(programme)}'
                f"{f' {year}' if year else ''}</span>"
            )
        if starts_at:
            when = _when_html(starts_at, zone)
        else:
            when = asked % {"when": html_escape(asked_since(requested_at, now, language=language))}
        if state not in labels:
            labels[state] = choice_label(State, state)
        shown.append(
            InboxRow(pk, detail(pk), name, programme or "", SafeString(when), state, labels[state])
        )
    return shown


def inbox_rows_html(rows: list[InboxRow]) -> str:
    """The rows as the template's loop wrote them (whitespace and all): one
    template variable for the list instead of seven a row."""
    labels = {}
    out = []
    for _pk, url, name, programme, when, state, label in rows:
        if state not in labels:
            labels[state] = (html_escape(state), html_escape(str(label)))
        state_html, label_html = labels[state]
        out.append(
            f"""
    <a class="list-group-item list-group-item-action" href="{html_escape(url)}">
      <div class="d-flex flex-wrap justify-content-between gap-2">
        <div class="me-auto"><strong>{html_escape(name)}</strong>{programme}
          <div class="small text-body-secondary">{when}</div>
        </div>
        <div><span class="badge state state-{state_html}">{label_html}</span></div>
      </div>
    </a>
    """
        )
    return "".join(out)


def inbox_groups_html(request, groups: list[dict]) -> str:
    """The groups with a count, as the page template's loop wrote them (each with
    its rows, inbox_rows_html, and the past's pages): one template variable for
    the page instead of a loop, an include and its tags (the markup is the old
    template's to the byte: tests/interviews/test_inbox_html.py)."""
    e = html_escape
    out = []
    for group in groups:
        if not group["count"]:
            continue
        page = group.get("page")
        out.append(
            f'\n<section class="mb-4" id="{e(group["key"])}">\n'
            f'  <h2 class="h5">{e(str(group["label"]))} <span class="badge text-bg-secondary">'
            f"{e(str(formats.localize(group['count'])))}</span></h2>\n"
            '  <div class="list-group">\n'
            f"    {group['html']}\n"
            "  </div>\n"
            f"  {pagination_html(request, page) if page else ''}\n"
            "</section>\n"
        )
    return SafeString("".join(out))


def _past_page(user, states, number) -> Page:
    """The page of the past asked for, as Paginator.get_page gives it; the first
    page (asked for, or what a number that is not one gives) with its count in the
    same query."""
    try:
        first = int(number) == 1
    except (TypeError, ValueError):
        first = True
    if not first:
        return Paginator(
            selectors.volunteer_inbox_pages(user=user, states=states), PAST_PAGE_SIZE
        ).get_page(number)
    rows, count = selectors.volunteer_inbox_first_page(
        user=user, states=states, per_page=PAST_PAGE_SIZE
    )
    paginator = CountedPaginator(rows, PAST_PAGE_SIZE, count=count)
    return paginator.page(1)


@alumni_only
def inbox(request):
    (new_key, new_label, new_states), (up_key, up_label, up_states), past = INBOX_GROUPS
    current = inbox_rows(
        selectors.volunteer_inbox_rows(user=request.user, states=new_states + up_states)
    )
    page = _past_page(request.user, past[2], request.GET.get("page"))
    new = [row for row in current if row.state in new_states]
    upcoming = [row for row in current if row.state in up_states]
    groups = [
        {"key": new_key, "label": new_label, "items": new},
        {"key": up_key, "label": up_label, "items": upcoming},
        {"key": past[0], "label": past[1], "items": inbox_rows(page), "page": page},
    ]
    for group in groups:
        group["count"] = group["page"].paginator.count if "page" in group else len(group["items"])
        group["html"] = SafeString(inbox_rows_html(group["items"]) if group["count"] else "")
    return render_list(
        request,
        "interviews/inbox.html",
        {
            "groups": groups,
            "has_any": any(group["count"] for group in groups),
            "groups_html": inbox_groups_html(request, groups),
        },
    )


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
            "reschedule_path": route_path_for_pk("interview_reschedule", interview.pk),
            "cancel_path": route_path_for_pk("interview_cancel", interview.pk),
            "zone": timezone.get_current_timezone_name(),
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
        error_messages(request, ValidationError(form.errors))
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

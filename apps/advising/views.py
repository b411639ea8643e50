import functools
from html import escape as html_escape
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import advisor_only, office_admin_required
from apps.advising import selectors, selectors_comments, services
from apps.advising.forms import AssignForm, CaseloadFilterForm
from apps.advising.forms_comments import CoachingNoteForm
from apps.advising.models import COMMENT_MAX, AccessRecord, CommentThread
from apps.advising.threads import threads_prepare
from apps.contacts.enums import Stage
from apps.contacts.selectors import target_list_grouped
from apps.core.csv_cells import csv_cell_safe, csv_streaming_response
from apps.core.feedback import error_messages
from apps.core.links import path_for_pk, safe_next
from apps.core.rendering import (
    CountedPaginator,
    Kept,
    LocalDates,
    filter_form_holes,
    pagination_html,
    stencil,
    stencil_filled,
    widget_kept,
)
from apps.interviews.selectors import interview_list_for_advisor
from apps.students.selectors import student_profile_find

PAGE_SIZE = 50


def _caseload(request, *, page: bool = False):
    """The filter form and the caseload it asks for (None when the form is not
    valid): for a page, what its Paginator slices; else the whole queryset; and
    what was read from the cache first (selectors.caseload_cached)."""
    advisor = request.user
    cached = selectors.caseload_cached(advisor=advisor)
    form = CaseloadFilterForm(
        request.GET,
        programmes=cached.programmes,
        fields=cached.fields,
    )
    if not form.is_valid():
        return form, None, None, None, cached
    query = form.query(
        default_scope=selectors.SCOPE_MINE if cached.has_caseload else selectors.SCOPE_OFFICE
    )
    now = timezone.now()
    read = selectors.caseload_page_rows if page else selectors.caseload_for_advisor
    students = read(advisor=advisor, query=query, now=now)
    return form, query, students, now, cached


_WIDGETS = ("scope", "programme", "year", "field", "stage", "flag")


def _widgets(form, cached: selectors.CaseloadCached) -> dict[str, str]:
    """The filters' widgets as `{{ form.<name> }}` wrote them, each kept per value,
    language and the office's choices (core.rendering.widget_kept)."""
    choices = {"programme": tuple(cached.programmes), "field": cached.fields_version}
    return {name: widget_kept(form[name], choices=choices.get(name, ())) for name in _WIDGETS}


_FILTER_HOLES = ("errors", "q", *_WIDGETS, "sort")


def _filters_html(form, widgets: dict[str, str]) -> str:
    """The filters' form as the page's template wrote it: its labels, buttons and
    links from advising/_caseload_filters.html rendered once per language
    (core.rendering.stencil), the request's values in its holes, escaped as `{{ }}`
    escaped them."""
    return stencil_filled(
        stencil("advising/_caseload_filters.html", _FILTER_HOLES),
        {
            **widgets,
            **filter_form_holes(form),
        },
    )


# The page's sortable columns: (sort key, heading), in the table's order.
COLUMNS = [
    ("name", gettext_lazy("Student")),
    ("programme", gettext_lazy("Programme")),
    ("year", gettext_lazy("Year")),
    ("contacts", gettext_lazy("Contacts")),
    ("targets", gettext_lazy("Targets")),
    ("requests", gettext_lazy("Requests")),
    ("accepted", gettext_lazy("Accepted")),
    ("held", gettext_lazy("Held")),
    ("on_time", gettext_lazy("Thanks on time")),
    ("late", gettext_lazy("Late")),
    ("missing", gettext_lazy("Missing")),
    ("overdue", gettext_lazy("Overdue")),
    ("activity", gettext_lazy("Last activity")),
    ("stage", gettext_lazy("Stage")),
]


def _headers(query: selectors.CaseloadQuery) -> list[dict]:
    """Each column's heading with the sort its link asks for: ascending first,
    descending when it is already the ascending sort."""
    headers = []
    for key, label in COLUMNS:
        current = query.sort == key
        headers.append(
            {
                "label": label,
                "sort": f"-{key}" if current and not query.descending else key,
                "aria_sort": ("descending" if query.descending else "ascending")
                if current
                else None,
            }
        )
    return headers


# Per query string and language: most requests are one of a few.
_kept_header_cells = Kept(256)


def _header_cells(request, query: selectors.CaseloadQuery) -> str:
    """_header_cells_written, kept per process, query string (request.GET and the
    sort are made from it alone) and language."""
    key = (request.META.get("QUERY_STRING", ""), get_language())
    cells = _kept_header_cells.get(key)
    if cells is None:
        cells = _header_cells_written(request, query)
        _kept_header_cells.put(key, cells)
    return cells


def _header_cells_written(request, query: selectors.CaseloadQuery) -> str:
    """The headings' cells, as the template's loop wrote them with
    `{% querystring sort=header.sort page=None %}` for each link: the query string
    without the page is encoded once (as QueryDict.urlencode does), the sort put
    where it was (last when it was not there)."""
    before, after = [], []
    pairs = before
    for key, values in request.GET.lists():
        if key == "sort":
            pairs = after
        elif key != "page":
            pairs.extend((key, value) for value in values)
    head, tail = urlencode(before), urlencode(after)
    cells = []
    for header in _headers(query):
        link = "&".join(part for part in (head, urlencode({"sort": header["sort"]}), tail) if part)
        aria = f' aria-sort="{header["aria_sort"]}"' if header["aria_sort"] else ""
        cells.append(
            f'<th scope="col"{aria}><a href="{html_escape("?" + link)}">'
            f"{html_escape(str(header['label']))}</a></th>"
        )
    return mark_safe("".join(cells))  # noqa: S308 - every value above is escaped


@functools.cache
def _flag_badges(language: str | None) -> tuple[str, ...]:
    """Each flag's badge as the row shows it, in the row's order (stalled, missed
    thank-you, no targets, asked for a job, no advisor), with the spaces between
    badges the page has always had; made once per language."""
    asked = _("A request was sent although the checker read it as asking for a job")
    return (
        format_html('<span class="badge text-bg-warning">{}</span> ', _("stalled")),
        format_html('<span class="badge text-bg-danger">{}</span> ', _("missed thank-you")),
        format_html('<span class="badge text-bg-secondary">{}</span>', _("no targets yet")),
        format_html(
            ' <span class="badge text-bg-danger" title="{}">{}</span>',
            asked,
            _("asked for a job"),
        ),
        format_html(' <span class="badge text-bg-light">{}</span>', _("no advisor")),
    )


@functools.cache
def _stage_badges(language: str | None) -> dict[str, str]:
    """Each stage's badge as the row shows it, made once per language."""
    return {
        stage: _STAGE.format(stage=escape(stage), label=escape(str(label)))
        for stage, label in Stage.choices
    }


# One row of the table, exactly as the template's loop wrote it (whitespace and all):
# written here, 50 rows cost a few string operations each instead of some 20
# template tags and variables.
_ROW = (
    "\n  <tr>\n    {select}\n"
    '    <th scope="row"><a class="d-block" href="{url}">{name}</a>'
    '<span class="small text-body-secondary">{email}</span>'
    '<span class="d-block caseload-flags">{badges}</span></th>\n'
    "    <td>{programme}</td>\n"
    "    <td>{year}</td>\n"
    "    <td>{contacts}</td>\n"
    "    <td>{targets}</td>\n"
    "    <td>{requests}</td>\n"
    "    <td>{accepted}</td>\n"
    "    <td>{held}</td>\n"
    "    <td>{on_time}</td>\n"
    "    <td>{late}</td>\n"
    "    <td>{missing}</td>\n"
    "    <td>{overdue}</td>\n"
    '    <td class="text-nowrap"><time datetime="{active_iso}">{active}</time></td>\n'
    "    <td>{stage}</td>\n"
    "  </tr>\n  "
)
_SELECT = (
    '<td><input class="form-check-input" type="checkbox" name="students" value="{pk}"'
    ' id="select-{pk}" aria-label="{label}"></td>'
)
_STAGE = '<span class="badge stage stage-{stage}">{label}</span>'


def _rows_html(students, *, selectable: bool) -> str:
    """The table's rows (what the template's loop over the page wrote), each value
    escaped as `{{ }}` would (html.escape: what Django's escape does for a str,
    without its lazy wrapper's cost): its link, its flags' badges, its figures, its
    last activity and its stage. `selectable` adds the office admin's checkbox."""
    language = get_language()
    stages = _stage_badges(language)
    # As plain str: a SafeString's + makes another SafeString, five times a row.
    stalled, missed, no_targets, job_ask, no_advisor = map(str.__str__, _flag_badges(language))
    dates = LocalDates(language)
    select = _("Select %(name)s")
    url_for = path_for_pk("advising_student")
    e = html_escape
    rows = []
    for student in students:
        pk = int(student.pk)
        name = student.full_name
        iso, shown = dates.date_shown(student.active_at)
        stage = student.furthest_stage
        year = student.graduation_year
        missing = int(student.thanks_missing)
        targets = int(student.targets)
        rows.append(
            _ROW.format(
                select=_SELECT.format(pk=pk, label=e(select % {"name": name}))
                if selectable
                else "",
                url=e(url_for(pk)),
                name=e(name),
                email=e(student.email),
                badges=(stalled if student.is_stalled else "")
                + (missed if missing else "")
                + ("" if targets else no_targets)
                + (job_ask if student.job_asks else "")
                + ("" if student.has_advisor else no_advisor),
                programme=e(student.programme),
                year="" if year is None else int(year),
                contacts=int(student.contacts_count),
                targets=targets,
                requests=int(student.requests_sent),
                accepted=int(student.accepted),
                held=int(student.held),
                on_time=int(student.thanks_on_time),
                late=int(student.thanks_late),
                missing=missing,
                overdue=int(student.overdue_followups),
                active_iso=e(iso),
                active=e(shown),
                stage=stages.get(stage) or _STAGE.format(stage=e(stage), label="") if stage else "",
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@advisor_only
def caseload(request):
    form, query, students, now, cached = _caseload(request, page=True)
    if students is None:
        return render(
            request,
            "advising/caseload.html",
            {"form": form, "filters": _filters_html(form, _widgets(form, cached))},
            status=400,
        )
    count = selectors.caseload_count(
        advisor=request.user, query=query, now=now, version=cached.members_version
    )
    page = CountedPaginator(students, PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    page.object_list = list(
        selectors.caseload_flags(page.object_list, advisor=request.user, now=now)
    )
    return render(
        request,
        "advising/caseload.html",
        {
            "form": form,
            "filters": _filters_html(form, _widgets(form, cached)),
            "query": query,
            "page": page,
            "header_cells": _header_cells(request, query),
            "pagination": mark_safe(pagination_html(request, page)),  # noqa: S308 - escaped
            "rows": _rows_html(page.object_list, selectable=request.user.is_office_admin),
            # Office admins assign the students they select to an advisor.
            "assign_form": AssignForm(
                advisors=selectors.advisors_of_office(office_id=request.user.office_id)
            )
            if request.user.is_office_admin
            else None,
        },
    )


# Exactly the columns of the page, in its order.
CSV_COLUMNS = [
    (gettext_lazy("Name"), "full_name"),
    (gettext_lazy("Email"), "email"),
    (gettext_lazy("Programme"), "programme"),
    (gettext_lazy("Graduation year"), "graduation_year"),
    (gettext_lazy("Contacts"), "contacts_count"),
    (gettext_lazy("On target lists"), "targets"),
    (gettext_lazy("Requests sent"), "requests_sent"),
    (gettext_lazy("Accepted"), "accepted"),
    (gettext_lazy("Conversations held"), "held"),
    (gettext_lazy("Thank-yous on time"), "thanks_on_time"),
    (gettext_lazy("Thank-yous late"), "thanks_late"),
    (gettext_lazy("Thank-yous missing"), "thanks_missing"),
    (gettext_lazy("Overdue follow-ups"), "overdue_followups"),
    (gettext_lazy("Last activity"), "active_at"),
    (gettext_lazy("Stage"), "furthest_stage"),
    (gettext_lazy("Flags"), None),
]


def _flags(student) -> str:
    flags = []
    if student.is_stalled:
        flags.append(_("stalled"))
    if student.thanks_missing:
        flags.append(_("missed thank-you"))
    if not student.targets:
        flags.append(_("no targets yet"))
    if student.job_asks:
        flags.append(_("asked for a job"))
    return ", ".join(flags)


def _csv_rows(students, *, advisor, now):
    stages = dict(Stage.choices)
    yield [csv_cell_safe(header) for header, _attr in CSV_COLUMNS]
    rows = students.iterator(chunk_size=2000)
    for student in selectors.caseload_flags(rows, advisor=advisor, now=now):
        row = []
        for _header, attr in CSV_COLUMNS:
            if attr is None:
                row.append(_flags(student))
            elif attr == "furthest_stage":
                row.append(str(stages.get(student.furthest_stage, "")))
            elif attr == "active_at":
                row.append(timezone.localtime(student.active_at).strftime("%Y-%m-%d %H:%M"))
            else:
                row.append(getattr(student, attr))
        yield [csv_cell_safe(cell) for cell in row]


@advisor_only
def caseload_csv(request):
    """What the page shows, every page of it, as CSV. Logged in the access log."""
    form, _query, students, now, cached = _caseload(request)
    if students is None:
        return render(
            request,
            "advising/caseload.html",
            {"form": form, "filters": _filters_html(form, _widgets(form, cached))},
            status=400,
        )
    services.access_record(
        actor=request.user, what=AccessRecord.What.CASELOAD_CSV, detail=request.GET.urlencode()
    )
    return csv_streaming_response(
        _csv_rows(students, advisor=request.user, now=now), filename="caseload.csv"
    )


# --- The student's page -------------------------------------------------------------


@advisor_only
def student_page(request, pk: int):
    """One student of the advisor's office, read-only: who they are, their pitch and
    target list, their conversations (notes only where the student shared them)
    and what they did lately. Every visit is recorded in the access log."""
    advisor = request.user
    student = selectors.student_for_advisor(advisor=advisor, pk=pk)
    profile = student_profile_find(user=student)
    advisors = list(selectors.advisor_list_for_student(student=student))
    conversations = list(interview_list_for_advisor(student=student))
    context = {
        "student": student,
        "profile": profile,
        "fields": list(profile.fields.all()) if profile else [],
        "advisors": advisors,
        "target_groups": target_list_grouped(student=student)[0],
        "conversations": conversations,
        "activity": selectors.student_activity(student=student),
        **_comments_context(request, student=student, advisors=advisors, profile=profile),
    }
    _threads_onto_conversations(conversations, context.pop("threads_by_thing"))
    services.access_record(actor=advisor, what=AccessRecord.What.STUDENT_PAGE, subject=student)
    return render(request, "advising/student_detail.html", context)


def _comments_context(request, *, student, advisors, profile) -> dict:
    """Comments on the student's things and the coaching notes about them. The
    student's replies since this advisor's last visit (the access log) are marked
    new; only assigned advisors and office admins get the forms."""
    advisor = request.user
    can_write = advisor.is_office_admin or any(a.pk == advisor.pk for a in advisors)
    seen_until = selectors_comments.advisor_last_visit(advisor=advisor, student=student)
    threads = threads_prepare(
        selectors_comments.thread_list_for_student_page(student=student),
        can_write=can_write,
        mark_new=True,
        seen_until=seen_until,
    )
    by_thing: dict[tuple, list] = {}
    for thread in threads:
        by_thing.setdefault((thread.on, thread.interview_id), []).append(thread)
    notes = Paginator(
        selectors_comments.coaching_note_page_list(student=student),
        selectors_comments.COACHING_NOTES_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return {
        "can_write": can_write,
        "pitch_threads": by_thing.get((CommentThread.On.PITCH, None), []),
        "threads_by_thing": by_thing,
        "threads_shown_max": selectors_comments.STUDENT_PAGE_THREADS_SHOWN,
        "threads_capped": len(threads) >= selectors_comments.STUDENT_PAGE_THREADS_SHOWN,
        "notes_page": notes,
        "note_form": CoachingNoteForm(auto_id="id_note_%s"),
        "comment_max": COMMENT_MAX,
        "here": request.path,
    }


def _threads_onto_conversations(conversations, by_thing: dict) -> None:
    for interview in conversations:
        interview.question_threads = by_thing.get((CommentThread.On.QUESTIONS, interview.pk), [])
        interview.conversation_threads = by_thing.get(
            (CommentThread.On.CONVERSATION, interview.pk), []
        )


@office_admin_required
@require_POST
def assign(request):
    """An office admin assigns the students selected on the caseload to an advisor."""
    admin = request.user
    back = safe_next(request, reverse("caseload"))
    form = AssignForm(
        request.POST, advisors=selectors.advisors_of_office(office_id=admin.office_id)
    )
    if not form.is_valid():
        error_messages(request, ValidationError(form.errors))
        return redirect(back)
    advisor = form.cleaned_data["advisor"]
    try:
        added = services.assignments_add(
            admin=admin, advisor_id=advisor.pk, student_ids=form.cleaned_data["students"]
        )
    except ValidationError as exc:
        error_messages(request, exc)
        return redirect(back)
    chosen = len(set(form.cleaned_data["students"]))
    messages.success(
        request,
        ngettext(
            "%(name)s now advises the student you selected (%(new)s new).",
            "%(name)s now advises the %(n)s students you selected (%(new)s new).",
            chosen,
        )
        % {"name": advisor.full_name, "n": chosen, "new": added},
    )
    return redirect(back)


@office_admin_required
@require_POST
def unassign(request, pk: int, advisor_pk: int):
    """An office admin ends one advisor's assignment to a student (from the
    student's page)."""
    student = selectors.student_for_advisor(advisor=request.user, pk=pk)
    if services.assignment_remove(admin=request.user, advisor_id=advisor_pk, student_id=student.pk):
        messages.success(request, _("Removed."))
    return redirect("advising_student", pk=student.pk)

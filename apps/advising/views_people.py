"""The office's People page (`/office/people/`): every member, a page at a time,
with bulk actions on the ones ticked, and assignment of students by rule."""

from html import escape
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaulttags import querystring
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import (
    get_language,
    gettext,
    gettext_lazy,
    ngettext,
    ngettext_lazy,
)
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.enums import Approval, Role
from apps.accounts.permissions import office_admin_required
from apps.advising import selectors_people, services_people
from apps.advising.forms_people import AssignmentRuleForm, PeopleBulkForm, PeopleFilterForm
from apps.advising.selectors import advisor_choices_for_office, advisors_of_office
from apps.core.feedback import error_messages
from apps.core.links import path_for_pk, safe_next
from apps.core.models import choice_label
from apps.core.rendering import (
    CountedPaginator,
    Kept,
    LocalDates,
    csrf_input_html,
    filter_form_holes,
    pagination_html,
    stencil,
    stencil_filled,
    widget_kept,
)
from apps.students.selectors import programmes_for_office

PAGE_SIZE = 50

# The sortable columns: (sort key, heading).
COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("joined", gettext_lazy("Joined")),
    ("last_login", gettext_lazy("Last sign-in")),
]


def _headers(query: selectors_people.PeopleQuery) -> dict[str, dict]:
    """Each sortable column's link (ascending first, descending when it is already
    the ascending sort) and its aria-sort."""
    headers = {}
    for key, label in COLUMNS:
        current = query.sort == key
        headers[key] = {
            "label": label,
            "sort": f"-{key}" if current and not query.descending else key,
            "aria_sort": ("descending" if query.descending else "ascending") if current else None,
        }
    return headers


# Per query string and language: most requests are one of a few.
_kept_header_cells = Kept(256)


def _header_cells(request, query: selectors_people.PeopleQuery) -> dict[str, str]:
    """The sortable columns' heading cells, as the template wrote each with
    `{% querystring sort=... page=None %}`, kept per process, query string (the
    GET and the query are made from it alone) and language."""
    key = (request.META.get("QUERY_STRING", ""), get_language())
    cells = _kept_header_cells.get(key)
    if cells is None:
        context = SimpleNamespace(request=request)
        cells = {}
        for name, header in _headers(query).items():
            aria = f' aria-sort="{header["aria_sort"]}"' if header["aria_sort"] else ""
            link = querystring(context, sort=header["sort"], page=None)
            cells[name] = (
                f'<th scope="col"{aria}><a href="{escape(link)}">'
                f"{escape(str(header['label']))}</a></th>"
            )
        _kept_header_cells.put(key, cells)
    return cells


# A member's status badge: (its class, what it says).
STATUS_BADGES = {
    "deactivated": ("text-bg-dark", gettext_lazy("deactivated")),
    Approval.PENDING: ("text-bg-warning", gettext_lazy("awaiting approval")),
    Approval.REJECTED: ("text-bg-secondary", gettext_lazy("not approved")),
    Approval.APPROVED: ("text-bg-success", gettext_lazy("active")),
}


def _rows_html(rows: list[selectors_people.PersonRow]) -> str:
    """The table's rows as HTML, written here rather than by the template: a row of
    the old `{% for %}` cost some 25 template nodes (lookups, escapes, ifs), and 50
    rows of them were most of the page's time. The markup is the old template's,
    byte for byte (tests/advising/test_people_rows.py renders the old one and
    compares); every value is escaped as the template escaped it. What is the same
    for every row (the time zone, the month names, the role labels, the badges) is
    worked out once a page, not once a row."""
    badges = {
        key: f'<span class="badge {css}">{escape(str(label))}</span>'
        for key, (css, label) in STATUS_BADGES.items()
    }
    deactivated, approved = badges["deactivated"], badges[Approval.APPROVED]
    select = gettext("Select %(name)s")
    admin_badge = f' <span class="badge text-bg-secondary">{escape(gettext("admin"))}</span>'
    no_advisor = f'<span class="badge text-bg-light">{escape(gettext("no advisor"))}</span>'
    never = f'<span class="text-body-secondary">{escape(gettext("never"))}</span>'
    student_path = path_for_pk("advising_student")
    student = Role.STUDENT
    roles = {}
    # As core.rendering.date_shown (|date:"c" and |date:"j M Y"), the zone and the
    # month names read once a page; an ISO time has nothing to escape.
    dates = LocalDates(get_language())
    zone = dates.zone
    months = [escape(month) for month in dates.months]

    def time_html(value) -> str:
        local = value.astimezone(zone)
        return (
            f'<time datetime="{local.isoformat()}">'
            f"{local.day} {months[local.month]} {local.year:04d}</time>"
        )

    parts = ["\n  "]
    for (
        pk,
        full_name,
        email,
        role,
        is_office_admin,
        is_active,
        approval,
        date_joined,
        last_login,
        programme,
        year,
        names,
    ) in rows:
        name = escape(full_name)
        if role == student:
            shown = escape(", ".join(names)) if names else no_advisor
            if is_active:
                name = f'<a href="{escape(student_path(pk))}">{name}</a>'
        else:
            shown = ""
        badge = badges.get(approval, approved) if is_active else deactivated
        role_html = roles.get(role)
        if role_html is None:
            role_html = roles[role] = escape(str(choice_label(Role, role)))
        parts.append(
            "\n  <tr>\n"
            f'    <td><input class="form-check-input" type="checkbox" name="members" value="{pk}"'
            f' form="people-bulk" id="select-{pk}"'
            f' aria-label="{escape(select % {"name": full_name})}"></td>\n'
            f'    <th scope="row" class="fw-normal">{name}'
            f'<div class="small text-body-secondary text-break">{escape(email)}</div></th>\n'
            f"    <td>{role_html}{admin_badge if is_office_admin else ''}</td>\n"
            f"    <td>{badge}</td>\n"
            f"    <td>{escape(programme)}</td>\n"
            f"    <td>{'' if year is None else year}</td>\n"
            f"    <td>{shown}</td>\n"
            f'    <td class="text-nowrap">{time_html(date_joined)}</td>\n'
            f'    <td class="text-nowrap">{time_html(last_login) if last_login else never}</td>\n'
            "  </tr>\n  "
        )
    return "".join(parts)


_FILTER_WIDGETS = ("role", "status", "programme", "year", "without_advisor")
_FILTER_HOLES = ("errors", "q", *_FILTER_WIDGETS, "sort")


def _filters_html(form, *, programmes: list[str]) -> str:
    """The links and the filters' form as the page's template wrote them: the
    labels, buttons and links from advising/_people_filters.html rendered once per
    language (core.rendering.stencil), the request's values in its holes, escaped
    as `{{ }}` escaped them; each widget kept per value, language and the office's
    programmes (core.rendering.widget_kept)."""
    choices = {"programme": tuple(programmes)}
    return stencil_filled(
        stencil("advising/_people_filters.html", _FILTER_HOLES),
        {
            **{
                name: widget_kept(form[name], choices=choices.get(name, ()))
                for name in _FILTER_WIDGETS
            },
            **filter_form_holes(form),
        },
    )


# Per language and the office's advisors: an unbound form's selects.
_kept_bulk_widgets = Kept(256)


def _bulk_widgets(*, office_id: int, cached: selectors_people.PeopleCached) -> tuple[str, str]:
    """The bulk form's two selects (`{{ bulk_form.action }}`, `{{ bulk_form.advisor }}`
    of the unbound form), kept per process, language and the advisor choices
    (advisor_choices_for_office, read in people_cached's round trip): building the
    form and its advisors' queryset on every view cost more than reading the page."""
    choices = advisor_choices_for_office(
        office_id=office_id, version=cached.members_version, stored=cached.advisor_choices_stored
    )
    key = (get_language(), tuple(choices))
    widgets = _kept_bulk_widgets.get(key)
    if widgets is None:
        form = PeopleBulkForm(
            advisors=advisors_of_office(office_id=office_id), advisor_choices=choices
        )
        widgets = (str(form["action"]), str(form["advisor"]))
        _kept_bulk_widgets.put(key, widgets)
    return widgets


_TABLE_HOLES = ("csrf", "next", "action", "advisor", "name", "joined", "last_login", "rows")
_TABLE_HOLES += ("pagination",)


def _table_html(request, page, *, query, csrf_token: str, bulk: tuple[str, str]) -> str:
    """The bulk form and the table as the page's template wrote them, from
    advisor/_people_table.html rendered once per language, the request's values
    (the CSRF token, the path, the headings' links, the rows, the pager) in its
    holes."""
    action, advisor = bulk
    return stencil_filled(
        stencil("advising/_people_table.html", _TABLE_HOLES),
        {
            "csrf": csrf_input_html(csrf_token),
            "next": escape(request.get_full_path()),
            "action": action,
            "advisor": advisor,
            **_header_cells(request, query),
            "rows": _rows_html(page.object_list),
            "pagination": pagination_html(request, page),
        },
    )


def _count_html(count: int) -> str:
    # As {% blocktranslate count n=... %}{{ n }} person{% plural %}{{ n }} people...
    return ngettext("%(n)s person", "%(n)s people", count) % {
        "n": escape(str(formats.localize(count)))
    }


@office_admin_required
@require_GET
def people(request):
    admin = request.user
    cached = selectors_people.people_cached(
        office_id=admin.office_id,
        asked=tuple(request.GET.getlist(name) for name in PeopleFilterForm.FILTERS),
    )
    form = PeopleFilterForm(request.GET, programmes=cached.programmes)
    if not form.is_valid():
        return render(
            request,
            "advising/people.html",
            {"form": form, "filters": _filters_html(form, programmes=cached.programmes)},
            status=400,
        )
    query = form.query()
    page = CountedPaginator(
        selectors_people.people_page_rows(admin=admin, query=query),
        PAGE_SIZE,
        count=selectors_people.people_count(admin=admin, query=query, cached=cached),
    ).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": _filters_html(form, programmes=cached.programmes),
        "query": query,
        "page": page,
        "count": mark_safe(_count_html(page.paginator.count)),  # noqa: S308 - escaped
    }
    if page.object_list:
        # The layout's and the bulk form's token are one, as the csrf_token context
        # processor's lazy value gave both.
        context["csrf_token"] = csrf_token = get_token(request)
        context["table"] = _table_html(
            request,
            page,
            query=query,
            csrf_token=csrf_token,
            bulk=_bulk_widgets(office_id=admin.office_id, cached=cached),
        )
    return render(request, "advising/people.html", context)


# What a bulk action did, by action; plural by `n`.
DONE = {
    services_people.ACTION_ASSIGN: ngettext_lazy(
        "%(name)s now advises the selected students (%(n)s new assignment).",
        "%(name)s now advises the selected students (%(n)s new assignments).",
        "n",
    ),
    services_people.ACTION_UNASSIGN: ngettext_lazy(
        "%(name)s no longer advises %(n)s of the selected students.",
        "%(name)s no longer advises %(n)s of the selected students.",
        "n",
    ),
    services_people.ACTION_DEACTIVATE: ngettext_lazy(
        "%(n)s person deactivated: they can no longer sign in.",
        "%(n)s people deactivated: they can no longer sign in.",
        "n",
    ),
    services_people.ACTION_REACTIVATE: ngettext_lazy(
        "%(n)s person reactivated: they can sign in again.",
        "%(n)s people reactivated: they can sign in again.",
        "n",
    ),
}


@office_admin_required
@require_POST
def people_bulk(request):
    """One action on the members ticked on the People page, all or nothing."""
    admin = request.user
    back = safe_next(request, reverse("office_people"))
    form = PeopleBulkForm(request.POST, advisors=advisors_of_office(office_id=admin.office_id))
    if not form.is_valid():
        error_messages(request, ValidationError(form.errors))
        return redirect(back)
    data = form.cleaned_data
    advisor = data.get("advisor")
    try:
        changed = services_people.people_bulk_apply(
            admin=admin,
            action=data["action"],
            member_ids=data["members"],
            advisor_id=advisor.pk if advisor else None,
        )
    except ValidationError as exc:
        error_messages(request, exc)
        return redirect(back)
    messages.success(
        request,
        DONE[data["action"]] % {"n": changed, "name": advisor.full_name if advisor else ""},
    )
    return redirect(back)


def _rule_form(request, data):
    admin = request.user
    return AssignmentRuleForm(
        data,
        programmes=programmes_for_office(office_id=admin.office_id),
        advisors=advisors_of_office(office_id=admin.office_id),
    )


@office_admin_required
def people_assign_by_rule(request):
    """Programme and/or graduation year → advisor: a GET with the rule previews how
    many students it covers; the POST applies it."""
    admin = request.user
    if request.method == "POST":
        form = _rule_form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                added = services_people.assignments_add_by_rule(
                    admin=admin,
                    advisor_id=data["advisor"].pk,
                    programme=data["programme"],
                    year=data["year"],
                )
            except ValidationError as exc:
                error_messages(request, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(name)s now advises every student the rule covers (%(n)s new).",
                        "%(name)s now advises every student the rule covers (%(n)s new).",
                        added,
                    )
                    % {"name": data["advisor"].full_name, "n": added},
                )
                return redirect("office_people_rule")
        return render(request, "advising/people_rule.html", {"form": form}, status=400)
    form = _rule_form(request, request.GET or None)
    preview = None
    if form.is_bound:
        if not form.is_valid():
            return render(request, "advising/people_rule.html", {"form": form}, status=400)
        data = form.cleaned_data
        preview = selectors_people.rule_preview(
            admin=admin,
            advisor_id=data["advisor"].pk,
            programme=data["programme"],
            year=data["year"],
        )
        preview["new"] = preview["matched"] - preview["already"]
    return render(request, "advising/people_rule.html", {"form": form, "preview": preview})

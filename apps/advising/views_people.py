"""The office's People page (`/office/people/`): every member, a page at a time,
with bulk actions on the ones ticked, and assignment of students by rule."""

from html import escape

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
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
from apps.core.rendering import CountedPaginator, LocalDates
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


# A member's status badge: (its class, what it says).
STATUS_BADGES = {
    "deactivated": ("text-bg-dark", gettext_lazy("deactivated")),
    Approval.PENDING: ("text-bg-warning", gettext_lazy("awaiting approval")),
    Approval.REJECTED: ("text-bg-secondary", gettext_lazy("not approved")),
    Approval.APPROVED: ("text-bg-success", gettext_lazy("active")),
}


def _rows_html(rows, *, advisors: dict[int, list[str]]) -> str:
    """The table's rows as HTML, written here rather than by the template: a row of
    the old `{% for %}` cost some 25 template nodes (lookups, escapes, ifs), and 50
    rows of them were most of the page's time. Each member also gets
    `advisor_names`. The markup is the old template's, byte for byte
    (tests/advising/test_people_rows.py renders the old one and compares); every
    value is escaped as the template escaped it. What is the same for every row
    (the time zone, the month names, the role labels, the badges) is worked out
    once a page, not once a row."""
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
    roles = {}
    # As core.rendering.date_shown, with the zone and the language read once a page.
    dates = LocalDates(get_language())

    def time_html(value) -> str:
        return (
            f'<time datetime="{escape(dates.local(value).isoformat())}">'
            f"{escape(dates.day_short(value))}</time>"
        )

    parts = ["\n  "]
    for member in rows:
        pk = member.pk
        names = member.advisor_names = advisors.get(pk, [])
        full_name = member.full_name
        name = escape(full_name)
        if member.is_student:
            shown = escape(", ".join(names)) if names else no_advisor
            if member.is_active:
                name = f'<a href="{escape(student_path(pk))}">{name}</a>'
        else:
            shown = ""
        badge = badges.get(member.approval, approved) if member.is_active else deactivated
        role = roles.get(member.role)
        if role is None:
            role = roles[member.role] = escape(str(choice_label(Role, member.role)))
        year = member.graduation_year
        last_login = member.last_login
        parts.append(
            "\n  <tr>\n"
            f'    <td><input class="form-check-input" type="checkbox" name="members" value="{pk}"'
            f' form="people-bulk" id="select-{pk}"'
            f' aria-label="{escape(select % {"name": full_name})}"></td>\n'
            f'    <th scope="row" class="fw-normal">{name}'
            f'<div class="small text-body-secondary text-break">{escape(member.email)}</div></th>\n'
            f"    <td>{role}{admin_badge if member.is_office_admin else ''}</td>\n"
            f"    <td>{badge}</td>\n"
            f"    <td>{escape(member.programme)}</td>\n"
            f"    <td>{'' if year is None else year}</td>\n"
            f"    <td>{shown}</td>\n"
            f'    <td class="text-nowrap">{time_html(member.date_joined)}</td>\n'
            f'    <td class="text-nowrap">{time_html(last_login) if last_login else never}</td>\n'
            "  </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


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
        return render(request, "advising/people.html", {"form": form}, status=400)
    query = form.query()
    page = CountedPaginator(
        selectors_people.people_page_rows(admin=admin, query=query),
        PAGE_SIZE,
        count=selectors_people.people_count(admin=admin, query=query, cached=cached),
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    advisors = (
        selectors_people.advisor_names_for_students(
            admin=admin, student_ids=[m.pk for m in rows if m.is_student]
        )
        if rows
        else {}
    )
    rows_html = _rows_html(rows, advisors=advisors)
    page.object_list = rows
    return render(
        request,
        "advising/people.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "headers": _headers(query),
            "rows_html": rows_html,
            "bulk_form": PeopleBulkForm(
                advisors=advisors_of_office(office_id=admin.office_id),
                advisor_choices=advisor_choices_for_office(
                    office_id=admin.office_id,
                    version=cached.members_version,
                    stored=cached.advisor_choices_stored,
                ),
            ),
        },
    )


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

"""The office volunteer list's rows written by the view
(views_directory._office_rows_html) are the HTML, byte for byte, that the template
wrote with a `{% for %}` over the profiles. directory_office_before_rows.html is that
template as it was; it is rendered here from the page's own context, each profile
given what the view used to work out for it (`_old_rows_prepare`, the view's code as
it was), and the whole document compared (only the CSRF token, masked afresh on
every use, is set aside). The rows' statement (directory.volunteer_rows_for_admin)
is kept once and gives the ORM's rows."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.contacts import directory
from apps.contacts.volunteers import (
    volunteer_deactivate,
    volunteer_pause,
    volunteer_profile_get_or_create,
    volunteer_stats_record_request,
)
from apps.core import statements
from tests.factories.accounts import UserFactory
from tests.factories.contacts import volunteer_named

URL = "/office/directory/"
OLD_TEMPLATE = (Path(__file__).parent / "directory_office_before_rows.html").read_text()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

pytestmark = pytest.mark.django_db


def _old_rows_prepare(profiles) -> None:
    """views_directory._office_rows as it was."""
    badges = {
        directory.STATUS_DEACTIVATED: ("text-bg-dark", _("deactivated")),
        directory.STATUS_NOT_ACCEPTING: ("text-bg-secondary", _("not accepting requests")),
        directory.STATUS_INCOMPLETE: ("text-bg-info", _("profile not filled in")),
        directory.STATUS_AT_CAPACITY: ("text-bg-secondary", _("at capacity")),
        directory.STATUS_ACTIVE: ("text-bg-success", _("active")),
    }
    labels = {True: _("Reactivate"), False: _("Deactivate")}
    month = _("%(used)s of %(capacity)s requests")
    for profile in profiles:
        if profile.status == directory.STATUS_PAUSED:
            profile.badge_class = "text-bg-warning text-wrap"
            profile.badge_label = _("paused until %(date)s") % {
                "date": formats.date_format(profile.paused_until, "j M Y")
            }
        else:
            profile.badge_class, profile.badge_label = badges[profile.status]
        profile.works_at = ", ".join(p for p in (profile.job_title, profile.employer) if p)
        profile.this_month = month % {
            "used": profile.requests_this_month,
            "capacity": profile.capacity_per_month,
        }
        gone = profile.deactivated_at is not None
        action = "office_volunteer_reactivate" if gone else "office_volunteer_deactivate"
        profile.action_url = reverse(action, args=[profile.pk])
        profile.action_label = labels[gone]
        profile.action_class = "btn-outline-success" if gone else "btn-outline-danger"


def _same(response) -> str:
    html = response.content.decode()
    # The page's own context: the search box's widget is rendered first, in the view.
    context = next(c for c in response.context if "form" in c).flatten()
    if "profiles" in context:
        _old_rows_prepare(context["profiles"])
    old = engines["django"].from_string(OLD_TEMPLATE).render(context, response.wsgi_request)
    assert "{%" not in old
    assert CSRF.sub("csrf", html) == CSRF.sub("csrf", old)
    return html


def _every_kind(office, admin):
    """A volunteer in each status, with names and employers that need escaping."""
    active = volunteer_named(office, "Ana <b>Active</b>", employer='R&D "Labs"', job_title="")
    paused = volunteer_named(office, "Paula Paused", employer="Acme", job_title="Analyst")
    volunteer_pause(
        user=paused.user, profile=paused, until=timezone.localdate() + timedelta(days=7)
    )
    volunteer_named(office, "Nora Not-accepting", accepting_requests=False)
    full = volunteer_named(office, "Fay Full", capacity_per_month=1, job_title="CTO")
    volunteer_stats_record_request(profile=full)
    gone = volunteer_named(office, "Dee O'Deactivated", capacity_per_month=4)
    volunteer_deactivate(admin=admin, profile=gone)
    volunteer_profile_get_or_create(
        user=UserFactory(office=office, role=Role.ALUMNI, full_name="Ina Incomplete")
    )
    return active


@pytest.mark.parametrize("query", ["", "?q=a", "?q=acme", "?q=nobody-matches", "?q=" + "x" * 300])
def test_office_directory_rows_are_the_old_templates_to_the_byte(
    office, office_admin, login_as, query
):
    _every_kind(office, office_admin)
    browser = login_as(office_admin)

    response = browser.get(URL + query)

    html = _same(response)
    if query == "":
        assert html.count("\n    <tr>\n") == 6
        assert "Ana &lt;b&gt;Active&lt;/b&gt;" in html
        assert "R&amp;D &quot;Labs&quot;" in html
    assert response.status_code == (400 if len(query) > 100 else 200)


def test_office_directory_rows_when_none_and_on_a_second_page(office, office_admin, login_as):
    browser = login_as(office_admin)
    _same(browser.get(URL))  # no volunteer yet: the empty row
    for n in range(51):
        volunteer_named(office, f"Vol {n:02}", email=f"vol{n}@alumni.test")

    second = _same(browser.get(URL + "?page=2"))

    assert second.count("\n    <tr>\n") == 1
    assert "Vol 50" in second


def _row_values(profile) -> tuple:
    return (
        profile.pk, profile.user_id, profile.user.pk, profile.user.full_name, profile.employer,
        profile.job_title, profile.formats, profile.capacity_per_month,
        profile.accepting_requests, profile.paused_until, profile.deactivated_at,
        profile.month_started, profile.requests_in_month,
    )  # fmt: skip


def test_office_directory_rows_statement_is_kept_and_gives_the_orms_rows(
    office, office_admin, other_admin, django_assert_num_queries
):
    statements.statements_clear()
    _every_kind(office, office_admin)
    volunteer_named(other_admin.office, "Olga Other", employer="Acme")
    orm = directory.volunteer_list_for_admin(admin=office_admin, search="ac")

    first = directory.volunteer_rows_for_admin(admin=office_admin, search=" ac ")[0:50]
    with django_assert_num_queries(1):
        again = directory.volunteer_rows_for_admin(admin=office_admin, search="ac")[0:50]
        seen = [(p.pk, p.user.full_name, p.employer) for p in again]

    assert seen == [(p.pk, p.user.full_name, p.employer) for p in orm]
    # Every value a row reads, as the ORM's profile and user give it.
    assert [_row_values(p) for p in again] == [_row_values(p) for p in orm]
    everyone = directory.volunteer_rows_for_admin(admin=office_admin)[0:50]
    assert [_row_values(p) for p in everyone] == [
        _row_values(p) for p in directory.volunteer_list_for_admin(admin=office_admin)
    ]
    assert {tuple(p.formats) for p in everyone} == {(), ("video",)}
    assert [p.pk for p in first] == [p.pk for p in again]
    # Names, emails and employers, whatever their case: "Acme" and "Deactivated" too.
    assert {name for _pk, name, _e in seen} == {
        "Ana <b>Active</b>",
        "Paula Paused",
        "Nora Not-accepting",
        "Dee O'Deactivated",
    }
    other = directory.volunteer_rows_for_admin(admin=other_admin, search="ac")[0:50]
    assert [p.user.full_name for p in other] == ["Olga Other"]
    kept = {shape[1:3] for shape in statements._statements("default")}
    assert kept == {("contacts.office_volunteers", True), ("contacts.office_volunteers", False)}
    statements.statements_clear()

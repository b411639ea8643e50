"""The People page, written by the view (its rows by views_people._rows_html, its
filters and table from kept stencils with the request's values in their holes), is
the HTML, byte for byte, that the template wrote with a `{% for %}` over the members.
people_before_rows.html is that template as it was; it is rendered here from what
the view used to give it, rebuilt from the page's own context: each member a User
read by the ORM (its programme, year and advisors read here, as the view read them)
and given what the view used to work out for it (`_old_rows_prepare`, the view's
code as it was), the headings' sorts and the bulk form, and the whole document
compared (only the CSRF token, masked afresh on every use, is set aside)."""

import re
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.enums import Approval, Role
from apps.accounts.models import User
from apps.advising.forms_people import PeopleBulkForm
from apps.advising.models import Assignment
from apps.advising.selectors import advisor_choices_for_office, advisors_of_office
from apps.advising.services import assignments_add
from apps.advising.views_people import STATUS_BADGES, _headers
from apps.core.rendering import date_shown
from apps.students.models import StudentProfile
from apps.students.selectors import student_profile_figures
from tests.factories.accounts import UserFactory

URL = "/office/people/"
OLD_TEMPLATE = (Path(__file__).parent / "people_before_rows.html").read_text()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

pytestmark = pytest.mark.django_db


def _old_rows_prepare(rows) -> None:
    """views_people._rows_prepare as it was (advisor_names set by the view)."""
    badges = {key: (css, str(label)) for key, (css, label) in STATUS_BADGES.items()}
    select = gettext("Select %(name)s")
    for member in rows:
        member.select_label = select % {"name": member.full_name}
        member.url = (
            reverse("advising_student", args=[member.pk])
            if member.is_student and member.is_active
            else ""
        )
        member.role_label = member.get_role_display()
        member.status_badge = (
            badges["deactivated"]
            if not member.is_active
            else badges.get(member.approval, badges[Approval.APPROVED])
        )
        member.joined = date_shown(member.date_joined)
        member.signed_in = date_shown(member.last_login) if member.last_login else None


def _old_members(rows) -> list[User]:
    """The page's members as the view used to give them: Users with their programme
    and year, and each student's advisors by name (read here, not from the rows)."""
    ids = [row.pk for row in rows]
    users = User.objects.filter(pk__in=ids).annotate(**student_profile_figures()).in_bulk()
    names = {}
    for student_id, name in (
        Assignment.objects.filter(student_id__in=ids)
        .order_by("advisor__full_name", "advisor_id")
        .values_list("student_id", "advisor__full_name")
    ):
        names.setdefault(student_id, []).append(name)
    members = [users[pk] for pk in ids]
    for member in members:
        member.advisor_names = names.get(member.pk, []) if member.is_student else []
    return members


def _old_page(response, admin) -> str:
    # The page's own context (a stencil rendered on a cold process comes first).
    context = next(c for c in response.context if "form" in c).flatten()
    if "page" in context:
        page = context["page"]
        page.object_list = _old_members(page.object_list)
        _old_rows_prepare(page.object_list)
        context["headers"] = _headers(context["query"])
        context["bulk_form"] = PeopleBulkForm(
            advisors=advisors_of_office(office_id=admin.office_id),
            advisor_choices=advisor_choices_for_office(office_id=admin.office_id),
        )
    with timezone.override(zoneinfo.ZoneInfo(admin.time_zone)):
        return engines["django"].from_string(OLD_TEMPLATE).render(context, response.wsgi_request)


def _same(response, admin) -> str:
    html = response.content.decode()
    old = _old_page(response, admin)
    assert "{%" not in old
    assert CSRF.sub("csrf", html) == CSRF.sub("csrf", old)
    return html


def _every_kind(office, admin, advisor):
    """Members of every kind a row shows: escaped names, a student with a profile
    and two advisors, one without advisor, deactivated, awaiting and not approved
    volunteers, an admin badge, signed in or never."""
    sam = UserFactory(office=office, email="sam&co@northfield.test", full_name="Sam <b>O'Neil</b>")
    StudentProfile.objects.create(user=sam, programme='Econ & "Health"', graduation_year=2027)
    assignments_add(admin=admin, advisor_id=advisor.pk, student_ids=[sam.pk])
    assignments_add(admin=admin, advisor_id=admin.pk, student_ids=[sam.pk])
    priya = UserFactory(office=office, email="priya@northfield.test", full_name="Priya Patel")
    StudentProfile.objects.create(user=priya, programme="History", graduation_year=None)
    gone = UserFactory(office=office, email="gone@northfield.test", full_name="Gone Student")
    UserFactory(
        office=office, email="pat@alumni.test", full_name="Pat Pending", role=Role.ALUMNI,
        approval=Approval.PENDING,
    )  # fmt: skip
    UserFactory(
        office=office, email="rex@alumni.test", full_name="Rex Rejected", role=Role.ALUMNI,
        approval=Approval.REJECTED,
    )  # fmt: skip
    UserFactory(office=office, email="al@alumni.test", full_name="Al Alumni", role=Role.ALUMNI)
    User.objects.filter(pk=sam.pk).update(last_login=datetime(2026, 2, 1, 3, 30, tzinfo=UTC))
    User.objects.filter(pk=gone.pk).update(
        is_active=False, date_joined=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    )


def _many(office, admin, advisor):
    for n in range(60):
        UserFactory(office=office, email=f"s{n:02d}@northfield.test", full_name=f"Student {n:02d}")


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("arrange", [None, _every_kind, _many])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"role": "student"},
        {"sort": "-joined"},
        {"sort": "last_login", "page": "2"},
        {"q": "nobody-matches"},
        {"status": "awaiting"},
        {"q": "<b>&", "without_advisor": "on", "sort": "-name"},
        {"year": "2027", "role": "admin"},
    ],
)
def test_the_page_is_the_html_the_old_template_wrote(
    zone, arrange, params, office, office_admin, advisor, login_as
):
    office_admin.time_zone = zone
    office_admin.save(update_fields=["time_zone"])
    if arrange is not None:
        arrange(office, office_admin, advisor)

    response = login_as(office_admin).get(URL, params)

    assert response.status_code == 200
    _same(response, office_admin)


@pytest.mark.parametrize(
    "params", [{"year": "abc"}, {"sort": "bogus", "q": "<i>"}, {"programme": "Nowhere"}]
)
def test_a_refused_filter_is_the_old_html(params, office, office_admin, advisor, login_as):
    _every_kind(office, office_admin, advisor)

    response = login_as(office_admin).get(URL, params)

    assert response.status_code == 400
    html = _same(response, office_admin)
    assert 'class="alert alert-danger"' in html


def test_a_programme_filter_is_the_old_html(office, office_admin, advisor, login_as):
    _every_kind(office, office_admin, advisor)

    response = login_as(office_admin).get(URL, {"programme": "History", "sort": "-last_login"})

    assert response.status_code == 200
    assert _same(response, office_admin).count('name="members"') == 1


@pytest.mark.parametrize("count", [0, 1, 3])
def test_one_and_three_rows_are_the_old_html(count, office, office_admin, login_as):
    for n in range(count):
        UserFactory(office=office, email=f"s{n}@northfield.test", full_name=f"Student {n}")

    response = login_as(office_admin).get(URL, {"role": "student"})

    html = _same(response, office_admin)
    assert html.count('name="members"') == count


def test_the_rows_cover_every_kind(office, office_admin, advisor, login_as):
    """The case above shows each kind of row, in the admin's time zone."""
    _every_kind(office, office_admin, advisor)

    html = login_as(office_admin).get(URL).content.decode()

    sam = User.objects.get(email="sam&co@northfield.test")
    assert (
        f'<a href="/advising/students/{sam.pk}/">Sam &lt;b&gt;O&#x27;Neil&lt;/b&gt;</a>'
        '<div class="small text-body-secondary text-break">sam&amp;co@northfield.test</div>'
    ) in html
    assert 'aria-label="Select Sam &lt;b&gt;O&#x27;Neil&lt;/b&gt;"' in html
    assert "<td>Econ &amp; &quot;Health&quot;</td>\n    <td>2027</td>" in html
    assert "<td>Avery Admin, Dana Advisor</td>" in html
    assert "<td>History</td>\n    <td></td>" in html
    assert '<span class="badge text-bg-light">no advisor</span>' in html
    assert '<span class="badge text-bg-dark">deactivated</span>' in html
    assert '<span class="badge text-bg-warning">awaiting approval</span>' in html
    assert '<span class="badge text-bg-secondary">not approved</span>' in html
    assert '<td>Career advisor <span class="badge text-bg-secondary">admin</span></td>' in html
    assert '<time datetime="2026-01-31T22:30:00-05:00">31 Jan 2026</time>' in html
    assert '<time datetime="2025-12-31T18:30:00-05:00">31 Dec 2025</time>' in html
    assert '<span class="text-body-secondary">never</span>' in html
    assert '<th scope="row" class="fw-normal">Gone Student<div' in html

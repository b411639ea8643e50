"""The office's People page at /office/people/: every member a page at a time,
searched and filtered in the database, bulk actions on the ticked rows, and
assignment of students to an advisor by rule."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.services import (
    members_set_active,
    user_create,
    user_update_profile,
    volunteer_decide,
)
from apps.advising.models import Assignment
from apps.advising.services import assignments_add
from apps.students.models import StudentProfile
from apps.students.selectors import student_profile_get
from apps.students.services import student_profile_update
from tests.factories.accounts import OfficeFactory, UserFactory

URL = "/office/people/"
BULK = "/office/people/bulk/"
RULE = "/office/people/assign-by-rule/"

pytestmark = pytest.mark.django_db


def _profile(user, programme, year):
    StudentProfile.objects.create(user=user, programme=programme, graduation_year=year)


def _emails(response) -> list[str]:
    return [m.email for m in response.context["page"].object_list]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _assigned():
    return sorted(Assignment.objects.values_list("advisor__email", "student__email"))


def _active():
    return dict(User.objects.values_list("email", "is_active"))


# --- Who may see it -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["student", "alumni", "advisor", "volunteer"])
def test_people_is_for_office_admins_only(persona, request, login_as, student):
    user = request.getfixturevalue(persona)
    browser = login_as(user.user if persona == "volunteer" else user)

    assert browser.get(URL).status_code == 403
    assert browser.post(BULK, {"action": "deactivate", "members": [student.pk]}).status_code == 403
    assert browser.get(RULE).status_code == 403
    assert _active()["sam@northfield.test"] is True


def test_people_sends_a_visitor_to_sign_in(nobody):
    response = nobody.get(URL)

    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/office/people/",
    )


def test_people_lists_only_the_admins_office(
    office_admin, student, alumni, advisor, other_student, other_admin, login_as
):
    response = login_as(office_admin).get(URL)

    assert _emails(response) == [
        "alex@alumni.test",
        "avery@northfield.test",
        "dana@northfield.test",
        "sam@northfield.test",
    ]
    assert "oscar@southbank.test" not in response.content.decode()


# --- Rows, search, filters, sort ------------------------------------------------------


def test_people_rows_show_role_status_programme_advisors_and_last_sign_in(
    office_admin, advisor, student, student2, pending_alumni, login_as
):
    _profile(student, "Economics", 2027)
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    assignments_add(admin=office_admin, advisor_id=office_admin.pk, student_ids=[student.pk])
    User.objects.filter(pk=student.pk).update(last_login=datetime(2026, 2, 1, 12, tzinfo=UTC))
    User.objects.filter(pk=student2.pk).update(is_active=False)

    response = login_as(office_admin).get(URL, {"role": "student"})

    rows = [
        (m.full_name, m.programme, m.graduation_year, m.advisor_names, m.is_active)
        for m in response.context["page"].object_list
    ]
    assert rows == [
        ("Priya Patel", "", None, [], False),
        ("Sam Student", "Economics", 2027, ["Avery Admin", "Dana Advisor"], True),
    ]
    html = response.content.decode()
    assert "Avery Admin, Dana Advisor" in html
    # In the admin's time zone (New York).
    assert '<time datetime="2026-02-01T07:00:00-05:00">1 Feb 2026</time>' in html
    assert "deactivated" in html
    pending = login_as(office_admin).get(URL, {"status": "awaiting"})
    assert _emails(pending) == ["pat@alumni.test"]
    assert "awaiting approval" in pending.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "PATEL"}, ["priya@northfield.test"]),
        ({"q": "alumni.test"}, ["alex@alumni.test"]),
        ({"role": "advisor"}, ["avery@northfield.test", "dana@northfield.test"]),
        ({"role": "admin"}, ["avery@northfield.test"]),
        ({"role": "alumni"}, ["alex@alumni.test"]),
        ({"status": "deactivated"}, ["sam@northfield.test"]),
        ({"status": "active", "role": "student"}, ["priya@northfield.test"]),
        ({"programme": "History"}, ["priya@northfield.test"]),
        ({"year": "2027"}, ["sam@northfield.test"]),
        ({"programme": "History", "year": "2027"}, []),
        ({"without_advisor": "on"}, ["priya@northfield.test"]),
    ],
)
def test_people_search_and_filters(
    params, expected, office_admin, advisor, alumni, student, student2, login_as
):
    _profile(student, "Economics", 2027)
    _profile(student2, "History", 2028)
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    User.objects.filter(pk=student.pk).update(is_active=False)

    response = login_as(office_admin).get(URL, params)

    assert response.status_code == 200
    assert _emails(response) == expected


def test_people_sorts_by_joined_and_last_sign_in(office_admin, student, student2, login_as):
    now = datetime(2026, 3, 1, tzinfo=UTC)
    User.objects.filter(pk=office_admin.pk).update(date_joined=now - timedelta(days=30))
    User.objects.filter(pk=student.pk).update(date_joined=now - timedelta(days=10))
    User.objects.filter(pk=student2.pk).update(date_joined=now - timedelta(days=20), last_login=now)
    User.objects.filter(pk=office_admin.pk).update(last_login=now - timedelta(days=1))
    browser = login_as(office_admin)
    # force_login stamped last_login; set it again after signing in.
    User.objects.filter(pk=office_admin.pk).update(last_login=now - timedelta(days=1))
    User.objects.filter(pk=student.pk).update(last_login=None)

    joined = browser.get(URL, {"sort": "joined"})
    newest = browser.get(URL, {"sort": "-joined"})
    signed_in = browser.get(URL, {"sort": "-last_login"})

    assert _emails(joined) == [
        "avery@northfield.test",
        "priya@northfield.test",
        "sam@northfield.test",
    ]
    assert _emails(newest) == list(reversed(_emails(joined)))
    # Never signed in goes last either way.
    assert _emails(signed_in) == [
        "priya@northfield.test",
        "avery@northfield.test",
        "sam@northfield.test",
    ]
    assert 'aria-sort="descending"' in signed_in.content.decode()


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"sort": "password"}, "The list cannot be sorted that way."),
        ({"year": "20x7"}, "Enter a whole number."),
        (
            {"role": "superuser"},
            "Select a valid choice. superuser is not one of the available choices.",
        ),
        (
            {"programme": "Their programme"},
            "Select a valid choice. Their programme is not one of the available choices.",
        ),
    ],
)
def test_people_bad_filters_are_400_with_the_reason(params, error, office_admin, login_as):
    response = login_as(office_admin).get(URL, params)

    assert response.status_code == 400
    assert [e for errors in response.context["form"].errors.values() for e in errors] == [error]


def test_people_programme_choices_are_the_offices_own(
    office_admin, student, other_student, login_as
):
    _profile(student, "Economics", 2027)
    _profile(other_student, "Southbank Secret Studies", 2027)

    response = login_as(office_admin).get(URL)

    assert response.context["form"].fields["programme"].choices[1:] == [("Economics", "Economics")]


def test_people_pages_fifty_at_a_time_keeping_filters(login_as):
    office = OfficeFactory()
    admin = UserFactory(office=office, role=Role.ADVISOR, is_office_admin=True, full_name="Zed")
    for n in range(60):
        UserFactory(office=office, full_name=f"Student {n:02}")
    browser = login_as(admin)

    first = browser.get(URL, {"role": "student"})
    second = browser.get(URL, {"role": "student", "page": "2"})

    assert len(first.context["page"].object_list) == 50
    assert [m.full_name for m in second.context["page"].object_list] == [
        f"Student {n:02}" for n in range(50, 60)
    ]
    assert 'href="?role=student&amp;page=2"' in first.content.decode()


def _office_of(count: int) -> User:
    """An admin and `count` students, each with a profile and an advisor."""
    office = OfficeFactory()
    admin = UserFactory(office=office, role=Role.ADVISOR, is_office_admin=True)
    students = [UserFactory(office=office) for _ in range(count)]
    for n, student in enumerate(students):
        _profile(student, f"Programme {n % 3}", 2026 + n % 4)
    assignments_add(admin=admin, advisor_id=admin.pk, student_ids=[s.pk for s in students])
    return admin


@pytest.mark.parametrize("count", [1, 3, 60])
@pytest.mark.parametrize("params", [{}, {"q": "example"}, {"without_advisor": "on"}])
def test_people_query_count_is_constant(count, params, login_as, django_assert_num_queries):
    admin = _office_of(count)
    browser = login_as(admin)
    if params.get("without_advisor"):
        Assignment.objects.all().delete()

    # Session, user, the programmes of the filter, the page's count, its rows with
    # their advisors, and the advisors of the bulk action's select.
    with django_assert_num_queries(6):
        response = browser.get(URL, params)

    assert response.status_code == 200
    shown = count if params.get("without_advisor") else count + 1
    assert len(response.context["page"].object_list) == min(shown, 50)


@pytest.mark.parametrize("count", [1, 3, 60])
def test_people_second_view_reads_its_count_and_advisors_from_the_cache(
    count, login_as, django_assert_num_queries
):
    admin = _office_of(count)
    browser = login_as(admin)
    browser.get(URL)

    # Session, user and the page's rows with their advisors: the programmes, the
    # count and the advisors of the bulk action's select are cached.
    with django_assert_num_queries(3):
        response = browser.get(URL)

    assert response.context["page"].paginator.count == count + 1
    assert len(response.context["page"].object_list) == min(count + 1, 50)


def _count(browser, **params) -> int:
    return browser.get(URL, params).context["page"].paginator.count


def test_people_counts_change_at_once_with_the_membership(
    office_admin,
    advisor,
    student,
    student2,
    pending_alumni,
    login_as,
    django_capture_on_commit_callbacks,
):
    _profile(student2, "History", 2026)
    browser = login_as(office_admin)
    before = {
        "all": _count(browser),
        "active": _count(browser, status="active"),
        "awaiting": _count(browser, status="awaiting"),
        "unadvised": _count(browser, without_advisor="on"),
        "search": _count(browser, q="Zoe"),
        "programme": _count(browser, programme="History"),
    }
    assert before == {
        "all": 5,
        "active": 4,
        "awaiting": 1,
        "unadvised": 2,
        "search": 0,
        "programme": 1,
    }

    with django_capture_on_commit_callbacks(execute=True):
        user_create(
            office=office_admin.office,
            email="new@northfield.test",
            full_name="Noor New",
            password=None,
        )
    assert _count(browser) == 6
    assert _count(browser, without_advisor="on") == 3

    with django_capture_on_commit_callbacks(execute=True):
        assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    assert _count(browser, without_advisor="on") == 2

    with django_capture_on_commit_callbacks(execute=True):
        members_set_active(admin=office_admin, member_ids=[student2.pk], active=False)
    assert _count(browser, status="active") == 4  # Noor joined, Priya left

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_decide(admin=office_admin, volunteer=pending_alumni, approve=True)
    assert _count(browser, status="awaiting") == 0

    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(user=student, full_name="Zoe Student", time_zone="UTC")
    assert _count(browser, q="Zoe") == 1

    profile = student_profile_get(user=student)
    with django_capture_on_commit_callbacks(execute=True):
        student_profile_update(
            profile=profile,
            programme="History",
            graduation_year=2027,
            fields=[],
            interest_tags=[],
            target_companies=[],
            pitch="",
        )
    assert _count(browser, programme="History") == 2


def test_people_count_is_per_office(office_admin, student, other_student, login_as):
    other_admin = UserFactory(office=other_student.office, role=Role.ADVISOR, is_office_admin=True)
    UserFactory(office=other_student.office)

    assert _count(login_as(office_admin)) == 2
    assert _count(login_as(other_admin)) == 3
    assert _count(login_as(office_admin)) == 2


def test_people_advisor_select_shows_a_new_advisor_at_once(
    office_admin, advisor, student, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(office_admin)
    first = browser.get(URL).content.decode()
    assert (
        '<select name="advisor" class="form-select" id="id_advisor">\n'
        '  <option value="" selected>Choose an advisor</option>\n\n'
        f'  <option value="{office_admin.pk}">Avery Admin</option>\n\n'
        f'  <option value="{advisor.pk}">Dana Advisor</option>\n\n</select>'
    ) in first

    with django_capture_on_commit_callbacks(execute=True):
        newcomer = user_create(
            office=office_admin.office,
            email="bo@northfield.test",
            full_name="Bo Advisor",
            password=None,
            role=Role.ADVISOR,
        )
    html = browser.get(URL).content.decode()

    assert f'<option value="{newcomer.pk}">Bo Advisor</option>' in html
    response = browser.post(
        BULK,
        {"action": "assign", "advisor": newcomer.pk, "members": [student.pk], "next": URL},
    )
    assert response.status_code == 302
    assert ("bo@northfield.test", "sam@northfield.test") in _assigned()


def test_people_bulk_refuses_an_advisor_still_in_a_cached_select(
    office_admin, advisor, student, login_as
):
    browser = login_as(office_admin)
    assert (
        f'<option value="{advisor.pk}">Dana Advisor</option>' in browser.get(URL).content.decode()
    )
    # Deactivated without a service (so without a new version): the select may still
    # offer them, but the form checks the choice against the office's advisors.
    User.objects.filter(pk=advisor.pk).update(is_active=False)

    response = browser.post(
        BULK,
        {"action": "assign", "advisor": advisor.pk, "members": [student.pk], "next": URL},
        follow=True,
    )

    assert "Choose an advisor of your office." in _messages(response)
    assert _assigned() == []


# --- Bulk actions ---------------------------------------------------------------------


def test_bulk_assign_then_remove_an_advisor(office_admin, advisor, student, student2, login_as):
    browser = login_as(office_admin)
    back = "/office/people/?without_advisor=on"

    assigned = browser.post(
        BULK,
        {
            "action": "assign",
            "advisor": advisor.pk,
            "members": [student.pk, student2.pk],
            "next": back,
        },
    )
    after_assign = _assigned()
    removed = browser.post(
        BULK, {"action": "unassign", "advisor": advisor.pk, "members": [student.pk]}
    )

    assert (assigned.status_code, assigned["Location"]) == (302, back)
    assert _messages(assigned) == [
        "Dana Advisor now advises the selected students (2 new assignments)."
    ]
    assert after_assign == [
        ("dana@northfield.test", "priya@northfield.test"),
        ("dana@northfield.test", "sam@northfield.test"),
    ]
    assert (removed.status_code, removed["Location"]) == (302, URL)
    assert _messages(removed)[-1] == "Dana Advisor no longer advises 1 of the selected students."
    assert _assigned() == [("dana@northfield.test", "priya@northfield.test")]


def test_bulk_deactivate_then_reactivate(office_admin, student, alumni, login_as):
    browser = login_as(office_admin)
    student_browser = login_as(student)

    off = browser.post(BULK, {"action": "deactivate", "members": [student.pk, alumni.pk]})
    after_off = _active()
    signed_out = student_browser.get("/student/")
    on = browser.post(BULK, {"action": "reactivate", "members": [student.pk, alumni.pk]})

    assert _messages(off) == ["2 people deactivated: they can no longer sign in."]
    assert (after_off["sam@northfield.test"], after_off["alex@alumni.test"]) == (False, False)
    assert signed_out.status_code == 302
    assert _messages(on)[-1] == "2 people reactivated: they can sign in again."
    assert (_active()["sam@northfield.test"], _active()["alex@alumni.test"]) == (True, True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "deactivate", "members": ["STUDENT", "ADMIN"]},
            "You cannot deactivate your own account.",
        ),
        (
            {"action": "deactivate", "members": ["STUDENT", "OTHER_STUDENT"]},
            "Some of those are not people of your office.",
        ),
        (
            {"action": "assign", "advisor": "ADVISOR", "members": ["STUDENT", "OTHER_STUDENT"]},
            "Some of those are not students of your office.",
        ),
        (
            {"action": "assign", "advisor": "ADVISOR", "members": ["STUDENT", "ALUMNI"]},
            "Some of those are not students of your office.",
        ),
        (
            {"action": "assign", "advisor": "OTHER_ADMIN", "members": ["STUDENT"]},
            "Choose an advisor of your office.",
        ),
        (
            {"action": "unassign", "advisor": "OTHER_ADMIN", "members": ["STUDENT"]},
            "Choose an advisor of your office.",
        ),
        ({"action": "assign", "members": ["STUDENT"]}, "Choose an advisor."),
        ({"action": "deactivate"}, "Select at least one person."),
        ({"members": ["STUDENT"]}, "Choose what to do with the selected people."),
        (
            {"action": "delete", "members": ["STUDENT"]},
            "Select a valid choice. delete is not one of the available choices.",
        ),
        (
            {"action": "deactivate", "members": ["999999"]},
            "Some of those are not people of your office.",
        ),
    ],
)
def test_bulk_bad_input_says_why_and_changes_nothing(
    data, message, office_admin, advisor, student, alumni, other_student, other_admin, login_as
):
    ids = {
        "STUDENT": student.pk,
        "ALUMNI": alumni.pk,
        "ADMIN": office_admin.pk,
        "OTHER_STUDENT": other_student.pk,
        "ADVISOR": advisor.pk,
        "OTHER_ADMIN": other_admin.pk,
    }
    post = {
        key: [ids.get(v, v) for v in value] if isinstance(value, list) else ids.get(value, value)
        for key, value in data.items()
    }
    before = _active()

    response = login_as(office_admin).post(BULK, post)

    assert (response.status_code, response["Location"]) == (302, URL)
    assert _messages(response) == [message]
    assert _active() == before
    assert _assigned() == []


def test_bulk_offsite_next_goes_back_to_people(office_admin, student, login_as):
    response = login_as(office_admin).post(
        BULK, {"action": "deactivate", "members": [student.pk], "next": "https://evil.test/"}
    )

    assert response["Location"] == URL


def test_bulk_needs_a_post(office_admin, login_as):
    assert login_as(office_admin).get(BULK).status_code == 405


def test_the_page_offers_select_all_and_the_actions(office_admin, student, login_as):
    html = login_as(office_admin).get(URL).content.decode()

    assert "data-select-all" in html
    assert f'name="members" value="{student.pk}" form="people-bulk"' in html
    assert '<option value="deactivate">Deactivate</option>' in html
    assert "/static/js/people.js" in html
    assert " style=" not in html and "onclick" not in html


# --- Assignment by rule ---------------------------------------------------------------


@pytest.fixture
def cohort(office, office_admin, advisor):
    """Five Economics students of 2027 (two already Dana's), one of 2028, one
    History student of 2027, and one deactivated Economics student of 2027."""
    made = {}
    for n in range(5):
        made[f"econ{n}"] = UserFactory(office=office, email=f"econ{n}@northfield.test")
        _profile(made[f"econ{n}"], "Economics", 2027)
    made["econ_late"] = UserFactory(office=office, email="late@northfield.test")
    _profile(made["econ_late"], "Economics", 2028)
    made["history"] = UserFactory(office=office, email="hist@northfield.test")
    _profile(made["history"], "History", 2027)
    made["gone"] = UserFactory(office=office, email="gone@northfield.test")
    _profile(made["gone"], "Economics", 2027)
    User.objects.filter(pk=made["gone"].pk).update(is_active=False)
    assignments_add(
        admin=office_admin, advisor_id=advisor.pk, student_ids=[made["econ0"].pk, made["econ1"].pk]
    )
    return made


def test_rule_preview_counts_matches_and_those_already_assigned(
    cohort, office_admin, advisor, login_as, django_assert_num_queries
):
    browser = login_as(office_admin)

    # Session, user, programmes, advisors of the select, the preview's aggregate,
    # and the advisor the form resolves.
    with django_assert_num_queries(6):
        response = browser.get(
            RULE, {"programme": "Economics", "year": "2027", "advisor": advisor.pk}
        )

    assert response.status_code == 200
    assert response.context["preview"] == {"matched": 5, "already": 2, "new": 3}
    html = response.content.decode()
    assert "5 students match, 2 already have this advisor." in html
    assert "Assign 3 students to Dana Advisor" in html
    assert len(_assigned()) == 2


def test_rule_apply_is_idempotent(cohort, office_admin, advisor, login_as):
    browser = login_as(office_admin)
    rule = {"programme": "Economics", "year": "", "advisor": advisor.pk}

    first = browser.post(RULE, rule)
    after_first = _assigned()
    second = browser.post(RULE, rule)

    assert (first.status_code, first["Location"]) == (302, RULE)
    assert _messages(first) == ["Dana Advisor now advises every student the rule covers (4 new)."]
    assert [student for _advisor, student in after_first] == sorted(
        [f"econ{n}@northfield.test" for n in range(5)] + ["late@northfield.test"]
    )
    assert _messages(second)[-1] == (
        "Dana Advisor now advises every student the rule covers (0 new)."
    )
    assert _assigned() == after_first


def test_rule_by_year_only_keeps_other_advisors(cohort, office_admin, advisor, login_as):
    login_as(office_admin).post(RULE, {"programme": "", "year": "2027", "advisor": office_admin.pk})

    mine = sorted(s for a, s in _assigned() if a == "avery@northfield.test")
    assert mine == sorted([f"econ{n}@northfield.test" for n in range(5)] + ["hist@northfield.test"])
    assert len([a for a, _s in _assigned() if a == "dana@northfield.test"]) == 2


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"programme": "", "year": "", "advisor": "ADVISOR"},
            "Choose a programme, a graduation year or both.",
        ),
        (
            {"programme": "Economics", "year": "", "advisor": "OTHER_ADMIN"},
            "Choose an advisor of your office.",
        ),
        ({"programme": "Economics", "year": "", "advisor": ""}, "Choose an advisor."),
        (
            {"programme": "Law", "year": "", "advisor": "ADVISOR"},
            "Select a valid choice. Law is not one of the available choices.",
        ),
        (
            {"programme": "", "year": "1900", "advisor": "ADVISOR"},
            "Ensure this value is greater than or equal to 1950.",
        ),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_rule_bad_input_is_400_and_assigns_nothing(
    method, data, error, cohort, office_admin, advisor, other_admin, login_as
):
    ids = {"ADVISOR": advisor.pk, "OTHER_ADMIN": other_admin.pk}
    params = {key: ids.get(value, value) for key, value in data.items()}

    response = getattr(login_as(office_admin), method)(RULE, params)

    assert response.status_code == 400
    assert [e for errors in response.context["form"].errors.values() for e in errors] == [error]
    assert len(_assigned()) == 2


def test_rule_of_another_office_admin_touches_only_their_office(
    cohort, other_admin, other_student, login_as
):
    _profile(other_student, "Economics", 2027)

    response = login_as(other_admin).post(
        RULE, {"programme": "Economics", "year": "2027", "advisor": other_admin.pk}
    )

    assert response.status_code == 302
    assert [s for a, s in _assigned() if a == "olive@southbank.test"] == ["oscar@southbank.test"]


def test_people_links_to_each_way_of_inviting_and_assigning(office_admin, login_as):
    html = login_as(office_admin).get(URL).content.decode()

    assert 'href="/office/invitations/"' in html
    assert 'href="/office/people/import/"' in html
    assert 'href="/office/people/assign-by-rule/"' in html

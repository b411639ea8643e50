"""Office admins assign students to advisors from the caseload (select many) and
end an assignment from the student's page."""

import pytest
from django.contrib.messages import get_messages

from apps.advising.models import Assignment
from apps.advising.services import assignments_add

ASSIGN = "/advising/assign/"


def _assigned():
    return sorted(Assignment.objects.values_list("advisor__email", "student__email"))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_admin_assigns_the_selected_students(office_admin, advisor, student, student2, login_as):
    response = login_as(office_admin).post(
        ASSIGN,
        {
            "advisor": advisor.pk,
            "students": [student.pk, student2.pk],
            "next": "/advising/?scope=office&flag=unassigned",
        },
    )

    assert (response.status_code, response["Location"]) == (
        302,
        "/advising/?scope=office&flag=unassigned",
    )
    assert _assigned() == [
        ("dana@northfield.test", "priya@northfield.test"),
        ("dana@northfield.test", "sam@northfield.test"),
    ]
    assert _messages(response) == ["Dana Advisor now advises the 2 students you selected (2 new)."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"students": ["STUDENT"]}, "Choose an advisor."),
        ({"advisor": "OTHER_ADMIN", "students": ["STUDENT"]}, "Choose an advisor of your office."),
        ({"advisor": "ADVISOR"}, "Select at least one student."),
        (
            {"advisor": "ADVISOR", "students": ["STUDENT", "OTHER_STUDENT"]},
            "Some of those are not students of your office.",
        ),
    ],
)
def test_bad_input_says_why_and_assigns_nobody(
    data, message, office_admin, advisor, student, other_student, other_admin, login_as
):
    ids = {
        "STUDENT": student.pk,
        "OTHER_STUDENT": other_student.pk,
        "ADVISOR": advisor.pk,
        "OTHER_ADMIN": other_admin.pk,
    }
    post = {
        key: [ids[v] for v in value] if isinstance(value, list) else ids[value]
        for key, value in data.items()
    }

    response = login_as(office_admin).post(ASSIGN, post)

    assert (response.status_code, response["Location"]) == (302, "/advising/")
    assert _messages(response) == [message]
    assert _assigned() == []


def test_an_offsite_next_goes_back_to_the_caseload(office_admin, advisor, student, login_as):
    response = login_as(office_admin).post(
        ASSIGN, {"advisor": advisor.pk, "students": [student.pk], "next": "https://evil.test/"}
    )

    assert response["Location"] == "/advising/"


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni"])
def test_only_office_admins_assign(persona, advisor, student, request, login_as):
    response = login_as(request.getfixturevalue(persona)).post(
        ASSIGN, {"advisor": advisor.pk, "students": [student.pk]}
    )

    assert response.status_code == 403
    assert _assigned() == []


def test_assigning_needs_a_post(office_admin, login_as):
    assert login_as(office_admin).get(ASSIGN).status_code == 405


def test_the_caseload_offers_selection_to_admins_only(
    office_admin, advisor, student, login_as, django_assert_num_queries
):
    admin_page = login_as(office_admin)
    with django_assert_num_queries(8):  # the advisors of the select, on top of the 7
        as_admin = admin_page.get("/advising/").content.decode()
    as_advisor = login_as(advisor).get("/advising/").content.decode()

    assert f'name="students" value="{student.pk}"' in as_admin
    assert f'<option value="{advisor.pk}">Dana Advisor</option>' in as_admin
    assert 'name="students"' not in as_advisor
    assert "/advising/assign/" not in as_advisor


def test_an_admin_ends_an_assignment_from_the_students_page(
    office_admin, advisor, student, login_as
):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    url = f"/advising/students/{student.pk}/advisors/{advisor.pk}/remove/"
    page = login_as(office_admin).get(f"/advising/students/{student.pk}/").content.decode()
    assert f'action="{url}"' in page

    response = login_as(office_admin).post(url)

    assert (response.status_code, response["Location"]) == (
        302,
        f"/advising/students/{student.pk}/",
    )
    assert _assigned() == []


def test_ending_an_assignment_is_for_this_offices_admins(
    office_admin, advisor, student, other_admin, login_as
):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    url = f"/advising/students/{student.pk}/advisors/{advisor.pk}/remove/"

    assert login_as(advisor).post(url).status_code == 403
    assert login_as(other_admin).post(url).status_code == 404
    assert _assigned() == [("dana@northfield.test", "sam@northfield.test")]
    page = login_as(advisor).get(f"/advising/students/{student.pk}/").content.decode()
    assert "/remove/" not in page

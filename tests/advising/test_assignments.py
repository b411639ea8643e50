"""Office admins assign students to advisors (apps.advising.services)."""

import pytest
from django.core.exceptions import ValidationError

from apps.advising.models import Assignment
from apps.advising.services import assignment_remove, assignments_add


def _assigned():
    return sorted(Assignment.objects.values_list("advisor__email", "student__email"))


def test_an_admin_assigns_students_and_a_second_time_only_the_new_ones(
    office_admin, advisor, student, student2
):
    first = assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    second = assignments_add(
        admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk, student2.pk]
    )

    assert (first, second) == (1, 1)
    assert _assigned() == [
        ("dana@northfield.test", "priya@northfield.test"),
        ("dana@northfield.test", "sam@northfield.test"),
    ]
    assert set(Assignment.objects.values_list("assigned_by", "office")) == {
        (office_admin.pk, office_admin.office_id)
    }


def test_a_student_may_have_more_than_one_advisor(office_admin, advisor, student):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    assignments_add(admin=office_admin, advisor_id=office_admin.pk, student_ids=[student.pk])

    assert _assigned() == [
        ("avery@northfield.test", "sam@northfield.test"),
        ("dana@northfield.test", "sam@northfield.test"),
    ]


def test_an_advisor_who_is_not_an_admin_cannot_assign(advisor, student):
    with pytest.raises(PermissionError):
        assignments_add(admin=advisor, advisor_id=advisor.pk, student_ids=[student.pk])
    assert _assigned() == []


@pytest.mark.parametrize("bad", ["other_student", "alumni", "advisor"])
def test_one_id_that_is_not_a_student_of_the_office_saves_nothing(
    bad, office_admin, advisor, student, request
):
    stranger = request.getfixturevalue(bad)

    with pytest.raises(ValidationError) as error:
        assignments_add(
            admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk, stranger.pk]
        )

    assert error.value.message_dict == {
        "students": ["Some of those are not students of your office."]
    }
    assert _assigned() == []


@pytest.mark.parametrize("bad", ["other_admin", "student", "alumni"])
def test_the_advisor_must_be_an_advisor_of_the_office(bad, office_admin, student, request):
    with pytest.raises(ValidationError) as error:
        assignments_add(
            admin=office_admin,
            advisor_id=request.getfixturevalue(bad).pk,
            student_ids=[student.pk],
        )

    assert error.value.message_dict == {"advisor": ["Choose an advisor of your office."]}
    assert _assigned() == []


def test_assigning_nobody_is_refused(office_admin, advisor):
    with pytest.raises(ValidationError) as error:
        assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[])

    assert error.value.message_dict == {"students": ["Choose at least one student."]}


def test_an_admin_removes_an_assignment_of_their_office_only(
    office_admin, advisor, student, other_admin
):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])

    assert (
        assignment_remove(admin=other_admin, advisor_id=advisor.pk, student_id=student.pk) is False
    )
    assert _assigned() == [("dana@northfield.test", "sam@northfield.test")]
    assert (
        assignment_remove(admin=office_admin, advisor_id=advisor.pk, student_id=student.pk) is True
    )
    assert _assigned() == []

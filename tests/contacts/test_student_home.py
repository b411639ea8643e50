import pytest
from django.urls import reverse

from apps.contacts.enums import Stage
from apps.contacts.services import contact_set_stage
from apps.students.selectors import student_profile_get
from tests.factories.contacts import ContactFactory
from tests.factories.students import FieldFactory


def test_new_student_is_pointed_at_the_first_step(login_as, student):
    response = login_as(student).get(reverse("student_home"))

    assert response.status_code == 200
    assert response.context["next_step"]["url"] == reverse("student_profile")
    assert [s["done"] for s in response.context["steps"]] == [False] * 5


def test_home_counts_contacts_targets_referrals_and_meetings(login_as, student, office):
    field = FieldFactory(office=office, name="Consulting")
    profile = student_profile_get(user=student)
    profile.fields.add(field)
    maria = ContactFactory(student=student, full_name="Maria", field=field, on_target_list=True)
    ContactFactory(student=student, full_name="Aisha", referred_by=maria, on_target_list=True)
    tom = ContactFactory(student=student, full_name="Tom", on_target_list=True)
    contact_set_stage(contact=tom, stage=Stage.MET)

    response = login_as(student).get(reverse("student_home"))

    counts = response.context["counts"]
    assert (counts["total"], counts["targets"], counts["referrals"], counts["met"]) == (3, 3, 1, 1)
    assert [s["done"] for s in response.context["steps"]] == [True, False, False, True, True]
    assert response.context["next_step"]["url"] == reverse("research_note_create")


@pytest.mark.parametrize("persona", ["alumni", "advisor"])
def test_student_home_is_for_students(login_as, request, persona):
    assert (
        login_as(request.getfixturevalue(persona)).get(reverse("student_home")).status_code == 403
    )


def test_student_home_query_count(login_as, student, django_assert_num_queries):
    student_profile_get(user=student)
    browser = login_as(student)

    # session, user with office, profile, fields exist, notes exist, contact counts
    with django_assert_num_queries(6):
        browser.get(reverse("student_home"))

"""The office's access log and audit trail (issue 11, item 8): every read of a
student's records and every change of who may do what is recorded with who, whose,
what, when and from where; office admins browse, filter and export it at
/office/audit/ and nobody can change it; a student sees who read their records."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.enums import Role
from apps.accounts.services import (
    invitation_create,
    invitation_revoke,
    members_set_active,
    office_update_settings,
    volunteer_decide,
)
from apps.advising.models import AccessRecord
from apps.advising.services import assignment_remove, assignments_add
from apps.advising.services_people import assignments_add_by_rule, assignments_remove
from tests.factories.accounts import UserFactory

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
URL = "/office/audit/"
What = AccessRecord.What


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _log():
    return list(
        AccessRecord.objects.order_by("pk").values_list("actor", "what", "subject", "detail")
    )


# --- What is recorded -----------------------------------------------------------------


def test_invitations_are_recorded_with_the_address(office_admin):
    invitation, _token = invitation_create(
        inviter=office_admin, email="Nora@New.test", role=Role.STUDENT
    )
    invitation_revoke(admin=office_admin, invitation=invitation)

    assert _log() == [
        (office_admin.pk, What.INVITED, None, "nora@new.test (student)"),
        (office_admin.pk, What.INVITATION_REVOKED, None, "nora@new.test"),
    ]


def test_deactivating_and_reactivating_record_each_member_changed(office_admin, student, student2):
    members_set_active(admin=office_admin, member_ids=[student.pk, student2.pk], active=False)
    members_set_active(admin=office_admin, member_ids=[student.pk], active=False)  # no change
    members_set_active(admin=office_admin, member_ids=[student.pk], active=True)

    assert _log() == [
        (office_admin.pk, What.DEACTIVATED, student.pk, ""),
        (office_admin.pk, What.DEACTIVATED, student2.pk, ""),
        (office_admin.pk, What.REACTIVATED, student.pk, ""),
    ]


def test_advisor_assignments_are_recorded_each_way(office_admin, advisor, student, student2):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    assignments_add(
        admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk, student2.pk]
    )
    assignment_remove(admin=office_admin, advisor_id=advisor.pk, student_id=student.pk)
    assignments_remove(admin=office_admin, advisor_id=advisor.pk, student_ids=[student2.pk])

    email = advisor.email
    assert _log() == [
        (office_admin.pk, What.ASSIGNED, student.pk, email),
        (office_admin.pk, What.ASSIGNED, student2.pk, email),
        (office_admin.pk, What.UNASSIGNED, student.pk, email),
        (office_admin.pk, What.UNASSIGNED, student2.pk, email),
    ]


def test_assignment_by_rule_is_recorded_per_student(office_admin, advisor, student):
    from apps.students.selectors import student_profile_get

    profile = student_profile_get(user=student)
    profile.programme = "History"
    profile.save()

    assignments_add_by_rule(admin=office_admin, advisor_id=advisor.pk, programme="History")

    assert _log() == [(office_admin.pk, What.ASSIGNED, student.pk, advisor.email)]


def test_volunteer_decisions_and_settings_are_recorded(office_admin, pending_alumni, office):
    volunteer_decide(
        admin=office_admin, volunteer=pending_alumni, approve=False, reason="Not alumni"
    )
    office_update_settings(admin=office_admin, office=office, stalled_days=30)
    office_update_settings(admin=office_admin, office=office, stalled_days=30)  # no change

    assert _log() == [
        (office_admin.pk, What.VOLUNTEER_DECLINED, pending_alumni.pk, "Not alumni"),
        (office_admin.pk, What.SETTINGS_CHANGED, None, "stalled_days"),
    ]


def test_a_refused_change_records_nothing(office_admin, other_student):
    with pytest.raises(ValidationError):
        members_set_active(admin=office_admin, member_ids=[other_student.pk], active=False)

    assert _log() == []


def test_the_address_is_the_clients(office_admin, student, login_as):
    login_as(office_admin).post(
        "/office/people/bulk/",
        {"action": "deactivate", "members": [student.pk]},
        REMOTE_ADDR="203.0.113.7",
    )

    assert list(AccessRecord.objects.values_list("what", "subject", "ip")) == [
        (What.DEACTIVATED, student.pk, "203.0.113.7")
    ]


# --- The office admin's page ---------------------------------------------------------------


@pytest.fixture
def history(office_admin, advisor, student, student2, other_admin, other_student, login_as):
    """Reads and changes in two offices over two days."""
    login_as(advisor).get(f"/advising/students/{student.pk}/", REMOTE_ADDR="198.51.100.4")
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student2.pk])
    members_set_active(admin=other_admin, member_ids=[other_student.pk], active=False)
    return student


def test_admins_see_their_offices_log_newest_first(history, office_admin, advisor, login_as):
    page = login_as(office_admin).get(URL)

    rows = [(r.actor_id, r.what) for r in page.context["page"].object_list]
    assert page.status_code == 200
    assert rows == [(office_admin.pk, What.ASSIGNED), (advisor.pk, What.STUDENT_PAGE)]
    html = page.content.decode()
    assert "Read the student&#x27;s page" in html or "Read the student's page" in html
    assert "198.51.100.4" in html
    assert "oscar@southbank.test" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "priya"}, [What.ASSIGNED]),
        ({"q": "sam@"}, [What.STUDENT_PAGE]),
        ({"q": "Dana"}, [What.ASSIGNED, What.STUDENT_PAGE]),  # who, and the detail
        ({"what": "student_page"}, [What.STUDENT_PAGE]),
        ({"start": "2026-03-04"}, []),
        ({"start": "2026-03-03", "end": "2026-03-03"}, [What.ASSIGNED, What.STUDENT_PAGE]),
    ],
)
def test_filters(history, office_admin, login_as, params, expected):
    page = login_as(office_admin).get(URL, params)

    assert [r.what for r in page.context["page"].object_list] == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"what": "delete_everything"}, "Select a valid choice."),
        ({"start": "2026-03-02", "end": "2026-02-20"}, "The start date must be on or before"),
        ({"start": "9999-12-31"}, "Choose dates up to today."),
        ({"start": "soon"}, "Enter a valid date."),
    ],
)
def test_bad_filters_are_a_400_that_says_why(history, office_admin, login_as, params, message):
    page = login_as(office_admin).get(URL, params)

    assert page.status_code == 400
    assert message in page.content.decode()


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni"])
def test_only_office_admins_open_it(history, request, login_as, persona):
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(URL).status_code == 403
    assert browser.get("/office/audit.csv").status_code == 403


def test_a_visitor_is_sent_to_sign_in(nobody):
    assert nobody.get(URL)["Location"].startswith("/accounts/login/")


def test_another_offices_admin_sees_only_their_own(history, other_admin, login_as):
    page = login_as(other_admin).get(URL)

    assert [r.what for r in page.context["page"].object_list] == [What.DEACTIVATED]


def test_the_csv_is_the_filtered_log_and_its_download_is_logged(history, office_admin, login_as):
    response = login_as(office_admin).get(
        "/office/audit.csv", {"what": "student_page"}, REMOTE_ADDR="192.0.2.1"
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Type"] == "text/csv"
    assert rows[0] == [
        "When",
        "Who",
        "Who (email)",
        "What",
        "Whose",
        "Whose (email)",
        "Detail",
        "From",
    ]
    assert [row[2:6] for row in rows[1:]] == [
        ["dana@northfield.test", "Read the student's page", "Sam Student", "sam@northfield.test"]
    ]
    latest = AccessRecord.objects.order_by("-pk").first()
    assert (latest.actor, latest.what, latest.detail, latest.ip) == (
        office_admin,
        What.AUDIT_CSV,
        "what=student_page",
        "192.0.2.1",
    )


@pytest.mark.parametrize("entries", [1, 3, 50])
def test_the_query_count_does_not_depend_on_the_entries(
    entries, office, office_admin, advisor, login_as, django_assert_num_queries
):
    students = [
        UserFactory(office=office, email=f"s{n}@northfield.test", full_name=f"S {n}")
        for n in range(entries)
    ]
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[s.pk for s in students])
    browser = login_as(office_admin)

    # Session, user, the count, the page (with who and whose joined).
    with django_assert_num_queries(4):
        page = browser.get(URL)

    assert len(page.context["page"].object_list) == entries


def test_nobody_edits_or_deletes_the_log_in_the_admin(history, db):
    from django.contrib.admin.sites import site

    model_admin = site._registry[AccessRecord]
    assert not model_admin.has_add_permission(None)
    assert not model_admin.has_change_permission(None)
    assert not model_admin.has_delete_permission(None)


# --- The student's own view ------------------------------------------------------------


def test_a_student_sees_who_read_their_records(history, advisor, login_as):
    page = login_as(history).get("/me/record-access/")

    rows = [(r.actor_id, r.what) for r in page.context["page"].object_list]
    assert page.status_code == 200
    assert rows == [(advisor.pk, What.STUDENT_PAGE)]
    assert "Dana Advisor" in page.content.decode()
    assert "Opened your page" in page.content.decode()


def test_a_student_sees_only_reads_of_their_own_records(history, student2, login_as):
    # Priya was assigned (a change, not a read) and nobody read her page.
    page = login_as(student2).get("/me/record-access/")

    assert list(page.context["page"].object_list) == []
    assert "Nobody has opened your records yet." in page.content.decode()


@pytest.mark.parametrize("persona", ["advisor", "alumni", "office_admin"])
def test_the_students_view_is_for_students(request, login_as, persona):
    assert login_as(request.getfixturevalue(persona)).get("/me/record-access/").status_code == 403


@pytest.mark.parametrize("reads", [1, 3, 50, 55])
def test_the_students_view_is_paged_in_constant_queries(
    reads, student, advisor, login_as, django_assert_num_queries
):
    browser = login_as(advisor)
    for _ in range(reads):
        browser.get(f"/advising/students/{student.pk}/")
    mine = login_as(student)

    # Session, user, the count, the page.
    with django_assert_num_queries(4):
        page = mine.get("/me/record-access/")

    assert len(page.context["page"].object_list) == min(reads, 50)
    assert timedelta(0) == NOW - page.context["page"].object_list[0].at

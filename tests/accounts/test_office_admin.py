from datetime import time

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.enums import Role
from apps.accounts.models import Office, User
from apps.accounts.services import invitation_create, office_update_settings
from tests.factories.accounts import OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_FORM = {
    "name": "Northfield Careers",
    "time_zone": "America/Denver",
    "slot_minutes": "30",
    "thank_you_hours": "48",
    "keep_in_touch_months": "6",
    "request_nudge_days": "5",
    "max_open_requests": "3",
    "stalled_days": "30",
    "quiet_hours_start": "22:30",
    "quiet_hours_end": "07:15",
    "accepts_volunteers": "",
}


def _settings_of(office: Office) -> dict:
    office.refresh_from_db()
    return {
        "name": office.name,
        "time_zone": office.time_zone,
        "slot_minutes": office.slot_minutes,
        "thank_you_hours": office.thank_you_hours,
        "keep_in_touch_months": office.keep_in_touch_months,
        "request_nudge_days": office.request_nudge_days,
        "max_open_requests": office.max_open_requests,
        "stalled_days": office.stalled_days,
        "quiet_hours_start": office.quiet_hours_start,
        "quiet_hours_end": office.quiet_hours_end,
        "accepts_volunteers": office.accepts_volunteers,
    }


def test_office_settings_update_saves(office, office_admin, login_as):
    response = login_as(office_admin).post("/office/settings/", SETTINGS_FORM)

    assert response.status_code == 302
    assert response["Location"] == "/office/settings/"
    assert _settings_of(office) == {
        "name": "Northfield Careers",
        "time_zone": "America/Denver",
        "slot_minutes": 30,
        "thank_you_hours": 48,
        "keep_in_touch_months": 6,
        "request_nudge_days": 5,
        "max_open_requests": 3,
        "stalled_days": 30,
        "quiet_hours_start": time(22, 30),
        "quiet_hours_end": time(7, 15),
        "accepts_volunteers": False,
    }


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("thank_you_hours", "0", "Ensure this value is greater than or equal to 1."),
        ("thank_you_hours", "169", "Ensure this value is less than or equal to 168."),
        ("request_nudge_days", "31", "Ensure this value is less than or equal to 30."),
        ("max_open_requests", "0", "Ensure this value is greater than or equal to 1."),
        ("stalled_days", "0", "Ensure this value is greater than or equal to 1."),
        ("stalled_days", "366", "Ensure this value is less than or equal to 365."),
        ("slot_minutes", "20", "Select a valid choice. 20 is not one of the available choices."),
        (
            "time_zone",
            "Mars/Olympus_Mons",
            "Select a valid choice. Mars/Olympus_Mons is not one of the available choices.",
        ),
        ("quiet_hours_start", "", "Give a time, e.g. 21:00."),
        ("quiet_hours_end", "", "Give a time, e.g. 21:00."),
        ("quiet_hours_start", "9pm", "Enter a time as HH:MM on a 24-hour clock, e.g. 21:00."),
        ("quiet_hours_end", "25:00", "Enter a time as HH:MM on a 24-hour clock, e.g. 21:00."),
        ("quiet_hours_end", "07:15:30", "Enter a time as HH:MM on a 24-hour clock, e.g. 21:00."),
        ("quiet_hours_end", "22:30", "Quiet hours must end at another time than they start."),
    ],
)
def test_office_settings_bad_input_is_400_and_changes_nothing(
    field, value, error, office, office_admin, login_as
):
    before = _settings_of(office)

    response = login_as(office_admin).post("/office/settings/", {**SETTINGS_FORM, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [error]}
    assert _settings_of(office) == before


def test_office_settings_other_office_admin_edits_only_their_own(
    office, other_office, other_admin, login_as
):
    before = _settings_of(office)

    response = login_as(other_admin).post("/office/settings/", SETTINGS_FORM)

    assert response.status_code == 302
    assert _settings_of(office) == before
    assert _settings_of(other_office)["name"] == "Northfield Careers"


def test_office_settings_shows_the_default_quiet_hours(office, office_admin, login_as):
    page = login_as(office_admin).get("/office/settings/")

    assert (office.quiet_hours_start, office.quiet_hours_end) == (time(21, 0), time(8, 0))
    html = page.content.decode()
    assert (
        '<input type="time" name="quiet_hours_start" value="21:00" class="timeinput form-control"'
        in html
    )
    assert 'name="quiet_hours_end" value="08:00"' in html


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # Crosses midnight: the usual night.
        ("23:00", "06:00"),
        # Does not: a lunchtime pause is allowed too.
        ("12:00", "14:00"),
        # Starts at midnight.
        ("00:00", "07:00"),
    ],
)
def test_office_settings_takes_any_window_that_is_not_empty(
    start, end, office, office_admin, login_as
):
    response = login_as(office_admin).post(
        "/office/settings/", {**SETTINGS_FORM, "quiet_hours_start": start, "quiet_hours_end": end}
    )

    assert response.status_code == 302
    office.refresh_from_db()
    assert (f"{office.quiet_hours_start:%H:%M}", f"{office.quiet_hours_end:%H:%M}") == (start, end)


@pytest.mark.parametrize(
    "persona", ["student", "alumni", "advisor", "other_student", "other_alumni"]
)
def test_office_settings_post_is_403_for_non_admins(
    persona, office, other_office, login_as, request
):
    before, other_before = _settings_of(office), _settings_of(other_office)

    response = login_as(request.getfixturevalue(persona)).post("/office/settings/", SETTINGS_FORM)

    assert response.status_code == 403
    assert (_settings_of(office), _settings_of(other_office)) == (before, other_before)


def test_office_settings_post_sends_a_visitor_to_sign_in(office, nobody):
    before = _settings_of(office)

    response = nobody.post("/office/settings/", SETTINGS_FORM)

    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/office/settings/",
    )
    assert _settings_of(office) == before


def test_office_settings_service_refuses_an_empty_window(office, office_admin):
    with pytest.raises(ValidationError) as raised:
        office_update_settings(
            admin=office_admin, office=office, quiet_hours_start=time(9), quiet_hours_end=time(9)
        )

    assert raised.value.messages == ["Quiet hours must end at another time than they start."]
    office.refresh_from_db()
    assert (office.quiet_hours_start, office.quiet_hours_end) == (time(21, 0), time(8, 0))


def test_office_settings_service_refuses_another_offices_admin(office, other_admin):
    with pytest.raises(PermissionError):
        office_update_settings(admin=other_admin, office=office, quiet_hours_start=time(20))

    office.refresh_from_db()
    assert office.quiet_hours_start == time(21, 0)


def test_office_member_deactivate_then_reactivate(office_admin, student, login_as):
    browser = login_as(office_admin)

    off = browser.post(f"/office/members/{student.pk}/active/", {"active": "0"})
    student.refresh_from_db()
    active_after_off = student.is_active
    on = browser.post(f"/office/members/{student.pk}/active/", {"active": "1"})
    student.refresh_from_db()

    assert (off.status_code, off["Location"]) == (302, "/office/")
    assert (on.status_code, on["Location"]) == (302, "/office/")
    assert active_after_off is False
    assert student.is_active is True


def test_office_deactivated_member_is_signed_out(office_admin, student, login_as):
    student_browser = login_as(student)

    login_as(office_admin).post(f"/office/members/{student.pk}/active/", {"active": "0"})
    response = student_browser.get("/student/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/student/"


def test_office_admin_cannot_deactivate_self(office_admin, login_as):
    browser = login_as(office_admin)

    response = browser.post(f"/office/members/{office_admin.pk}/active/", {"active": "0"})

    assert response.status_code == 302
    office_admin.refresh_from_db()
    assert office_admin.is_active is True
    page = browser.get("/office/")
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]] == ["You cannot deactivate your own account."]


def test_office_home_counts_active_members_by_role(
    office_admin, advisor, student, student2, alumni, pending_alumni, login_as
):
    User.objects.filter(pk=student2.pk).update(is_active=False)

    response = login_as(office_admin).get("/office/")

    assert response.context["counts"] == {"student": 1, "alumni": 2, "advisor": 2}
    assert response.context["pending_count"] == 1


def _office_with_members(count: int) -> User:
    office = OfficeFactory()
    admin = UserFactory(office=office, role=Role.ADVISOR, is_office_admin=True)
    for _ in range(count - 1):
        UserFactory(office=office)
    return admin


@pytest.mark.parametrize("members", [1, 3, 60])
def test_office_home_query_count(members, login_as, django_assert_num_queries):
    admin = _office_with_members(members)
    browser = login_as(admin)

    # Session, user, and one aggregate for every count: no member list any more
    # (the People page at /office/people/ pages through them).
    with django_assert_num_queries(3):
        response = browser.get("/office/")

    assert response.status_code == 200
    assert response.context["counts"] == {"student": members - 1, "alumni": 0, "advisor": 1}
    assert "members" not in response.context


@pytest.mark.parametrize("invitations", [1, 3, 60])
def test_office_invitations_query_count(invitations, login_as, django_assert_num_queries):
    admin = _office_with_members(1)
    for number in range(invitations):
        invitation_create(inviter=admin, email=f"guest{number}@example.test", role=Role.STUDENT)
    browser = login_as(admin)

    # Session, user, the page's count and its rows.
    with django_assert_num_queries(4):
        response = browser.get("/office/invitations/")

    assert response.status_code == 200
    # 50 to a page.
    assert len(response.context["invitations"]) == min(invitations, 50)
    assert response.context["page"].paginator.count == invitations


@pytest.mark.parametrize("volunteers", [1, 3, 60])
def test_office_volunteers_query_count(volunteers, login_as, django_assert_num_queries):
    admin = _office_with_members(1)
    for _ in range(volunteers):
        UserFactory(office=admin.office, role=Role.ALUMNI, approval="pending")
    browser = login_as(admin)

    # Session, user, the page's count and its rows.
    with django_assert_num_queries(4):
        response = browser.get("/office/volunteers/")

    assert response.status_code == 200
    # 50 to a page, oldest first.
    assert len(response.context["volunteers"]) == min(volunteers, 50)
    assert response.context["page"].paginator.count == volunteers
    joined = [v.date_joined for v in response.context["volunteers"]]
    assert joined == sorted(joined)

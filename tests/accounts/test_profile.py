import re

import pytest
from django.test import Client

from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def test_profile_update_saves_name_and_time_zone(student, login_as):
    browser = login_as(student)

    response = browser.post(
        "/profile/", {"full_name": "  Samantha Student ", "time_zone": "Asia/Tokyo"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    student.refresh_from_db()
    assert (student.full_name, student.time_zone) == ("Samantha Student", "Asia/Tokyo")


def test_profile_bad_time_zone_is_rejected(student, login_as):
    response = login_as(student).post(
        "/profile/", {"full_name": "Samantha Student", "time_zone": "Mars/Olympus_Mons"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "time_zone": [
            "Select a valid choice. Mars/Olympus_Mons is not one of the available choices."
        ]
    }
    student.refresh_from_db()
    assert (student.full_name, student.time_zone) == ("Sam Student", "America/New_York")


def test_profile_blank_name_is_rejected(student, login_as):
    response = login_as(student).post("/profile/", {"full_name": "", "time_zone": "UTC"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"full_name": ["This field is required."]}
    student.refresh_from_db()
    assert student.full_name == "Sam Student"


ONE_LINE = "Write it on one line, without line breaks or tabs."


@pytest.mark.parametrize("name", ["Sam\nStudent", "Sam\r\nStudent", "Sam\tStudent", "Sam\x07"])
def test_profile_name_with_a_line_break_is_rejected(student, login_as, name):
    response = login_as(student).post("/profile/", {"full_name": name, "time_zone": "UTC"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"full_name": [ONE_LINE]}
    student.refresh_from_db()
    assert student.full_name == "Sam Student"


def test_a_name_with_a_line_break_is_refused_when_an_account_is_made(office):
    from django.core.exceptions import ValidationError

    from apps.accounts.models import User
    from apps.accounts.services import user_create

    with pytest.raises(ValidationError) as caught:
        user_create(office=office, email="new@northfield.test", full_name="A\nB", password=None)

    assert caught.value.message_dict == {"full_name": [ONE_LINE]}
    assert not User.objects.filter(email="new@northfield.test").exists()


def test_a_contact_name_or_organisation_with_a_line_break_is_refused(student):
    from django.core.exceptions import ValidationError

    from apps.contacts.models import Contact
    from apps.contacts.services import contact_create

    for data in ({"full_name": "Lee\nPark"}, {"full_name": "Lee Park", "organisation": "A\nB"}):
        with pytest.raises(ValidationError) as caught:
            contact_create(student=student, **data)
        assert list(caught.value.message_dict.values()) == [[ONE_LINE]]
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("persona", ["student", "pending_alumni", "advisor", "other_admin"])
def test_profile_page_opens_for_every_role(persona, request, login_as):
    user = request.getfixturevalue(persona)

    response = login_as(user).get("/profile/")

    assert response.status_code == 200
    assert response.context["form"].instance == user


def test_profile_time_zone_middleware_shows_times_in_the_users_zone(student, login_as):
    browser = login_as(student)
    before = browser.get("/student/")

    browser.post("/profile/", {"full_name": "Sam Student", "time_zone": "Asia/Tokyo"})
    after = browser.get("/student/")

    assert "Times shown in America/New_York" in before.content.decode()
    assert "Times shown in Asia/Tokyo" in after.content.decode()


def test_profile_time_zone_is_not_carried_to_the_next_visitor(student, other_student, login_as):
    login_as(student).get("/student/")

    response = login_as(other_student).get("/student/")

    assert "Times shown in Europe/London" in response.content.decode()


# --- Password and email address (allauth's pages, linked from the profile) ----------

NEW_PASSWORD = "harbour-violet-42"


def _sign_in(email: str, password: str):
    return Client().post("/accounts/login/", {"login": email, "password": password})


def test_profile_password_change_with_the_current_password_sets_the_new_one(
    student, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    browser = login_as(student)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    assert (response.status_code, response["Location"]) == (302, "/accounts/password/change/")
    assert browser.get("/profile/").status_code == 200  # this session stays signed in
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["sam@northfield.test"], "[Fieldnotes] Password Changed")
    ]
    signed_in = _sign_in("sam@northfield.test", NEW_PASSWORD)
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/")
    assert _sign_in("sam@northfield.test", PASSWORD).status_code == 200  # the form again


def test_profile_password_change_with_a_wrong_current_password_changes_nothing(
    student, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(student).post(
            "/accounts/password/change/",
            {"oldpassword": "not-my-password", "password1": NEW_PASSWORD,
             "password2": NEW_PASSWORD},
        )  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "oldpassword": ["Please type your current password."]
    }
    student.refresh_from_db()
    assert (student.check_password(PASSWORD), student.check_password(NEW_PASSWORD)) == (True, False)
    assert mailoutbox == []


def test_profile_email_change_takes_effect_only_when_the_link_sent_to_the_new_address_is_confirmed(
    student, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    browser = login_as(student)

    with django_capture_on_commit_callbacks(execute=True):
        added = browser.post("/accounts/email/", {"action_add": "", "email": "Sam.New@North.test"})

    assert (added.status_code, added["Location"]) == (302, "/accounts/email/")
    [verification] = mailoutbox
    assert (verification.to, verification.subject) == (
        ["sam.new@north.test"],
        "[Fieldnotes] Please Confirm Your Email Address",
    )
    student.refresh_from_db()
    assert student.email == "sam@northfield.test"
    link = re.search(r"http://testserver(/accounts/confirm-email/[-:\w]+/)", verification.body)[1]

    page = browser.get(link)  # opening the link only asks to confirm
    student.refresh_from_db()
    assert (page.status_code, student.email) == (200, "sam@northfield.test")

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = browser.post(link)

    assert confirmed.status_code == 302
    student.refresh_from_db()
    assert student.email == "sam.new@north.test"
    assert list(student.emailaddress_set.values_list("email", "verified", "primary")) == [
        ("sam.new@north.test", True, True)
    ]
    notice = mailoutbox[1]
    assert (len(mailoutbox), notice.to, notice.subject) == (
        2,
        ["sam@northfield.test"],
        "[Fieldnotes] Email Changed",
    )
    assert "changed from sam@northfield.test to sam.new@north.test" in notice.body
    assert _sign_in("sam.new@north.test", PASSWORD)["Location"] == "/"
    assert _sign_in("sam@northfield.test", PASSWORD).status_code == 200

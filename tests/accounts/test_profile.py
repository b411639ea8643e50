import pytest

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

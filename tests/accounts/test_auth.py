import re

import pytest
from django.contrib.auth import get_user
from django.test import Client

from apps.accounts.models import User
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
RESET_URL = "/accounts/password/reset/"


def _form_errors(response) -> dict:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def test_auth_unverified_user_is_sent_to_verification_not_the_dashboard(
    office, client, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(office=office, email="unverified@northfield.test", email_verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert get_user(client).is_authenticated is False
    assert client.get("/student/")["Location"] == "/accounts/login/?next=/student/"
    assert [m.to for m in mailoutbox] == [["unverified@northfield.test"]]
    assert re.search(r"/accounts/confirm-email/[-:\w]+/", mailoutbox[0].body)


def test_auth_verified_user_signs_in(student, client):
    response = client.post(LOGIN_URL, {"login": "SAM@northfield.test", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert get_user(client) == student


def test_auth_login_rate_limit_blocks_one_email_after_five_failures(student, student2, client):
    for _ in range(5):
        failed = client.post(LOGIN_URL, {"login": student.email, "password": "wrong-password-1"})
        assert failed.status_code == 200
        assert _form_errors(failed) == {
            "__all__": ["The email address and/or password you specified are not correct."]
        }

    blocked = client.post(LOGIN_URL, {"login": student.email, "password": PASSWORD})
    other_email = Client().post(LOGIN_URL, {"login": student2.email, "password": PASSWORD})

    assert blocked.status_code == 200
    assert _form_errors(blocked) == {
        "__all__": ["Too many failed login attempts. Try again later."]
    }
    assert get_user(client).is_authenticated is False
    assert other_email.status_code == 302


def test_auth_login_failure_looks_the_same_for_unknown_email_and_wrong_password(student):
    wrong_password = Client().post(LOGIN_URL, {"login": student.email, "password": "nope-nope-1"})
    unknown_email = Client().post(
        LOGIN_URL, {"login": "nobody-here@northfield.test", "password": "nope-nope-1"}
    )

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert _form_errors(wrong_password) == _form_errors(unknown_email)
    assert _form_errors(unknown_email) == {
        "__all__": ["The email address and/or password you specified are not correct."]
    }
    assert _page_without(wrong_password, student.email) == _page_without(
        unknown_email, "nobody-here@northfield.test"
    )


def _page_without(response, email: str) -> str:
    """The page with what legitimately differs between two requests taken out."""
    html = response.content.decode().replace(email, "EMAIL")
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF-TOKEN", html)


def test_auth_password_reset_looks_the_same_for_known_and_unknown_email(
    student, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(RESET_URL, {"email": student.email})
        unknown = Client().post(RESET_URL, {"email": "nobody-here@northfield.test"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/done/"
    assert [m.to for m in mailoutbox] == [[student.email]]
    assert re.search(r"/accounts/password/reset/key/[-\w]+/", mailoutbox[0].body)


def test_auth_password_reset_link_sets_a_new_password(
    student, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET_URL, {"email": student.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/[-\w]+/)", mailoutbox[0].body)

    form_page = client.get(link.group(1), follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "fresh-meadow-91", "password2": "fresh-meadow-91"},
    )

    assert done.status_code == 302
    assert User.objects.get(pk=student.pk).check_password("fresh-meadow-91") is True


def test_auth_inactive_user_cannot_sign_in(student, client):
    User.objects.filter(pk=student.pk).update(is_active=False)

    response = client.post(LOGIN_URL, {"login": student.email, "password": PASSWORD})

    assert get_user(client).is_authenticated is False
    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"

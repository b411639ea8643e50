"""The Django admin has no sign-in of its own: its login page sends everyone to the
site's sign-in, with its two-factor step and rate limits (issue 11, finding 1)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from apps.accounts.services import user_create
from tests.factories.accounts import PASSWORD

ADMIN_LOGIN = "/django-admin/login/"


@pytest.fixture
def superuser(db):
    return user_create(
        office=None,
        email="root@fieldnotes.test",
        full_name="Platform Admin",
        password=PASSWORD,
        email_verified=True,
        is_superuser=True,
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admin_login_page_sends_a_visitor_to_the_sites_sign_in(db):
    response = Client().get(ADMIN_LOGIN + "?next=/django-admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fdjango-admin%2F"


def test_the_right_password_posted_to_the_admin_login_signs_nobody_in(superuser):
    client = Client()

    response = client.post(ADMIN_LOGIN, {"username": superuser.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not _signed_in(client)
    assert client.get("/django-admin/").status_code == 302


def test_wrong_passwords_at_the_admin_login_are_never_checked(superuser):
    client = Client()
    for _ in range(15):
        client.post(ADMIN_LOGIN, {"username": superuser.email, "password": "wrong-password"})

    # The admin never looked at them: allauth's limits count the site's sign-in, and
    # the owner can still sign in there.
    response = client.post("/accounts/login/", {"login": superuser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)


def test_with_two_factor_the_password_alone_does_not_reach_the_admin(superuser):
    TOTP.activate(superuser, generate_totp_secret())
    client = Client()

    response = client.post("/accounts/login/", {"login": superuser.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not _signed_in(client)
    assert client.get("/django-admin/").status_code == 302


def test_a_signed_in_superuser_reaches_the_admin(superuser):
    client = Client()
    client.force_login(superuser)

    assert client.get("/django-admin/").status_code == 200
    assert client.get(ADMIN_LOGIN).status_code == 302  # already in: on to the admin


def test_a_signed_in_member_who_is_not_staff_is_refused(student, login_as):
    assert login_as(student).get(ADMIN_LOGIN).status_code == 403

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


TOO_MANY = (
    "Too many failed sign-in attempts from here. Try again in a few minutes, or sign in "
    "with a code sent to your email."
)


def test_auth_login_rate_limit_blocks_the_failing_client_for_that_email_after_five_failures(
    student, student2
):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        failed = attacker.post(LOGIN_URL, {"login": student.email, "password": "wrong-password-1"})
        assert failed.status_code == 200
        assert _form_errors(failed) == {
            "__all__": ["The email address and/or password you specified are not correct."]
        }

    blocked = attacker.post(LOGIN_URL, {"login": student.email, "password": PASSWORD})
    other_email = Client(REMOTE_ADDR="203.0.113.9").post(
        LOGIN_URL, {"login": student2.email, "password": PASSWORD}
    )

    assert blocked.status_code == 200
    assert _form_errors(blocked) == {"__all__": [TOO_MANY]}
    assert get_user(attacker).is_authenticated is False
    assert other_email.status_code == 302


def test_auth_failures_from_elsewhere_do_not_lock_the_owner_out(student):
    for _ in range(15):
        Client(REMOTE_ADDR="203.0.113.9").post(
            LOGIN_URL, {"login": student.email, "password": "wrong-password-1"}
        )
    owner = Client(REMOTE_ADDR="198.51.100.20")

    response = owner.post(LOGIN_URL, {"login": student.email, "password": PASSWORD})

    assert response.status_code == 302
    assert get_user(owner) == student


def test_auth_each_client_is_still_limited_over_every_address(office):
    people = [UserFactory(office=office, email=f"p{n}@northfield.test") for n in range(11)]
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for person in people[:10]:
        attacker.post(LOGIN_URL, {"login": person.email, "password": "wrong-password-1"})

    blocked = attacker.post(LOGIN_URL, {"login": people[10].email, "password": PASSWORD})

    assert _form_errors(blocked) == {"__all__": [TOO_MANY]}
    assert get_user(attacker).is_authenticated is False


def _ask_for_a_code(client, email, capture, mailoutbox) -> str:
    with capture(execute=True):
        asked = client.post("/accounts/login/code/", {"email": email})
    assert asked.status_code == 302
    assert asked["Location"] == "/accounts/login/code/confirm/"
    assert [m.to for m in mailoutbox] == [[email]]
    assert mailoutbox[0].subject == "[Fieldnotes] Your sign-in code"
    return re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[0].body, re.MULTILINE).group(1)


def test_auth_a_locked_out_owner_signs_in_with_an_emailed_code(
    student, mailoutbox, django_capture_on_commit_callbacks
):
    owner = Client()
    for _ in range(6):
        owner.post(LOGIN_URL, {"login": student.email, "password": "wrong-password-1"})
    assert _form_errors(owner.post(LOGIN_URL, {"login": student.email, "password": PASSWORD})) == {
        "__all__": [TOO_MANY]
    }

    code = _ask_for_a_code(owner, student.email, django_capture_on_commit_callbacks, mailoutbox)
    response = owner.post("/accounts/login/code/confirm/", {"code": code})

    assert response.status_code == 302
    assert get_user(owner) == student


def test_auth_a_wrong_code_signs_nobody_in(student, mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    code = _ask_for_a_code(client, student.email, django_capture_on_commit_callbacks, mailoutbox)
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"

    response = client.post("/accounts/login/code/confirm/", {"code": wrong})

    assert response.status_code == 200
    assert get_user(client).is_authenticated is False


def test_auth_the_sign_in_page_offers_a_code(client, db):
    page = client.get(LOGIN_URL).content.decode()

    assert 'href="/accounts/login/code/"' in page


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


@pytest.mark.parametrize("proxies", [0, 1])
def test_auth_behind_a_trusted_proxy_the_limits_count_each_client(student, settings, proxies):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").post(
            LOGIN_URL, {"login": student.email, "password": "wrong-password-1"}
        )
    owner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")

    owner.post(LOGIN_URL, {"login": student.email, "password": PASSWORD})

    # Without the proxy counted, everyone is the proxy: the owner is locked out too.
    assert get_user(owner).is_authenticated is bool(proxies)

"""allauth's account emails, overridden in templates/account/email/: each one is sent
as text plus one HTML alternative, branded Fieldnotes instead of "Hello from
<domain>!", with links on their own line in the text and as a button in the HTML."""

import re

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context
from django.test import Client, RequestFactory
from django.utils import timezone

from apps.accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP_FORM = {
    "full_name": "Vera Volunteer",
    "email": "vera@alumni.test",
    "time_zone": "Asia/Tokyo",
    "password1": "copper-kettle-27",
    "password2": "copper-kettle-27",
}


def _text_and_html(message) -> tuple[str, str]:
    assert len(message.alternatives) == 1
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


def _assert_fieldnotes_branded(text: str, html: str) -> None:
    for part in (text, html):
        assert "Hello from" not in part
        assert "testserver!" not in part
        assert "Fieldnotes" in part


def _assert_link(link: str, text: str, html: str) -> None:
    assert f"\n{link}\n" in text  # the full URL, on a line of its own
    assert f'href="{link}"' in html  # the button (and the raw URL below it)
    assert f">{link}</a>" in html


def test_signup_verification_email_is_text_and_html(
    office, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/northfield/volunteer/", SIGNUP_FORM)

    [message] = [m for m in mailoutbox if m.to == ["vera@alumni.test"]]
    text, html = _text_and_html(message)
    link = re.search(r"http://testserver/accounts/confirm-email/[-:\w]+/", text)[0]
    _assert_link(link, text, html)
    _assert_fieldnotes_branded(text, html)
    assert text.startswith("Hello Vera,\n")
    assert message.subject == "[Fieldnotes] Please Confirm Your Email Address"


def test_password_reset_email_is_text_and_html(
    student, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password/reset/", {"email": student.email})

    [message] = mailoutbox
    assert message.to == [student.email]
    text, html = _text_and_html(message)
    link = re.search(r"http://testserver/accounts/password/reset/key/[-\w]+/", text)[0]
    _assert_link(link, text, html)
    _assert_fieldnotes_branded(text, html)
    assert text.startswith("Hello Sam,\n")


def test_account_already_exists_email_offers_password_reset_not_signup(
    office, student, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/northfield/volunteer/", {**SIGNUP_FORM, "email": student.email})

    [message] = mailoutbox
    assert message.to == [student.email]
    text, html = _text_and_html(message)
    _assert_link("http://testserver/accounts/password/reset/", text, html)
    _assert_fieldnotes_branded(text, html)
    assert "/accounts/signup/" not in text
    assert "/accounts/signup/" not in html
    assert "already have a Fieldnotes account" in text


# Every template rendered directly, including notifications no flow here sends
# (ACCOUNT_EMAIL_NOTIFICATIONS is on; test_profile.py follows the password and email
# changes that send theirs).
NOTIFICATION = {"timestamp": timezone.now(), "ip": "203.0.113.9", "user_agent": "Firefox"}


@pytest.mark.parametrize(
    ("prefix", "extra", "expected"),
    [
        (
            "email_confirmation",
            {"activate_url": "http://testserver/c/k/"},
            "http://testserver/c/k/",
        ),
        ("email_confirmation_signup", {"activate_url": "http://testserver/c/k/"}, "Welcome"),
        ("password_reset_key", {"password_reset_url": "http://testserver/r/k/"}, "/r/k/"),
        ("account_already_exists", {"password_reset_url": "http://testserver/r/"}, "/r/"),
        (
            "email_changed",
            {**NOTIFICATION, "from_email": "old@x.test", "to_email": "new@x.test"},
            "to new@x.test",
        ),
        ("email_confirm", NOTIFICATION, "confirmed"),
        ("email_deleted", {**NOTIFICATION, "deleted_email": "gone@x.test"}, "gone@x.test"),
        ("password_changed", NOTIFICATION, "password has been changed"),
        ("password_set", NOTIFICATION, "password has been set"),
        ("password_reset", NOTIFICATION, "password has been reset"),
    ],
)
def test_every_account_email_template_renders_text_and_html(prefix, extra, expected):
    user = User(email="sam@northfield.test", full_name="Sam Student")
    request = RequestFactory().get("/")
    request.user = user
    ctx = {"request": request, "email": user.email, "user": user, **extra}

    with context.request_context(request):
        message = get_adapter(request).render_mail(f"account/email/{prefix}", user.email, ctx)

    text, html = _text_and_html(message)
    _assert_fieldnotes_branded(text, html)
    assert expected in text
    assert expected in html
    assert message.subject.startswith("[Fieldnotes] ")

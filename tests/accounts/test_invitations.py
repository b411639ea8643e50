import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.test import Client
from django.utils import timezone

from apps.accounts.enums import Role
from apps.accounts.models import Invitation, User, token_digest
from apps.accounts.services import invitation_create
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

ACCEPT_FORM = {
    "full_name": "Nora Newcomer",
    "time_zone": "America/Chicago",
    "password1": "amber-orchard-58",
    "password2": "amber-orchard-58",
}


@pytest.fixture
def invitation_and_token(office_admin):
    return invitation_create(inviter=office_admin, email="nora@northfield.test", role=Role.STUDENT)


def test_invitation_admin_invites_and_email_carries_the_link(
    office_admin, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    browser = login_as(office_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/office/invitations/",
            {"email": "Nora@Northfield.test", "role": Role.ADVISOR, "is_office_admin": "on"},
        )

    assert response.status_code == 302
    assert response["Location"] == "/office/invitations/"
    invitation = Invitation.objects.get()
    assert (invitation.office, invitation.email, invitation.role, invitation.is_office_admin) == (
        office_admin.office,
        "nora@northfield.test",
        Role.ADVISOR,
        True,
    )
    assert invitation.invited_by == office_admin
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nora@northfield.test"]
    assert message.reply_to == ["avery@northfield.test"]
    assert message.subject == "You are invited to Northfield University Career Center on Fieldnotes"
    links = re.findall(rf"{re.escape(settings.SITE_URL)}/invite/([\w-]+)/", message.body)
    assert len(links) == 1
    assert invitation.token_digest == token_digest(links[0])
    html = message.alternatives[0]
    assert html.mimetype == "text/html"
    assert f"/invite/{links[0]}/" in html.content


def test_invitation_accept_valid_creates_member_signs_in_and_lands_on_role_home(
    office_admin, invitation_and_token, client
):
    invitation, token = invitation_and_token

    response = client.post(f"/invite/{token}/", ACCEPT_FORM, follow=True)

    user = User.objects.get(email="nora@northfield.test")
    assert (user.office, user.role, user.is_office_admin, user.full_name, user.time_zone) == (
        office_admin.office,
        Role.STUDENT,
        False,
        "Nora Newcomer",
        "America/Chicago",
    )
    assert user.emailaddress_set.get().verified is True
    assert response.redirect_chain == [("/", 302), ("/student/", 302)]
    assert response.status_code == 200
    assert get_user(response.wsgi_request) == user
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None


def test_invitation_accept_admin_invitation_gives_advisor_admin(office_admin, client):
    _invitation, token = invitation_create(
        inviter=office_admin,
        email="new.admin@northfield.test",
        role=Role.ADVISOR,
        is_office_admin=True,
    )

    response = client.post(f"/invite/{token}/", ACCEPT_FORM, follow=True)

    # A new advisor's office requires two-factor sign-in: they are asked to set it up
    # before the caseload.
    assert response.redirect_chain == [("/", 302), ("/two-factor/required/?next=%2F", 302)]
    user = User.objects.get(email="new.admin@northfield.test")
    assert (user.role, user.is_office_admin, user.office) == (
        Role.ADVISOR,
        True,
        office_admin.office,
    )


def test_invitation_expired_shows_410_and_creates_nobody(invitation_and_token, client):
    invitation, token = invitation_and_token
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    page = client.get(f"/invite/{token}/")
    response = client.post(f"/invite/{token}/", ACCEPT_FORM)

    assert page.status_code == 410
    assert "It has expired." in page.content.decode()
    assert response.status_code == 410
    assert User.objects.filter(email="nora@northfield.test").exists() is False


@pytest.mark.parametrize(
    ("age", "status", "joined"),
    [
        (timedelta(days=14) - timedelta(seconds=1), 302, True),
        (timedelta(days=14) + timedelta(seconds=1), 410, False),
    ],
)
def test_invitation_expires_fourteen_days_after_it_is_sent(
    office_admin, client, time_machine, age, status, joined
):
    sent = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    time_machine.move_to(sent, tick=False)
    invitation, token = invitation_create(
        inviter=office_admin, email="nora@northfield.test", role=Role.STUDENT
    )
    time_machine.move_to(sent + age, tick=False)

    response = client.post(f"/invite/{token}/", ACCEPT_FORM)

    assert invitation.expires_at == datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
    assert response.status_code == status
    assert User.objects.filter(email="nora@northfield.test").exists() is joined


def test_invitation_used_twice_second_use_is_410_and_creates_no_second_user(
    invitation_and_token, client
):
    _invitation, token = invitation_and_token
    first = client.post(f"/invite/{token}/", ACCEPT_FORM)
    stranger = Client()

    second = stranger.post(f"/invite/{token}/", {**ACCEPT_FORM, "full_name": "Someone Else"})

    assert first.status_code == 302
    assert second.status_code == 410
    assert "It has already been used" in second.content.decode()
    assert User.objects.filter(email="nora@northfield.test").count() == 1
    assert User.objects.get(email="nora@northfield.test").full_name == "Nora Newcomer"


def test_invitation_revoked_shows_410(office_admin, invitation_and_token, login_as, client):
    invitation, token = invitation_and_token
    login_as(office_admin).post(f"/office/invitations/{invitation.pk}/revoke/")

    response = client.get(f"/invite/{token}/")

    assert response.status_code == 410
    assert "The office withdrew it." in response.content.decode()


def test_invitation_sent_again_withdraws_the_earlier_link(
    office_admin, invitation_and_token, client
):
    _first, first_token = invitation_and_token
    _second, second_token = invitation_create(
        inviter=office_admin, email="NORA@northfield.test", role=Role.STUDENT
    )

    stale = client.get(f"/invite/{first_token}/")
    fresh = client.get(f"/invite/{second_token}/")

    assert stale.status_code == 410
    assert "The office withdrew it." in stale.content.decode()
    assert fresh.status_code == 200


def test_invitation_accept_after_the_email_got_an_account_is_refused(
    office, invitation_and_token, client
):
    _invitation, token = invitation_and_token
    UserFactory(office=office, email="nora@northfield.test", full_name="Nora Earlier")

    response = client.post(f"/invite/{token}/", ACCEPT_FORM)

    assert response.status_code == 409
    assert "Your address already has a Fieldnotes account." in response.content.decode()
    assert list(User.objects.filter(email="nora@northfield.test").values_list("full_name")) == [
        ("Nora Earlier",)
    ]
    assert get_user(client).is_authenticated is False


def test_invitation_tampered_token_is_404(invitation_and_token, client):
    _invitation, token = invitation_and_token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(f"/invite/{tampered}/").status_code == 404
    assert client.post(f"/invite/{tampered}/", ACCEPT_FORM).status_code == 404
    assert User.objects.filter(email="nora@northfield.test").exists() is False


def test_invitation_to_a_member_of_the_office_is_a_form_error_and_no_invitation(
    office_admin, student, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    browser = login_as(office_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/office/invitations/", {"email": "SAM@northfield.test", "role": Role.STUDENT}
        )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": [
            "sam@northfield.test is already a member of your office; no invitation is needed."
        ]
    }
    assert Invitation.objects.exists() is False
    assert mailoutbox == []


def test_inviting_an_address_with_an_account_elsewhere_looks_like_any_invitation(
    office_admin, other_student, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    """Whether an address has an account in another office is not the admin's to
    learn: the invitation goes as to a new address, and only its page, opened by
    whoever reads that mail, says the address is in use."""
    browser = login_as(office_admin)

    with django_capture_on_commit_callbacks(execute=True):
        elsewhere = browser.post(
            "/office/invitations/", {"email": "OSCAR@southbank.test", "role": Role.STUDENT}
        )
        new = browser.post(
            "/office/invitations/", {"email": "nora@northfield.test", "role": Role.STUDENT}
        )

    assert elsewhere.status_code == new.status_code == 302
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "nora@northfield.test",
        "oscar@southbank.test",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["nora@northfield.test", "oscar@southbank.test"]
    link = re.search(
        r"http://[^/]+(/invite/[-\w]+/)",
        mailoutbox[0].body if mailoutbox[0].to == ["oscar@southbank.test"] else mailoutbox[1].body,
    )
    page = Client().get(link.group(1))
    assert page.status_code == 409
    assert "Your address already has a Fieldnotes account." in page.content.decode()
    assert Client().post(link.group(1), ACCEPT_FORM).status_code == 409
    assert User.objects.filter(email="oscar@southbank.test").get() == other_student


def test_invitation_office_admin_flag_on_non_advisor_is_refused(office_admin, login_as):
    browser = login_as(office_admin)

    response = browser.post(
        "/office/invitations/",
        {"email": "nora@northfield.test", "role": Role.STUDENT, "is_office_admin": "on"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "is_office_admin": ["Only advisors can be office admins."]
    }
    assert Invitation.objects.exists() is False


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni", "other_student"])
def test_invitation_page_is_403_for_non_admins(persona, request, login_as):
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get("/office/invitations/").status_code == 403
    assert (
        browser.post(
            "/office/invitations/", {"email": "x@northfield.test", "role": Role.STUDENT}
        ).status_code
        == 403
    )
    assert Invitation.objects.exists() is False


def test_invitation_page_sends_anonymous_to_login(nobody):
    response = nobody.get("/office/invitations/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/office/invitations/"


def test_invitation_revoke_by_other_office_admin_is_404(
    invitation_and_token, other_admin, login_as, client
):
    invitation, token = invitation_and_token

    response = login_as(other_admin).post(f"/office/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert client.get(f"/invite/{token}/").status_code == 200


def test_invitation_revoke_by_this_office_admin_withdraws_it(
    office_admin, invitation_and_token, login_as
):
    invitation, _token = invitation_and_token

    response = login_as(office_admin).post(f"/office/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert invitation.is_usable is False

"""The office's invitations at /office/invitations/: paginated, filtered by status,
searched by email; each pending or expired one can be sent again with a fresh
link, and withdrawn while pending."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.utils import timezone

from apps.accounts.enums import Role
from apps.accounts.models import Invitation, token_digest
from apps.accounts.services import invitation_accept, invitation_create, invitation_revoke
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

URL = "/office/invitations/"


def _invite(admin, email, **kwargs):
    return invitation_create(inviter=admin, email=email, role=Role.STUDENT, **kwargs)


def _emails(response) -> list[str]:
    return [inv.email for inv in response.context["invitations"]]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def four(office_admin):
    """One invitation in each status."""
    pending, _ = _invite(office_admin, "pending@example.test")
    expired, _ = _invite(office_admin, "expired@example.test")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked, _ = _invite(office_admin, "revoked@example.test")
    invitation_revoke(admin=office_admin, invitation=revoked)
    accepted, token = _invite(office_admin, "accepted@example.test")
    invitation_accept(
        token=token, full_name="Acc Epted", password="amber-orchard-58", time_zone="UTC"
    )
    return {"pending": pending, "expired": expired, "revoked": revoked, "accepted": accepted}


@pytest.mark.parametrize("status", ["pending", "expired", "revoked", "accepted"])
def test_invitations_filter_by_status(status, four, office_admin, login_as):
    response = login_as(office_admin).get(URL, {"status": status})

    assert response.status_code == 200
    assert _emails(response) == [f"{status}@example.test"]


def test_invitations_search_by_email_within_the_office(four, office_admin, other_admin, login_as):
    _invite(other_admin, "pending-too@example.test")

    response = login_as(office_admin).get(URL, {"q": "PEND"})

    assert _emails(response) == ["pending@example.test"]


def test_invitations_bad_status_is_400(office_admin, login_as):
    response = login_as(office_admin).get(URL, {"status": "lost"})

    assert response.status_code == 400
    assert response.context["filters"].errors == {
        "status": ["Select a valid choice. lost is not one of the available choices."]
    }
    assert response.context["invitations"] == []


def test_invitations_page_fifty_at_a_time(office_admin, login_as):
    for n in range(55):
        _invite(office_admin, f"guest{n:02}@example.test")

    first = login_as(office_admin).get(URL)
    second = login_as(office_admin).get(URL, {"page": "2"})

    assert len(first.context["invitations"]) == 50
    assert len(second.context["invitations"]) == 5
    assert "Page 1 of 2" in first.content.decode()


def test_invitations_actions_follow_the_status(four, office_admin, login_as):
    html = login_as(office_admin).get(URL).content.decode()

    for status in ("pending", "expired"):
        assert f"/office/invitations/{four[status].pk}/resend/" in html
    for status in ("revoked", "accepted"):
        assert f"/office/invitations/{four[status].pk}/resend/" not in html
    assert f"/office/invitations/{four['pending'].pk}/revoke/" in html
    assert f"/office/invitations/{four['expired'].pk}/revoke/" not in html


# --- Send again -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "expired"])
def test_resend_gives_a_fresh_link_and_expiry_and_kills_the_old(
    status,
    four,
    office_admin,
    login_as,
    client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    invitation = four[status]
    old_digest = invitation.token_digest

    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(office_admin).post(
            f"/office/invitations/{invitation.pk}/resend/", {"next": f"{URL}?status={status}"}
        )

    assert (response.status_code, response["Location"]) == (302, f"{URL}?status={status}")
    assert _messages(response) == [
        f"Invitation sent again to {status}@example.test; the earlier link no longer works."
    ]
    invitation.refresh_from_db()
    assert invitation.token_digest != old_digest
    assert invitation.is_usable is True
    assert invitation.expires_at > timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS - 1)
    message = mailoutbox[-1]
    assert (message.to, message.reply_to) == (
        [f"{status}@example.test"],
        ["avery@northfield.test"],
    )
    token = re.findall(rf"{re.escape(settings.SITE_URL)}/invite/([\w-]+)/", message.body)[0]
    assert token_digest(token) == invitation.token_digest
    assert client.get(f"/invite/{token}/").status_code == 200


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("revoked", "Only a pending or expired invitation can be sent again; this one is revoked."),
        (
            "accepted",
            "Only a pending or expired invitation can be sent again; this one is accepted.",
        ),
    ],
)
def test_resend_of_a_closed_invitation_is_refused(
    status, message, four, office_admin, login_as, mailoutbox
):
    invitation = four[status]
    before = invitation.token_digest

    response = login_as(office_admin).post(f"/office/invitations/{invitation.pk}/resend/")

    assert (response.status_code, response["Location"]) == (302, URL)
    assert _messages(response) == [message]
    invitation.refresh_from_db()
    assert invitation.token_digest == before
    assert Invitation.objects.filter(email=f"{status}@example.test").count() == 1


def test_resend_after_the_address_got_an_account_is_refused(office, four, office_admin, login_as):
    UserFactory(office=office, email="pending@example.test")

    response = login_as(office_admin).post(f"/office/invitations/{four['pending'].pk}/resend/")

    assert _messages(response) == [
        "pending@example.test has a Fieldnotes account now; no invitation is needed."
    ]


def test_resend_by_another_offices_admin_is_404(four, other_admin, login_as):
    before = four["pending"].token_digest

    response = login_as(other_admin).post(f"/office/invitations/{four['pending'].pk}/resend/")

    assert response.status_code == 404
    four["pending"].refresh_from_db()
    assert four["pending"].token_digest == before


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni"])
def test_resend_is_for_office_admins_only(persona, four, request, login_as):
    response = login_as(request.getfixturevalue(persona)).post(
        f"/office/invitations/{four['pending'].pk}/resend/"
    )

    assert response.status_code == 403


def test_resend_needs_a_post(four, office_admin, login_as):
    url = f"/office/invitations/{four['pending'].pk}/resend/"

    assert login_as(office_admin).get(url).status_code == 405

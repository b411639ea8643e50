"""Campus single sign-on by OpenID Connect (issue 11, item 7), end to end against a
real provider on a local port (tests/accounts/oidc_provider.py): the test client
follows the redirects, the browser's leg to the provider is a real HTTP request,
and allauth fetches discovery, token and keys from it over HTTP."""

from urllib.parse import urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from apps.accounts import services, sso
from apps.accounts.enums import Role
from apps.accounts.models import OfficeSignOn, User
from apps.core.models import OutboundEmail
from tests.accounts.oidc_provider import OIDCProvider
from tests.factories.accounts import UserFactory

CLIENT_ID = "fieldnotes-northfield"
CLIENT_SECRET = "s3cret-from-the-campus"
CALLBACKS = [
    "http://testserver/accounts/oidc/northfield/login/callback/",
    "http://testserver/accounts/oidc/southbank/login/callback/",
]
REFUSED = "Campus sign-in refused"


@pytest.fixture
def idp():
    with OIDCProvider(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=CALLBACKS
    ) as provider:
        yield provider


def configure(admin, office, idp, **extra) -> OfficeSignOn:
    values = {
        "protocol": OfficeSignOn.Protocol.OIDC,
        "enabled": True,
        "campus_name": "Northfield University",
        "email_domains": "northfield.test",
        "student_signup": False,
        "trust_idp_mfa": False,
        "oidc_issuer": idp.issuer,
        "oidc_client_id": CLIENT_ID,
        **extra,
    }
    return services.office_sign_on_update(
        admin=admin, office=office, client_secret=CLIENT_SECRET, **values
    )


@pytest.fixture
def northfield_sso(office_admin, office, idp):
    return configure(office_admin, office, idp)


def claims(email, *, sub="u-1", verified=True, **more) -> dict:
    return {"sub": sub, "email": email, "email_verified": verified, "name": "Sam Student", **more}


def sign_in(idp, browser: Client, slug: str = "northfield"):
    """Press the campus button, go to the provider and come back: the response of
    Fieldnotes' callback."""
    start = browser.post(f"/accounts/oidc/{slug}/login/")
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(f"{idp.issuer}/authorize?")
    at_idp = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_idp.status_code == 302, at_idp.text
    back = urlsplit(at_idp.headers["Location"])
    assert back.netloc == "testserver"
    return browser.get(f"{back.path}?{back.query}")


def signed_in_user(browser: Client):
    user_id = browser.session.get("_auth_user_id")
    return None if user_id is None else User.objects.get(pk=user_id)


# --- Happy path -----------------------------------------------------------------


def test_sso_verified_email_signs_existing_student_in(northfield_sso, idp, student):
    idp.user = claims("Sam@Northfield.test")
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user(browser) == student
    account = SocialAccount.objects.get(user=student)
    assert (account.provider, account.uid) == ("northfield", "u-1")
    assert browser.get("/").status_code in (200, 302)
    # Real HTTP to the provider: discovery, the authorize leg, the token and the keys.
    assert "POST /token" in idp.requests
    assert "GET /jwks" in idp.requests
    assert "GET /authorize" in idp.requests


def test_sso_second_sign_in_uses_the_linked_account(northfield_sso, idp, student):
    idp.user = claims("sam@northfield.test")
    sign_in(idp, Client())
    idp.user = claims("sam@northfield.test")
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 302
    assert signed_in_user(browser) == student
    assert SocialAccount.objects.filter(user=student).count() == 1


def test_sso_new_address_refused_unless_the_office_allows_student_signup(northfield_sso, idp):
    idp.user = claims("newbie@northfield.test")
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 403
    assert REFUSED in response.content.decode()
    assert signed_in_user(browser) is None
    assert not User.objects.filter(email="newbie@northfield.test").exists()


def test_sso_new_address_becomes_a_student_where_the_office_allows_it(office_admin, office, idp):
    configure(office_admin, office, idp, student_signup=True)
    idp.user = claims("newbie@northfield.test", name="Nia  New\nbie")
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 302
    user = User.objects.get(email="newbie@northfield.test")
    assert signed_in_user(browser) == user
    assert (user.office, user.role, user.is_office_admin) == (office, Role.STUDENT, False)
    assert user.full_name == "Nia New bie"
    assert user.time_zone == "America/New_York"
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified is True


# --- Refused ----------------------------------------------------------------------


def test_sso_unverified_email_refused(northfield_sso, idp, student):
    idp.user = claims("sam@northfield.test", verified=False)
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 403
    assert "did not confirm your email address" in response.content.decode()
    assert signed_in_user(browser) is None
    assert not SocialAccount.objects.exists()


def test_sso_missing_email_verified_claim_refused(northfield_sso, idp, student):
    idp.user = {"sub": "u-1", "email": "sam@northfield.test"}
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 403
    assert signed_in_user(browser) is None


def test_sso_address_outside_the_office_domains_refused(northfield_sso, idp, alumni):
    idp.user = claims(alumni.email)
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 403
    assert signed_in_user(browser) is None


def test_sso_account_of_another_office_refused_and_not_moved(northfield_sso, idp, other_office):
    elsewhere = UserFactory(office=other_office, email="oli@northfield.test")
    idp.user = claims("oli@northfield.test")
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 403
    body = response.content.decode()
    assert "cannot open an account for oli@northfield.test here" in body
    assert "another office" not in body
    assert signed_in_user(browser) is None
    elsewhere.refresh_from_db()
    assert elsewhere.office == other_office
    assert not SocialAccount.objects.exists()


def test_sso_office_a_provider_cannot_sign_anyone_into_office_b(
    northfield_sso, idp, other_office, other_admin, student
):
    # Southbank's admin points their sign-in at the same provider and even claims
    # Northfield's domain: Northfield's student is still not theirs to sign in.
    configure(
        other_admin,
        other_office,
        idp,
        campus_name="Southbank",
        email_domains="southbank.test, northfield.test",
        student_signup=True,
    )
    idp.user = claims("sam@northfield.test")
    browser = Client()

    response = sign_in(idp, browser, slug="southbank")

    assert response.status_code == 403
    assert signed_in_user(browser) is None
    assert not SocialAccount.objects.exists()
    student.refresh_from_db()
    assert student.office.slug == "northfield"


def test_sso_deactivated_member_refused(northfield_sso, idp, student):
    User.objects.filter(pk=student.pk).update(is_active=False)
    idp.user = claims("sam@northfield.test")
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == 403
    assert signed_in_user(browser) is None


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        # Refused by the token checks: allauth's "sign-in failed" page (401).
        ({"iss": "http://127.0.0.1:1/evil"}, 401),
        ({"foreign_key": True}, 401),
        ({"aud": "someone-else"}, 401),
        ({"nonce": None}, 401),
        ({"exp": 1}, 401),
        # A well-formed token for another attempt: refused by sso.sign_on_admit.
        ({"nonce": "not-the-one-we-sent"}, 403),
    ],
    ids=["wrong-issuer", "wrong-signature", "wrong-audience", "no-nonce", "expired", "wrong-nonce"],
)
def test_sso_bad_id_token_refused(northfield_sso, idp, student, tamper, status):
    idp.user = claims("sam@northfield.test")
    idp.tamper = tamper
    browser = Client()

    response = sign_in(idp, browser)

    assert response.status_code == status
    assert signed_in_user(browser) is None
    assert not SocialAccount.objects.exists()


def test_sso_provider_announcing_another_issuer_refused(northfield_sso, idp, student):
    # The discovery document must name the issuer the office configured.
    idp.announce_issuer = "http://127.0.0.1:1/evil"
    browser = Client()

    response = browser.post("/accounts/oidc/northfield/login/")

    assert response.status_code == 502
    assert "not answering as it should" in response.content.decode()
    assert "GET /authorize" not in idp.requests


def test_sso_provider_down_is_a_clear_page_not_a_500(office_admin, office, idp):
    configure(office_admin, office, idp, oidc_issuer="http://127.0.0.1:1")

    response = Client().post("/accounts/oidc/northfield/login/")

    assert response.status_code == 502


def test_sso_callback_without_our_state_refused(northfield_sso, idp, student):
    idp.user = claims("sam@northfield.test")
    start = Client().post("/accounts/oidc/northfield/login/")
    at_idp = requests.get(start["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_idp.headers["Location"])
    # Someone else's browser replays the code: no state of ours in its session.
    browser = Client()

    response = browser.get(f"{back.path}?{back.query}")

    assert response.status_code == 401
    assert signed_in_user(browser) is None
    assert "POST /token" not in idp.requests


def test_sso_disabled_office_has_no_login(office_admin, office, idp):
    configure(office_admin, office, idp, enabled=False)

    assert Client().post("/accounts/oidc/northfield/login/").status_code == 404


# --- Staff and two-factor --------------------------------------------------------


def test_sso_staff_still_need_the_local_second_factor_by_default(northfield_sso, idp, advisor):
    idp.user = claims(advisor.email, amr=["pwd", "mfa"])
    browser = Client()

    response = sign_in(idp, browser)

    # allauth asks the advisor's authenticator code before the session is theirs.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_user(browser) is None


def test_sso_staff_without_local_factor_are_held_at_the_gate(northfield_sso, idp, office):
    bare = UserFactory(
        office=office, email="kim@northfield.test", role=Role.ADVISOR, two_factor=False
    )
    idp.user = claims(bare.email, amr=["pwd", "mfa"])
    browser = Client()

    sign_in(idp, browser)

    assert signed_in_user(browser) == bare
    response = browser.get("/advising/")
    assert response.status_code == 302
    assert response["Location"].startswith("/two-factor/required/")


def test_sso_campus_mfa_counts_where_the_office_trusts_it(office_admin, office, idp):
    configure(office_admin, office, idp, trust_idp_mfa=True)
    bare = UserFactory(
        office=office, email="kim@northfield.test", role=Role.ADVISOR, two_factor=False
    )
    idp.user = claims(bare.email, amr=["pwd", "mfa"])
    browser = Client()

    sign_in(idp, browser)

    assert signed_in_user(browser) == bare
    assert browser.get("/advising/").status_code == 200


def test_sso_campus_password_alone_does_not_count_as_two_factor(office_admin, office, idp):
    configure(office_admin, office, idp, trust_idp_mfa=True)
    bare = UserFactory(
        office=office, email="kim@northfield.test", role=Role.ADVISOR, two_factor=False
    )
    idp.user = claims(bare.email, amr=["pwd"])
    browser = Client()

    sign_in(idp, browser)

    assert signed_in_user(browser) == bare
    assert browser.get("/advising/")["Location"].startswith("/two-factor/required/")


# --- The secret ---------------------------------------------------------------------


def test_sso_client_secret_is_stored_encrypted(northfield_sso):
    stored = OfficeSignOn.objects.get(pk=northfield_sso.pk).oidc_client_secret_encrypted

    assert CLIENT_SECRET not in stored
    assert sso.secret_decrypt(stored) == CLIENT_SECRET


def test_sso_first_link_emails_the_member_in_text_and_html(northfield_sso, idp, student):
    idp.user = claims("sam@northfield.test")

    sign_in(idp, Client())

    row = OutboundEmail.objects.get(kind="socialaccount/email/account_connected")
    assert (row.to, row.recipient) == (["sam@northfield.test"], student)
    assert row.subject == "[Fieldnotes] Campus sign-in connected to your account"
    said = "Your campus sign-in (Northfield University) now opens your Fieldnotes account."
    assert said in row.text
    assert said in row.html

"""Campus single sign-on by SAML 2.0 (issue 11, item 7), end to end against a local
IdP (tests/accounts/saml_idp.py): the AuthnRequest goes to it over HTTP, and the
Response it signs with xmlsec is posted to allauth's ACS, which verifies the
signature against the certificate the office configured."""

from urllib.parse import urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from apps.accounts import services
from apps.accounts.enums import Role
from apps.accounts.models import OfficeSignOn, User
from tests.conftest import service_missing
from tests.factories.accounts import UserFactory

# python3-saml reads the Host header, which a browser always sends, and wants a
# dotted host name in the SP's URLs.
HOST = "careers.fieldnotes.test"

try:  # python3-saml and xmlsec (libxmlsec1): the [saml] extra of django-allauth
    import xmlsec  # noqa: F401
    from onelogin.saml2.auth import OneLogin_Saml2_Auth  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the machine
    SAML_MISSING = f"needs python3-saml and xmlsec: {exc}"
else:
    SAML_MISSING = None


@pytest.fixture(autouse=True)
def _needs_saml(settings):
    if SAML_MISSING:
        service_missing(SAML_MISSING)
    settings.ALLOWED_HOSTS = [HOST]


@pytest.fixture
def idp():
    from tests.accounts.saml_idp import SAMLIdP

    with SAMLIdP() as provider:
        yield provider


def configure(admin, office, idp, **extra) -> OfficeSignOn:
    values = {
        "protocol": OfficeSignOn.Protocol.SAML,
        "enabled": True,
        "campus_name": "Northfield University",
        "email_domains": "northfield.test",
        "student_signup": False,
        "trust_idp_mfa": False,
        "oidc_issuer": "",
        "oidc_client_id": "",
        "saml_entity_id": idp.entity_id,
        "saml_sso_url": idp.sso_url,
        "saml_x509_cert": idp.cert,
        **extra,
    }
    return services.office_sign_on_update(admin=admin, office=office, **values)


@pytest.fixture
def northfield_saml(office_admin, office, idp):
    return configure(office_admin, office, idp)


def sign_in(idp, browser: Client, slug: str = "northfield"):
    from tests.accounts.saml_idp import form_fields

    start = browser.post(f"/accounts/saml/{slug}/login/")
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(f"{idp.sso_url}?SAMLRequest=")
    page = requests.get(start["Location"], timeout=10)
    assert page.status_code == 200, page.text
    action, fields = form_fields(page.text)
    acs = urlsplit(action)
    assert acs.netloc == HOST
    return browser.post(acs.path, fields, follow=True)


def signed_in_user(browser: Client):
    user_id = browser.session.get("_auth_user_id")
    return None if user_id is None else User.objects.get(pk=user_id)


def person(email, uid="jdoe", **more):
    return {"uid": uid, "email": email, "first_name": "Sam", "last_name": "Student", **more}


def test_saml_signed_assertion_signs_the_member_in(northfield_saml, idp, student):
    idp.user = person("sam@northfield.test")
    browser = Client(HTTP_HOST=HOST)

    response = sign_in(idp, browser)

    assert response.status_code == 200
    assert signed_in_user(browser) == student
    account = SocialAccount.objects.get(user=student)
    assert (account.provider, account.uid) == ("northfield", "jdoe")
    assert idp.requests == ["GET /sso"]


def test_saml_new_address_becomes_a_student_where_allowed(office_admin, office, idp):
    configure(office_admin, office, idp, student_signup=True)
    idp.user = person("nia@northfield.test", uid="nia", first_name="Nia", last_name="New")
    browser = Client(HTTP_HOST=HOST)

    sign_in(idp, browser)

    user = User.objects.get(email="nia@northfield.test")
    assert signed_in_user(browser) == user
    assert (user.office, user.role, user.full_name) == (office, Role.STUDENT, "Nia New")
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("nia@northfield.test", True)
    ]


def test_saml_office_has_no_openid_connect_login(northfield_saml):
    browser = Client(HTTP_HOST=HOST)

    assert browser.post("/accounts/oidc/northfield/login/").status_code == 404
    assert (
        browser.get("/accounts/oidc/northfield/login/callback/?code=x&state=y").status_code == 404
    )


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        # Refused by python3-saml's checks: allauth's "sign-in failed" page (401).
        ({"foreign_key": True}, 401),
        ({"edit_after_signing": "priya@northfield.test"}, 401),
        ({"issuer": "http://127.0.0.1:1/evil"}, 401),
        ({"audience": "http://someone-else.test/"}, 401),
        # Validly signed, but answering no request of this browser's.
        ({"in_response_to": "_not-our-request"}, 403),
    ],
    ids=["unknown-signer", "edited-after-signing", "wrong-issuer", "wrong-audience", "unsolicited"],
)
def test_saml_bad_response_refused(northfield_saml, idp, student, student2, tamper, status):
    idp.user = person("sam@northfield.test")
    idp.tamper = tamper
    browser = Client(HTTP_HOST=HOST)

    response = sign_in(idp, browser)

    assert response.status_code == status
    assert signed_in_user(browser) is None
    assert not SocialAccount.objects.exists()


def test_saml_account_of_another_office_refused_and_not_moved(northfield_saml, idp, other_office):
    elsewhere = UserFactory(office=other_office, email="oli@northfield.test")
    idp.user = person("oli@northfield.test")
    browser = Client(HTTP_HOST=HOST)

    response = sign_in(idp, browser)

    assert response.status_code == 403
    assert signed_in_user(browser) is None
    elsewhere.refresh_from_db()
    assert elsewhere.office == other_office


def test_saml_office_a_idp_cannot_sign_anyone_into_office_b(
    northfield_saml, idp, other_office, other_admin, student
):
    configure(
        other_admin,
        other_office,
        idp,
        campus_name="Southbank",
        email_domains="southbank.test, northfield.test",
        student_signup=True,
    )
    idp.user = person("sam@northfield.test")
    browser = Client(HTTP_HOST=HOST)

    response = sign_in(idp, browser, slug="southbank")

    assert response.status_code == 403
    assert signed_in_user(browser) is None
    assert not SocialAccount.objects.exists()


def test_saml_metadata_names_our_acs(northfield_saml):
    response = Client(HTTP_HOST=HOST).get("/accounts/saml/northfield/metadata/")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'entityID="http://careers.fieldnotes.test/accounts/saml/northfield/metadata/"' in body
    assert 'Location="http://careers.fieldnotes.test/accounts/saml/northfield/acs/"' in body

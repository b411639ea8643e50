"""The pages around campus sign-in (issue 11, item 7): the office admin's settings at
/office/sign-on/, the platform admin's in the Django admin, and the way from the
sign-in page to an office's campus button."""

import pytest
from django.test import Client

from apps.accounts import sso
from apps.accounts.models import OfficeSignOn
from apps.accounts.services import user_create
from apps.advising.models import AccessRecord
from tests.accounts.saml_idp import key_and_cert
from tests.factories.accounts import PASSWORD

PAGE = "/office/sign-on/"
SECRET = "the-campus-client-secret"


def oidc_form(**extra) -> dict:
    return {
        "protocol": "oidc",
        "enabled": "on",
        "campus_name": "Northfield University",
        "email_domains": "Northfield.test, alumni.northfield.test, northfield.test",
        "oidc_issuer": "https://login.northfield.test/realms/campus",
        "oidc_client_id": "fieldnotes",
        "client_secret": SECRET,
        **extra,
    }


def saml_form(**extra) -> dict:
    return {
        "protocol": "saml",
        "enabled": "on",
        "campus_name": "Northfield University",
        "email_domains": "northfield.test",
        "saml_entity_id": "https://idp.northfield.test/idp/shibboleth",
        "saml_sso_url": "https://idp.northfield.test/idp/profile/SAML2/Redirect/SSO",
        "saml_x509_cert": key_and_cert("campus")[1],
        **extra,
    }


# --- The office admin's page ---------------------------------------------------------


def test_sign_on_page_shows_the_urls_to_register(login_as, office_admin):
    response = login_as(office_admin).get(PAGE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "http://testserver/accounts/oidc/northfield/login/callback/" in body
    assert "http://testserver/accounts/saml/northfield/acs/" in body
    assert "http://testserver/accounts/saml/northfield/metadata/" in body


def test_sign_on_saved_with_the_secret_encrypted_and_never_shown(login_as, office_admin, office):
    browser = login_as(office_admin)

    response = browser.post(PAGE, oidc_form())

    assert response.status_code == 302
    row = OfficeSignOn.objects.get(office=office)
    assert (row.protocol, row.oidc_client_id) == ("oidc", "fieldnotes")
    assert row.email_domains == "northfield.test, alumni.northfield.test"
    assert SECRET not in row.oidc_client_secret_encrypted
    assert sso.secret_decrypt(row.oidc_client_secret_encrypted) == SECRET
    page = browser.get(PAGE).content.decode()
    assert SECRET not in page
    assert row.oidc_client_secret_encrypted not in page
    assert "A client secret is stored." in page
    record = AccessRecord.objects.get(office=office, what="settings_changed")
    assert record.actor == office_admin
    assert "client_secret" in record.detail
    assert SECRET not in record.detail


def test_sign_on_empty_secret_keeps_the_stored_one(login_as, office_admin, office):
    browser = login_as(office_admin)
    browser.post(PAGE, oidc_form())

    response = browser.post(PAGE, oidc_form(client_secret="", oidc_client_id="fieldnotes-2"))

    assert response.status_code == 302
    row = OfficeSignOn.objects.get(office=office)
    assert row.oidc_client_id == "fieldnotes-2"
    assert sso.secret_decrypt(row.oidc_client_secret_encrypted) == SECRET


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (oidc_form(client_secret=""), "client_secret", "Enter the client secret"),
        (oidc_form(oidc_issuer=""), "oidc_issuer", "Needed for this protocol."),
        (oidc_form(email_domains="northfield, x@y.test"), "email_domains", "Not an email domain"),
        (oidc_form(email_domains=" , "), "email_domains", "Name at least one email domain."),
        (saml_form(saml_x509_cert="not a certificate"), "saml_x509_cert", "not a PEM"),
        (saml_form(saml_sso_url=""), "saml_sso_url", "Needed for this protocol."),
        (oidc_form(campus_name="North\nfield"), "campus_name", "one line"),
    ],
    ids=["no-secret", "no-issuer", "bad-domain", "no-domain", "bad-cert", "no-sso-url", "2-lines"],
)
def test_sign_on_bad_input_says_why_and_saves_nothing(login_as, office_admin, data, field, message):
    response = login_as(office_admin).post(PAGE, data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not OfficeSignOn.objects.exists()


def test_sign_on_saml_saved(login_as, office_admin, office):
    response = login_as(office_admin).post(PAGE, saml_form())

    assert response.status_code == 302
    row = OfficeSignOn.objects.get(office=office)
    assert row.protocol == "saml"
    assert "BEGIN CERTIFICATE" not in row.saml_x509_cert
    assert row.saml_x509_cert.startswith("MII")


def test_sign_on_saml_refused_where_the_server_has_no_saml(login_as, office_admin, settings):
    settings.SAML_AVAILABLE = False

    response = login_as(office_admin).post(PAGE, saml_form())

    assert response.status_code == 400
    assert "SAML is not installed on this server" in " ".join(
        response.context["form"].errors["protocol"]
    )
    assert not OfficeSignOn.objects.exists()


@pytest.mark.parametrize("persona", ["student", "alumni", "advisor"])
def test_sign_on_page_for_office_admins_only(request, login_as, persona):
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(PAGE).status_code == 403
    assert browser.post(PAGE, oidc_form()).status_code == 403
    assert not OfficeSignOn.objects.exists()


def test_sign_on_page_anonymous_sent_to_sign_in(db):
    response = Client().post(PAGE, oidc_form())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not OfficeSignOn.objects.exists()


def test_sign_on_other_office_admin_sets_only_their_own(login_as, office_admin, other_admin):
    login_as(office_admin).post(PAGE, oidc_form())

    page = login_as(other_admin).get(PAGE)
    login_as(other_admin).post(PAGE, oidc_form(oidc_client_id="southbank-client"))

    assert page.context["sign_on"] is None
    assert page.context["form"].instance.pk is None
    assert "Northfield University" not in page.content.decode()
    assert "/northfield/" not in page.content.decode()
    rows = dict(OfficeSignOn.objects.values_list("office__slug", "oidc_client_id"))
    assert rows == {"northfield": "fieldnotes", "southbank": "southbank-client"}


# --- The platform admin ------------------------------------------------------------------


def test_platform_admin_sets_an_office_sign_on_in_the_django_admin(office):
    root = user_create(
        office=None,
        email="root@fieldnotes.test",
        full_name="Platform Admin",
        password=PASSWORD,
        email_verified=True,
        is_superuser=True,
    )
    browser = Client()
    browser.force_login(root)

    response = browser.post(
        "/django-admin/accounts/officesignon/add/", {"office": office.pk, **oidc_form()}
    )

    assert response.status_code == 302
    row = OfficeSignOn.objects.get(office=office)
    assert sso.secret_decrypt(row.oidc_client_secret_encrypted) == SECRET
    change = browser.get(f"/django-admin/accounts/officesignon/{row.pk}/change/")
    assert change.status_code == 200
    assert SECRET not in change.content.decode()


# --- From the sign-in page to the campus button --------------------------------------------


@pytest.fixture
def northfield_sign_on(login_as, office_admin, office):
    login_as(office_admin).post(PAGE, oidc_form())
    return OfficeSignOn.objects.get(office=office)


def test_sign_in_page_offers_campus_sign_in(db):
    body = Client().get("/accounts/login/").content.decode()

    assert 'action="/sso/"' in body


def test_campus_email_leads_to_the_office_button(northfield_sign_on):
    browser = Client()

    response = browser.get("/sso/", {"email": "sam@alumni.northfield.test"})

    assert response.status_code == 302
    assert response["Location"] == "/sso/northfield/"
    page = browser.get("/sso/northfield/").content.decode()
    assert "Sign in with Northfield University" in page
    assert 'action="/accounts/oidc/northfield/login/"' in page


@pytest.mark.parametrize("email", ["sam@elsewhere.test", "northfield.test", "", "x" * 400])
def test_unknown_campus_email_back_to_password_sign_in(northfield_sign_on, email):
    response = Client().get("/sso/", {"email": email}, follow=True)

    assert response.redirect_chain[0] == ("/accounts/login/", 302)
    assert "There is no campus sign-in for that address." in response.content.decode()


def test_disabled_or_missing_campus_button_is_404(login_as, office_admin, northfield_sign_on):
    assert Client().get("/sso/southbank/").status_code == 404
    login_as(office_admin).post(PAGE, oidc_form(enabled="", client_secret=""))

    assert Client().get("/sso/northfield/").status_code == 404
    assert Client().get("/sso/", {"email": "sam@northfield.test"}).status_code == 302
    assert Client().post("/accounts/oidc/northfield/login/").status_code == 404

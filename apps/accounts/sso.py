"""Campus single sign-on (issue 11): each office's identity provider, through allauth.

An office's `OfficeSignOn` becomes an allauth app on the fly (`office_social_app`):
provider id = the office's slug, so its URLs are `/accounts/oidc/<slug>/login/` and
`/accounts/saml/<slug>/acs/`, and a SocialAccount records which office's provider
it came from. The client secret is stored encrypted and decrypted only here.

Who gets in is decided once, in `sign_on_admit` (the social adapter's
`pre_social_login`): the provider must vouch for the email address (OIDC's
`email_verified`; a SAML assertion from the office's own IdP), the address must be
in one of the office's domains, and it may only reach an account of *that* office.
An account of another office is refused and never moved; an unknown address gets a
student account only where the office turned `student_signup` on.

allauth's OpenID Connect provider skips the id_token's signature when the token
came straight from the token endpoint, and sends no nonce. Campus SSO is the only
way in for some people, so `CampusOpenIDConnectProvider` sends a nonce (checked in
`sign_on_admit` against the state allauth keeps in the session), always verifies
the signature against the provider's JWKS with an asymmetric algorithm, and
requires the discovery document's issuer to be the configured one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import jwt
from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.accounts.models import OfficeSignOn, User

OIDC = "openid_connect"
SAML = "saml"
NONCE_STATE_KEY = "campus_nonce"
# Only asymmetric signatures: the key comes from the provider's JWKS, never a secret
# an attacker could also hold.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
# RFC 8176 "amr" value saying more than one factor was used.
MFA_AMR = "mfa"

# What a SAML IdP must release (allauth's attribute_mapping); the common URN names
# of eduPerson / Shibboleth and of Microsoft's ADFS / Entra are accepted.
SAML_ATTRIBUTE_MAPPING = {
    "uid": ["urn:oid:0.9.2342.19200300.100.1.1", "uid"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "mail",
        "email",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "first_name": ["urn:oid:2.5.4.42", "givenName"],
    "last_name": ["urn:oid:2.5.4.4", "sn"],
}


# --- The client secret -----------------------------------------------------------


def _fernet() -> Fernet:
    key = hashlib.sha256(b"fieldnotes.sso.client-secret:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # SECRET_KEY changed: the office admin enters the secret again.
        return ""


# --- The office's provider as an allauth app -----------------------------------


def office_social_app(sign_on: OfficeSignOn) -> SocialApp:
    office = sign_on.office
    if sign_on.protocol == OfficeSignOn.Protocol.OIDC:
        return SocialApp(
            provider=OIDC,
            provider_id=office.slug,
            name=sign_on.campus_name,
            client_id=sign_on.oidc_client_id,
            secret=secret_decrypt(sign_on.oidc_client_secret_encrypted),
            settings={
                "office_id": office.pk,
                "server_url": sign_on.oidc_issuer,
                # Every claim comes from the signed, nonce-bound id_token.
                "fetch_userinfo": False,
                "oauth_pkce_enabled": True,
            },
        )
    return SocialApp(
        provider=SAML,
        provider_id=office.slug,
        name=sign_on.campus_name,
        client_id=office.slug,
        settings={
            "office_id": office.pk,
            "idp": {
                "entity_id": sign_on.saml_entity_id,
                "sso_url": sign_on.saml_sso_url,
                "x509cert": sign_on.saml_x509_cert,
            },
            "attribute_mapping": SAML_ATTRIBUTE_MAPPING,
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "reject_idp_initiated_sso": True,
            },
        },
    )


def enabled_sign_ons():
    rows = OfficeSignOn.objects.filter(enabled=True)
    if not settings.SAML_AVAILABLE:
        rows = rows.exclude(protocol=OfficeSignOn.Protocol.SAML)
    return rows


def office_social_apps(*, provider: str | None, client_id: str | None) -> list[SocialApp]:
    """The enabled offices' apps matching allauth's lookup: by provider type
    ("openid_connect", "saml") or by provider id (the office slug)."""
    rows = enabled_sign_ons().select_related("office")
    if provider and provider not in (OIDC, SAML):
        rows = rows.filter(office__slug=provider)
    elif provider == OIDC:
        rows = rows.filter(protocol=OfficeSignOn.Protocol.OIDC)
    elif provider == SAML:
        rows = rows.filter(protocol=OfficeSignOn.Protocol.SAML)
    apps = [office_social_app(row) for row in rows]
    if client_id:
        apps = [app for app in apps if app.client_id == client_id]
    return apps


def login_url(sign_on: OfficeSignOn) -> str:
    """Where the campus button posts to."""
    if sign_on.protocol == OfficeSignOn.Protocol.OIDC:
        return reverse("openid_connect_login", kwargs={"provider_id": sign_on.office.slug})
    return reverse("saml_login", kwargs={"organization_slug": sign_on.office.slug})


def provider_urls(request, office) -> dict[str, str]:
    """What the campus's identity team registers for this office, both protocols."""
    slug = office.slug

    def absolute(name, **kwargs):
        return request.build_absolute_uri(reverse(name, kwargs=kwargs))

    urls = {"oidc_redirect_uri": absolute("openid_connect_callback", provider_id=slug)}
    if settings.SAML_AVAILABLE:
        urls["saml_acs_url"] = absolute("saml_acs", organization_slug=slug)
        urls["saml_metadata_url"] = absolute("saml_metadata", organization_slug=slug)
    return urls


def sign_on_for_email(email: str) -> OfficeSignOn | None:
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    for row in enabled_sign_ons().filter(email_domains__icontains=domain):
        if domain in row.domains:
            return row
    return None


# --- OpenID Connect, with a nonce and a verified signature ----------------------


class CampusOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    def get_provider(self):
        provider = super().get_provider()
        if provider.id != OIDC:
            # An office on SAML has no OpenID Connect login.
            raise SocialApp.DoesNotExist
        return provider

    @property
    def openid_config(self):
        config = super().openid_config
        expected = self.get_provider().app.settings["server_url"].rstrip("/")
        if str(config.get("issuer", "")).rstrip("/") != expected:
            raise OAuth2Error("The provider's issuer is not the one configured.")
        return config

    def complete_login(self, request, app, token, **kwargs):
        if not kwargs["response"].get("id_token"):
            raise OAuth2Error("The provider sent no id_token.")
        return super().complete_login(request, app, token, **kwargs)

    def _decode_id_token(self, app, id_token):
        config = self.openid_config
        try:
            alg, key = jwtkit.fetch_key(id_token, config["jwks_uri"], jwtkit.lookup_kid_jwk)
            if alg not in SIGNING_ALGORITHMS:
                raise OAuth2Error(f"Refused id_token algorithm {alg!r}.")
            return jwt.decode(
                id_token,
                key=key,
                algorithms=[alg],
                issuer=config["issuer"],
                audience=app.client_id,
                options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise OAuth2Error("Invalid id_token") from exc


class CampusOpenIDConnectProvider(OpenIDConnectProvider):
    # allauth finds a provider's URLs in its package; they stay allauth's.
    package = "allauth.socialaccount.providers.openid_connect"
    oauth2_adapter_class = CampusOpenIDConnectAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        kwargs["auth_params"] = {**auth_params, "nonce": nonce}
        # Kept in allauth's state for this attempt (the session), handed back as
        # sociallogin.state on the callback.
        kwargs[NONCE_STATE_KEY] = nonce
        return super().redirect(request, process, next_url, data, **kwargs)


# --- Who gets in -----------------------------------------------------------------


def _refuse(request, message: str):
    raise ImmediateHttpResponse(
        render(request, "account/sso_refused.html", {"message": message}, status=403)
    )


def _id_token(sociallogin) -> dict:
    return sociallogin.account.extra_data.get("id_token") or {}


def sign_on_of(sociallogin) -> OfficeSignOn | None:
    app = sociallogin.account.get_provider().app
    office_id = app.settings.get("office_id")
    if office_id is None:
        return None
    return (
        OfficeSignOn.objects.filter(office_id=office_id, enabled=True)
        .select_related("office")
        .first()
    )


def claimed_email(sociallogin, sign_on: OfficeSignOn) -> str | None:
    """The address the provider vouches for, or None."""
    for address in sociallogin.email_addresses:
        if not address.email:
            continue
        # A SAML assertion signed by the office's own IdP is its directory's word;
        # OIDC says so per address (email_verified).
        if sign_on.protocol == OfficeSignOn.Protocol.SAML or address.verified:
            return address.email.strip().lower()
    return None


def sign_on_admit(request, sociallogin) -> None:
    """Refuses (a 403 page) any sign-in this office's provider may not make."""
    sign_on = sign_on_of(sociallogin)
    if sign_on is None:
        _refuse(request, _("This campus sign-in is not available."))
    if sign_on.protocol == OfficeSignOn.Protocol.OIDC:
        sent = (sociallogin.state or {}).get(NONCE_STATE_KEY) or ""
        got = str(_id_token(sociallogin).get("nonce") or "")
        if not sent or not hmac.compare_digest(sent, got):
            _refuse(request, _("The campus sign-in could not be checked. Please try again."))
    email = claimed_email(sociallogin, sign_on)
    if email is None:
        _refuse(
            request,
            _(
                "Your campus did not confirm your email address, so it cannot sign you "
                "in here. Sign in with your password, or ask your career office."
            ),
        )
    not_here = _(
        "Your campus sign-in cannot open an account for %(email)s here. Sign in with "
        "your password, or ask your career office for an invitation."
    ) % {"email": email}
    if email.rpartition("@")[2] not in sign_on.domains:
        _refuse(request, not_here)
    if sociallogin.is_existing:
        user = sociallogin.user
        if user.office_id != sign_on.office_id or not user.is_active:
            _refuse(request, not_here)
        return
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        # Same answer for another office's account as for no account: the page
        # does not say that the address is in use elsewhere.
        if user.office_id != sign_on.office_id or not user.is_active:
            _refuse(request, not_here)
        sociallogin.connect(request, user)
        return
    if not sign_on.student_signup:
        _refuse(request, not_here)


def signup_allowed(sociallogin) -> bool:
    sign_on = sign_on_of(sociallogin)
    return bool(sign_on and sign_on.student_signup)


def name_from_claims(data: dict, email: str) -> str:
    name = data.get("name") or " ".join(
        str(part) for part in (data.get("first_name"), data.get("last_name")) if part
    )
    # One line (core.models.single_line) and within the field's length.
    return " ".join(str(name or email.partition("@")[0]).split())[:150]


def new_student(user: User, sociallogin) -> User:
    """Makes the account an unknown address signs up with: a student of the office
    whose provider vouched for it (sign_on_admit has let it through)."""
    sign_on = sign_on_of(sociallogin)
    user.email = claimed_email(sociallogin, sign_on)
    for address in sociallogin.email_addresses:
        # The address the provider vouched for is the verified login.
        address.verified = address.primary = address.email.strip().lower() == user.email
        address.email = address.email.strip().lower()
    user.office = sign_on.office
    user.role = Role.STUDENT
    user.is_office_admin = False
    user.time_zone = sign_on.office.time_zone
    return user


# --- Staff two-factor through the campus -------------------------------------------


@receiver(user_logged_in, dispatch_uid="accounts.sso.idp_two_factor")
def on_logged_in(sender, request, user, sociallogin=None, **kwargs):
    """Where the office accepts the campus's two-factor, an OIDC sign-in whose
    id_token says "mfa" in `amr` counts as a second factor for the staff gate
    (accounts.mfa), as a code typed here would."""
    if request is None or sociallogin is None:
        return
    if sociallogin.account.provider != getattr(user.office, "slug", None):
        return
    amr = _id_token(sociallogin).get("amr") or []
    if not isinstance(amr, list) or MFA_AMR not in amr:
        return
    sign_on = sign_on_of(sociallogin)
    if sign_on and sign_on.trust_idp_mfa and sign_on.protocol == OfficeSignOn.Protocol.OIDC:
        record_authentication(request, user, "mfa", type="idp", provider=sign_on.office.slug)

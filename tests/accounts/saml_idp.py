"""A small SAML 2.0 identity provider for the campus sign-in tests.

It runs in a thread on a free port: its single sign-on URL takes the SP's
AuthnRequest (HTTP-Redirect binding, deflated), and answers with the HTML form a
browser would post to the SP's assertion consumer service, carrying a Response
whose Assertion is signed with xmlsec (RSA-SHA256) by a key made for the test run.
The SP (allauth, python3-saml) checks that signature against the certificate the
office configured; nothing is mocked.

A test sets `idp.user` (uid, email, names) and may set `idp.tamper`:
{"foreign_key": True} signs with a key whose certificate the SP does not hold,
{"edit_after_signing": True} changes the email after signing,
{"audience": ...}, {"issuer": ...}, {"in_response_to": ...}.
"""

from __future__ import annotations

import base64
import functools
import html
import re
import secrets
import threading
import zlib
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@functools.cache
def key_and_cert(name: str) -> tuple[str, str]:
    """A private key and self-signed certificate (PEM), made once per run."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name}.idp.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class SAMLIdP:
    def __init__(self):
        self.key, self.cert = key_and_cert("campus")
        self.user: dict = {}
        self.tamper: dict = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.entity_id = f"{self.base}/metadata"
        self.sso_url = f"{self.base}/sso"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def response(self, authn_request: str) -> tuple[str, str]:
        """The signed Response for an AuthnRequest, and the ACS URL it goes to."""
        from onelogin.saml2.utils import OneLogin_Saml2_Utils

        acs = re.search(r'AssertionConsumerServiceURL="([^"]+)"', authn_request).group(1)
        request_id = re.search(r'\bID="([^"]+)"', authn_request).group(1)
        sp_entity = re.search(r"<saml:Issuer>([^<]+)</saml:Issuer>", authn_request).group(1)
        in_response_to = self.tamper.get("in_response_to", request_id)
        audience = self.tamper.get("audience", sp_entity)
        issuer = self.tamper.get("issuer", self.entity_id)
        now = datetime.now(UTC)
        user = self.user
        attributes = "".join(
            f'<saml:Attribute Name="{name}"><saml:AttributeValue>{html.escape(str(value))}'
            "</saml:AttributeValue></saml:Attribute>"
            for name, value in (
                ("uid", user.get("uid", "")),
                ("mail", user.get("email", "")),
                ("givenName", user.get("first_name", "")),
                ("sn", user.get("last_name", "")),
            )
        )
        assertion = (
            '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
            f'ID="_a{secrets.token_hex(16)}" Version="2.0" IssueInstant="{_instant(now)}">'
            f"<saml:Issuer>{issuer}</saml:Issuer>"
            "<saml:Subject>"
            '<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">'
            f"_n{secrets.token_hex(8)}</saml:NameID>"
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{_instant(now + timedelta(minutes=5))}" '
            f'Recipient="{acs}" InResponseTo="{in_response_to}"/>'
            "</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{_instant(now - timedelta(minutes=1))}" '
            f'NotOnOrAfter="{_instant(now + timedelta(minutes=5))}">'
            f"<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience>"
            "</saml:AudienceRestriction></saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{_instant(now)}" '
            f'SessionIndex="_s{secrets.token_hex(8)}">'
            "<saml:AuthnContext><saml:AuthnContextClassRef>"
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
            f"<saml:AttributeStatement>{attributes}</saml:AttributeStatement>"
            "</saml:Assertion>"
        )
        key, cert = (
            key_and_cert("foreign")
            if self.tamper.get("foreign_key")
            else (
                self.key,
                self.cert,
            )
        )
        signed = OneLogin_Saml2_Utils.add_sign(assertion, key, cert)
        signed = signed.decode() if isinstance(signed, bytes) else signed
        signed = re.sub(r"^<\?xml[^>]*>", "", signed)
        if self.tamper.get("edit_after_signing"):
            signed = signed.replace(html.escape(user["email"]), self.tamper["edit_after_signing"])
        response = (
            '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
            f'ID="_r{secrets.token_hex(16)}" Version="2.0" IssueInstant="{_instant(now)}" '
            f'Destination="{acs}" InResponseTo="{in_response_to}">'
            f"<saml:Issuer>{issuer}</saml:Issuer>"
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
            "</samlp:Status>"
            f"{signed}"
            "</samlp:Response>"
        )
        return response, acs

    def _handler(self):
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                idp.requests.append(f"GET {parts.path}")
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path != "/sso" or "SAMLRequest" not in query:
                    self.send_response(404)
                    self.end_headers()
                    return
                authn_request = zlib.decompress(
                    base64.b64decode(query["SAMLRequest"]), -15
                ).decode()
                response, acs = idp.response(authn_request)
                encoded = base64.b64encode(response.encode()).decode()
                relay = html.escape(query.get("RelayState", ""))
                body = (
                    f'<form method="post" action="{html.escape(acs)}">'
                    f'<input type="hidden" name="SAMLResponse" value="{encoded}">'
                    f'<input type="hidden" name="RelayState" value="{relay}">'
                    "</form>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the IdP's auto-post form."""
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)
    }
    return action, fields

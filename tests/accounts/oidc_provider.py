"""A small but real OpenID Connect provider for the campus sign-in tests.

It runs in a thread on a free port of 127.0.0.1 and speaks plain HTTP the way an
identity provider does: a discovery document, an authorize endpoint that redirects
back with a code, a token endpoint (client secret, PKCE S256) that issues an
RS256-signed id_token carrying the nonce it was sent, a JWKS and userinfo. allauth
reaches it over real sockets; nothing of allauth is mocked.

A test sets `provider.user` (the claims of whoever "signs in" next) and may set
`provider.tamper` to misbehave: {"iss": ...}, {"nonce": ...}, {"aud": ...},
{"foreign_key": True} (sign with a key that is not in the JWKS); and
`provider.announce_issuer` to name another issuer in its discovery document.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KID = "test-key-1"


@functools.cache
def _key(name: str):
    # Made once per test run: RSA key generation is the slow part of a test.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OIDCProvider:
    def __init__(self, *, client_id: str, client_secret: str, redirect_uris: list[str]):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.key = _key("provider")
        self.foreign_key = _key("foreign")
        self.user: dict = {}
        self.tamper: dict = {}
        self.announce_issuer: str | None = None
        self.codes: dict[str, dict] = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # --- what the endpoints answer -------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.announce_issuer or self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict) -> tuple[int, dict, bytes]:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or redirect_uri not in self.redirect_uris:
            return 400, {}, b"unknown client or redirect_uri"
        if query.get("response_type") != "code" or "openid" not in query.get("scope", ""):
            return 400, {}, b"bad request"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "redirect_uri": redirect_uri,
            "challenge": query.get("code_challenge"),
            "user": dict(self.user),
        }
        back = f"{redirect_uri}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": back}, b""

    def token(self, form: dict) -> tuple[int, dict, bytes]:
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return 400, {}, json.dumps({"error": "invalid_grant"}).encode()
        if grant["challenge"]:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != grant["challenge"]:
                return 400, {}, json.dumps({"error": "invalid_grant"}).encode()
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["user"],
        }
        claims.update({k: v for k, v in self.tamper.items() if k != "foreign_key"})
        if claims.get("nonce") is None:
            claims.pop("nonce")
        key = self.foreign_key if self.tamper.get("foreign_key") else self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
        access_token = secrets.token_urlsafe(16)
        self.codes[f"access:{access_token}"] = grant["user"]
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def userinfo(self, authorization: str) -> tuple[int, dict, bytes]:
        user = self.codes.get(f"access:{authorization.removeprefix('Bearer ')}")
        if user is None:
            return 401, {}, b""
        return 200, {"Content-Type": "application/json"}, json.dumps(user).encode()

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status, headers, body):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, data):
                self._send(200, {"Content-Type": "application/json"}, json.dumps(data).encode())

            def do_GET(self):
                parts = urlsplit(self.path)
                provider.requests.append(f"GET {parts.path}")
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._json(provider.discovery())
                elif parts.path == "/jwks":
                    self._json(provider.jwks())
                elif parts.path == "/authorize":
                    self._send(*provider.authorize(query))
                elif parts.path == "/userinfo":
                    self._send(*provider.userinfo(self.headers.get("Authorization", "")))
                else:
                    self._send(404, {}, b"")

            def do_POST(self):
                parts = urlsplit(self.path)
                provider.requests.append(f"POST {parts.path}")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if parts.path == "/token":
                    self._send(*provider.token(form))
                else:
                    self._send(404, {}, b"")

            def log_message(self, *args):
                pass

        return Handler

"""The site's middleware (apps/core/middleware.py) and the headers every response
carries. The header values are pinned as the site sent them before the middleware
chain was made cheaper (issue 10, plan item 3): a normal page, an htmx request, the
error pages and a refused body each carry exactly the same headers."""

from csp.constants import HEADER
from csp.utils import build_policy
from django.test import Client, override_settings

PERMISSIONS_POLICY = (
    "accelerometer=(), ambient-light-sensor=(), autoplay=(), camera=(), "
    "display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-create=(self), "
    "publickey-credentials-get=(self), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=()"
)
# The directives, compared without their order: django-csp builds the header from a
# set, so the order follows Python's string hashing, the same for every response of
# one process but not from one process to the next.
CSP_DIRECTIVES = {
    "base-uri": "'self'",
    "connect-src": "'self'",
    "default-src": "'self'",
    "font-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
}
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PAGE = {
    "Content-Type": "text/html; charset=utf-8",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "Vary": "Cookie, Accept-Language",
    "Content-Language": "en",
    **SECURITY,
}


def _headers(response) -> dict:
    """Every header but the body's length, with the CSP header's directives apart."""
    headers = {k: v for k, v in response.headers.items() if k != "Content-Length"}
    policy = headers.pop(HEADER, None)
    if policy is not None:
        assert policy == build_policy()  # byte for byte the library's, in this process
        parts = [part.split(" ", 1) for part in policy.split("; ")]
        assert len(parts) == len(CSP_DIRECTIVES)
        headers[HEADER] = dict(parts)
    return headers


def test_a_signed_in_page_carries_every_header(student, login_as):
    response = login_as(student).get("/me/research/")

    assert response.status_code == 200
    assert _headers(response) == {**PAGE, HEADER: CSP_DIRECTIVES}


def test_an_htmx_request_carries_every_header(student, login_as):
    response = login_as(student).get("/directory/", {"q": "x"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert _headers(response) == {
        **PAGE,
        "Vary": "HX-Request, Accept-Language, Cookie",
        HEADER: CSP_DIRECTIVES,
    }


def test_a_page_for_anyone_carries_every_header(client):
    response = client.get("/accounts/login/")

    headers = _headers(response)
    del headers["Expires"]  # never_cache: the moment it was sent
    assert headers == {
        **PAGE,
        "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
        HEADER: CSP_DIRECTIVES,
    }


@override_settings(DEBUG=False)
def test_the_404_page_carries_every_header(student, login_as):
    response = login_as(student).get("/no-such-page/")

    assert response.status_code == 404
    assert _headers(response) == {**PAGE, HEADER: CSP_DIRECTIVES}


@override_settings(ROOT_URLCONF="tests.test_settings", DEBUG=False)
def test_the_500_page_carries_every_header_but_the_csp_it_is_exempt_from(student):
    browser = Client(raise_request_exception=False)
    browser.force_login(student)

    response = browser.get("/__fail__/")

    assert response.status_code == 500
    assert _headers(response) == {**PAGE, "Vary": "Accept-Language, Cookie"}


def test_a_refused_body_carries_the_security_headers_only(student, login_as):
    response = login_as(student).generic(
        "POST",
        "/contacts/import/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert _headers(response) == {
        "Content-Type": "text/html; charset=utf-8",
        "Connection": "close",
        **SECURITY,
    }


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_production_sends_hsts_over_https_with_every_other_header(student):
    browser = Client()
    browser.force_login(student)

    response = browser.get("/me/research/", secure=True)

    assert _headers(response) == {
        **PAGE,
        HEADER: CSP_DIRECTIVES,
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    }

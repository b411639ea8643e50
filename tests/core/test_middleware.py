"""The site's middleware (apps/core/middleware.py) and the headers every response
carries. The header values are pinned as the site sent them before the middleware
chain was made cheaper (issue 10, plan item 3): a normal page, an htmx request, the
error pages and a refused body each carry exactly the same headers."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.test import Client, RequestFactory, override_settings
from django.urls import path as route
from django.utils import translation

from apps.core import middleware
from apps.core.middleware import (
    ContentSecurityPolicyMiddleware,
    OneLanguageLocaleMiddleware,
    client_ip,
)

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


# --- The CSP header, built once --------------------------------------------------------


def _view(*decorators, nonce=False, status=200, own=None):
    def view(request):
        if nonce:
            str(request.csp_nonce)
        response = HttpResponse(status=status)
        if own:
            response[HEADER] = response[HEADER_REPORT_ONLY] = own
        return response

    for decorator in decorators:
        view = decorator(view)
    return view


POLICIES = {
    "the site's": _view(),
    "exempt": _view(csp_exempt()),
    "updated by its view": _view(csp_update({"img-src": ["https://example.org"]})),
    "replaced by its view": _view(csp_replace({"script-src": [SELF, NONCE]})),
    "with a nonce": _view(csp_replace({"script-src": [SELF, NONCE]}), nonce=True),
    "a 404": _view(status=404),
    "its own header": _view(own="default-src 'none'"),
}
REPORT_ONLY = {"DIRECTIVES": {"default-src": [SELF], "report-uri": "/csp-report/"}}


SETTINGS = [
    {},
    {"DEBUG": True},
    {"CONTENT_SECURITY_POLICY_REPORT_ONLY": REPORT_ONLY},
    {
        "CONTENT_SECURITY_POLICY": {
            "EXCLUDE_URL_PREFIXES": ["/pay"],
            "DIRECTIVES": {"default-src": [SELF]},
        }
    },
]


@pytest.mark.parametrize("settings_", SETTINGS)
@pytest.mark.parametrize("path", ["/me/", "/payments/"])
@pytest.mark.parametrize("kind", POLICIES)
def test_the_csp_headers_are_the_librarys_for_every_kind_of_response(kind, path, settings_):
    def headers(cls):
        request = RequestFactory().get(path)
        response = cls(POLICIES[kind])(request)
        nonce = getattr(request, "_csp_nonce", None)
        return {k: v.replace(nonce, "NONCE") if nonce else v for k, v in response.items()}

    with override_settings(**settings_):
        ours = [headers(ContentSecurityPolicyMiddleware) for _ in range(2)]
        theirs = [headers(CSPMiddleware) for _ in range(2)]

    assert ours == theirs


def test_the_csp_header_is_built_once_per_process(monkeypatch):
    built = []

    def counted(**kwargs):
        built.append(kwargs)
        return build_policy(**kwargs)

    monkeypatch.setattr(middleware, "build_policy", counted)
    chain = ContentSecurityPolicyMiddleware(_view())

    headers = [chain(RequestFactory().get("/"))[HEADER] for _ in range(3)]

    assert headers == [build_policy()] * 3
    assert built == [{"report_only": False}, {"report_only": True}]


def test_the_csp_header_follows_a_changed_setting():
    chain = ContentSecurityPolicyMiddleware(_view())
    before = chain(RequestFactory().get("/"))[HEADER]

    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        during = chain(RequestFactory().get("/"))[HEADER]

    assert (before, during) == (build_policy(), "default-src 'none'")
    assert chain(RequestFactory().get("/"))[HEADER] == before


def test_a_nonce_asked_for_after_the_header_was_written_is_an_error():
    request = RequestFactory().get("/")

    ContentSecurityPolicyMiddleware(_view())(request)

    with pytest.raises(Exception, match="not available after the CSP header"):
        str(request.csp_nonce)


# --- The client's address ----------------------------------------------------------------


def _seen_address(request):
    return HttpResponse(f"{client_ip()},{client_ip()}")


@pytest.mark.parametrize(
    ("proxies", "meta", "seen"),
    [
        (0, {"REMOTE_ADDR": "203.0.113.7"}, "203.0.113.7"),
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
        (2, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "None"),
        (0, {"REMOTE_ADDR": "not an address"}, "None"),
    ],
)
def test_client_ip_is_the_requests_address_while_it_runs(proxies, meta, seen, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", **meta)

    response = middleware.ClientAddressMiddleware(_seen_address)(request)

    assert response.content.decode() == f"{seen},{seen}"
    assert client_ip() is None


def test_client_ip_is_worked_out_only_when_asked_for_and_once(monkeypatch):
    from allauth.account import adapter

    asked = []

    def counted(request):
        asked.append(request.path)
        return "203.0.113.7"

    monkeypatch.setattr(adapter, "get_client_ip", counted)
    chain = middleware.ClientAddressMiddleware

    chain(lambda request: HttpResponse())(RequestFactory().get("/quiet/"))
    chain(_seen_address)(RequestFactory().get("/asks/"))

    assert asked == ["/asks/"]


# --- The language, while the site has one ---------------------------------------------


def _language_seen(request):
    status = 404 if request.path == "/missing/" else 200
    return HttpResponse(translation.get_language(), status=status)


LANGUAGE_REQUESTS = [
    ("/me/research/", {}),
    ("/me/research/", {"HTTP_ACCEPT_LANGUAGE": "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5"}),
    ("/me/research/", {"HTTP_ACCEPT_LANGUAGE": "en-GB"}),
    ("/me/research/", {"HTTP_ACCEPT_LANGUAGE": "*"}),
    ("/me/research/", {"HTTP_ACCEPT_LANGUAGE": "de"}),
    ("/me/research/", {"HTTP_COOKIE": "django_language=fr"}),
    ("/me/research/", {"HTTP_COOKIE": "django_language=en-us"}),
    ("/fr/me/research/", {}),
    ("/missing/", {"HTTP_ACCEPT_LANGUAGE": "fr"}),
]


# A URL conf with language prefixes, for a request that names its own (request.urlconf)
# or as the site's: Django's handling then, which redirects an unprefixed path.
urlpatterns = i18n_patterns(route("missing/", _language_seen))


def _language_answer(cls, path, meta, urlconf=None):
    request = RequestFactory().get(path, **meta)
    if urlconf:
        request.urlconf = urlconf
    with translation.override("de"):  # what an earlier request could have left
        response = cls(_language_seen)(request)
        return (
            request.LANGUAGE_CODE,
            response.content.decode(),
            response.status_code,
            dict(response.headers),
        )


@pytest.mark.parametrize(("path", "meta"), LANGUAGE_REQUESTS)
def test_one_language_answers_as_djangos_locale_middleware(path, meta):
    ours = _language_answer(OneLanguageLocaleMiddleware, path, meta)

    assert ours == _language_answer(LocaleMiddleware, path, meta)
    assert ours[:2] == ("en", "en")


def test_language_prefixed_urls_get_djangos_locale_middleware():
    answers = [
        _language_answer(cls, "/missing/", {}, urlconf=__name__)
        for cls in (OneLanguageLocaleMiddleware, LocaleMiddleware)
    ]
    with override_settings(ROOT_URLCONF=__name__):
        answers += [
            _language_answer(cls, "/missing/", {})
            for cls in (OneLanguageLocaleMiddleware, LocaleMiddleware)
        ]

    assert answers[0][2:] == (302, {**answers[0][3], "Location": "/en/missing/"})
    assert answers == [answers[0]] * 4


@override_settings(LANGUAGES=[("en", "English"), ("fr", "French")])
@pytest.mark.parametrize(("path", "meta"), LANGUAGE_REQUESTS)
def test_a_second_language_gets_djangos_locale_middleware(path, meta):
    ours = _language_answer(OneLanguageLocaleMiddleware, path, meta)

    assert ours == _language_answer(LocaleMiddleware, path, meta)


def test_a_second_language_added_later_is_chosen_from_the_request():
    chain = OneLanguageLocaleMiddleware(_language_seen)
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}

    before = chain(RequestFactory().get("/", **french)).content
    with override_settings(LANGUAGES=[("en", "English"), ("fr", "French")]):
        during = chain(RequestFactory().get("/", **french)).content

    assert (before, during) == (b"en", b"fr")


def test_one_language_reads_nothing_from_the_request(monkeypatch):
    def parse(*args, **kwargs):
        raise AssertionError("the request's language was looked up")

    monkeypatch.setattr(translation, "get_language_from_request", parse)
    monkeypatch.setattr(translation, "get_language_from_path", parse)

    response = OneLanguageLocaleMiddleware(_language_seen)(RequestFactory().get("/"))

    assert (response.content, response["Content-Language"]) == (b"en", "en")

"""Middleware of the whole site."""

from contextvars import ContextVar
from functools import cached_property

from allauth.account.adapter import get_adapter
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_vary_headers


class RequestSizeLimitMiddleware:
    """Refuse a request whose body is larger than MAX_REQUEST_BYTES, from its
    Content-Length, before anything reads it: Django would otherwise take in a 50 MB
    upload in full (to a temporary file) before a form could say it is too big.
    Every page's largest honest request is a 2 MB CSV; a proxy in front should
    refuse bigger bodies too (docs/deployment.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            # A plain page with no context, as for a 500: the session and the user
            # are not loaded yet, and the body is never read.
            html = loader.get_template("413.html").render(
                {"limit_mb": settings.MAX_REQUEST_BYTES // (1024 * 1024)}
            )
            response = HttpResponse(html, status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class _ClientAddress:
    """The current request's client address, worked out when first asked for: most
    requests never ask (only the services that log who did what do)."""

    def __init__(self, request):
        self._request = request

    @cached_property
    def value(self) -> str | None:
        try:
            return get_adapter(self._request).get_client_ip(self._request)
        except Exception:  # no usable address (allauth refuses): log none
            return None


_client_address: ContextVar[_ClientAddress | None] = ContextVar("client_address", default=None)


def client_ip() -> str | None:
    """The address the current request came from (behind TRUSTED_PROXY_COUNT
    proxies, the client's), for the services that log who did what from where
    without being handed the request; None outside a request."""
    address = _client_address.get()
    return None if address is None else address.value


class ClientAddressMiddleware:
    """Makes the request's client address known to client_ip() while it runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_address.set(_ClientAddress(request))
        try:
            return self.get_response(request)
        finally:
            _client_address.reset(token)


# What a view's @csp_update / @csp_replace / @csp_override (and their report-only
# forms) leave on its response for django-csp's middleware.
_PER_RESPONSE_POLICY = tuple(
    f"_csp_{kind}{suffix}" for kind in ("config", "update", "replace") for suffix in ("", "_ro")
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's policy header built once per process
    instead of on every response (build_policy copies and joins every directive,
    twice). A response whose view changed the policy, and a request that drew a
    nonce, get django-csp's own handling, unchanged. The header is the library's
    build_policy() for the settings, so it is the same string it sends today."""

    def __init__(self, get_response):
        super().__init__(get_response)
        setting_changed.connect(self._setting_changed)

    def _setting_changed(self, *, setting, **kwargs):
        if setting.startswith("CONTENT_SECURITY_POLICY"):
            self.__dict__.pop("_site_policies", None)

    @cached_property
    def _site_policies(self) -> tuple:
        policies = []
        for header, setting, exempt, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
        ):
            value = build_policy(report_only=report_only)
            if value:
                policy = getattr(settings, setting, None) or {}
                prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
                policies.append((header, value, exempt, prefixes))
        return tuple(policies)

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _PER_RESPONSE_POLICY
        ):
            return super().process_response(request, response)
        # From here as CSPMiddleware.process_response does it, with the values kept.
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, value, exempt, prefixes in self._site_policies:
            if (
                header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class OneLanguageLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with a short cut while the site has one language
    (LANGUAGES is LANGUAGE_CODE alone) and no i18n_patterns: Django's lookup can then
    only ever answer LANGUAGE_CODE, whatever the request's cookie, Accept-Language or
    path, so nothing is parsed; the language is activated and the response gets the
    same Vary and Content-Language as from Django's. With a second language, Django's
    own handling, unchanged: adding one needs no other change."""

    def __init__(self, get_response):
        super().__init__(get_response)
        setting_changed.connect(self._setting_changed)

    def _setting_changed(self, *, setting, **kwargs):
        if setting in ("LANGUAGES", "LANGUAGE_CODE", "ROOT_URLCONF"):
            self.__dict__.pop("_only_language", None)

    @cached_property
    def _only_language(self) -> str | None:
        codes = [code for code, _ in settings.LANGUAGES]
        if codes != [settings.LANGUAGE_CODE]:
            return None
        if is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]:
            return None
        return settings.LANGUAGE_CODE

    def process_request(self, request):
        if self._only_language is None:
            return super().process_request(request)
        translation.activate(self._only_language)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        # A request with URL conf of its own (request.urlconf) may use language
        # prefixes: Django's redirects an unprefixed 404 there.
        if self._only_language is None or hasattr(request, "urlconf"):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

"""Middleware of the whole site."""

from contextvars import ContextVar

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.http import HttpResponse
from django.template import loader


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


_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def client_ip() -> str | None:
    """The address the current request came from (behind TRUSTED_PROXY_COUNT
    proxies, the client's), for the services that log who did what from where
    without being handed the request; None outside a request."""
    return _client_ip.get()


class ClientAddressMiddleware:
    """Makes the request's client address known to client_ip() while it runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            address = get_adapter(request).get_client_ip(request)
        except Exception:  # no usable address (allauth refuses): log none
            address = None
        token = _client_ip.set(address)
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)

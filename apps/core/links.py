"""Absolute links for what leaves the site (emails, calendar files, feeds)."""

from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

# What Django itself accepts when DEBUG is on and ALLOWED_HOSTS is empty.
DEBUG_HOSTS = [".localhost", "127.0.0.1", "[::1]"]


def site_url(name: str, *args) -> str:
    """SITE_URL and the named route: https://fieldnotes.example.edu/interviews/7/."""
    return site_link(reverse(name, args=args))


def site_link(path: str) -> str:
    """SITE_URL and a path of this site that `reverse` gave, perhaps with an anchor
    (/interviews/7/#thread-3), for the links that site_url cannot name."""
    return settings.SITE_URL + path


def site_url_host(site_url: str | None = None) -> str:
    """The host name of SITE_URL (or `site_url`), without port or user."""
    netloc = urlsplit(settings.SITE_URL if site_url is None else site_url).netloc
    domain, _port = split_domain_port(netloc.rpartition("@")[2].lower())
    return domain


def site_url_host_allowed(
    site_url: str | None = None, allowed_hosts: list[str] | None = None
) -> bool:
    """Whether this site answers at SITE_URL's host: the host matches ALLOWED_HOSTS,
    wildcards included (`.example.edu`, `*`). When it does not, every link in an
    email or calendar feed leads to a 400 page or to another server."""
    hosts = settings.ALLOWED_HOSTS if allowed_hosts is None else allowed_hosts
    if not hosts and settings.DEBUG:
        hosts = DEBUG_HOSTS
    host = site_url_host(site_url)
    return bool(host) and validate_host(host, hosts)


def safe_next(request, default: str = "") -> str:
    """Where a form asked to go back to (`next` in the POST or the query string), if
    it is a page of this site; else `default`. Never an address elsewhere: a link
    someone crafted must not send a signed-in user off the site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: `redirect()` takes a bare word ("dashboard") for a
    # URL name and fails on it, and a control character cannot go in a header.
    if not target.startswith("/") or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# A primary key no row will have: reversed once, then replaced by each row's own.
_PK_SENTINEL = 9_876_543_210


def path_for_pk(name: str):
    """reverse(name, args=[pk]) for every row of a list without a reverse per row
    (some 40 µs each, which a list of 70 rows paid 70 times): the route reversed
    once per process with a sentinel pk (as route_path_for_pk), then each row's pk
    put in its place."""
    head, tail = _route_parts(name, True, _urlconf(), get_script_prefix(), get_language())
    return lambda pk: f"{head}{int(pk)}{tail}"


def _urlconf() -> str:
    return get_urlconf() or settings.ROOT_URLCONF


@lru_cache(maxsize=256)
def _route_parts(name: str, pk: bool, urlconf, prefix: str, language) -> tuple[str, str]:
    if not pk:
        return reverse(name, urlconf=urlconf), ""
    head, _sentinel, tail = reverse(name, args=[_PK_SENTINEL], urlconf=urlconf).partition(
        str(_PK_SENTINEL)
    )
    return head, tail


def route_path(name: str) -> str:
    """reverse(name) for a route without arguments, reversed once per process (per
    URL conf, script prefix and language) rather than on every request: a page's
    fixed links (some 40 µs a reverse) cost more than its few rows."""
    return _route_parts(name, False, _urlconf(), get_script_prefix(), get_language())[0]


def route_path_for_pk(name: str, pk) -> str:
    """reverse(name, args=[pk]), the route reversed once per process (as route_path)
    with a sentinel pk and each call's pk put in its place (as path_for_pk)."""
    return path_for_pk(name)(pk)

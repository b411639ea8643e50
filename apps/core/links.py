"""Absolute links for what leaves the site (emails, calendar files, feeds)."""

from django.conf import settings
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def site_url(name: str, *args) -> str:
    """SITE_URL and the named route: https://fieldnotes.example.edu/interviews/7/."""
    return site_link(reverse(name, args=args))


def site_link(path: str) -> str:
    """SITE_URL and a path of this site that `reverse` gave, perhaps with an anchor
    (/interviews/7/#thread-3), for the links that site_url cannot name."""
    return settings.SITE_URL + path


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

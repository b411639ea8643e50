"""Absolute links for what leaves the site (emails, calendar files, feeds)."""

from django.conf import settings
from django.urls import reverse


def site_url(name: str, *args) -> str:
    """SITE_URL and the named route: https://fieldnotes.example.edu/interviews/7/."""
    return settings.SITE_URL + reverse(name, args=args)

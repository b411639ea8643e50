"""How two ways of writing the same person compare: the keys a contact is matched on
(apps/contacts/matching.py). Pure functions; the Contact model stores their results
in indexed columns so a match is one query however large the book."""

import unicodedata
from urllib.parse import urlsplit

NAME_KEY_MAX = 150
ORG_KEY_MAX = 160
URL_KEY_MAX = 200


def text_key(value: str | None, *, limit: int = NAME_KEY_MAX) -> str:
    """Case, accents and spacing do not tell two people apart: "  José  GARCÍA" and
    "jose garcia" are one key. NFKD splits an accented letter into the letter and its
    mark, and the marks are dropped."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())[:limit]


def email_key(value: str | None) -> str:
    return (value or "").strip().lower()


def url_key(value: str | None) -> str:
    """A profile URL without what varies between copies of it: the scheme, "www." or
    a country subdomain of LinkedIn, a query, a fragment, a trailing slash, case.
    "https://uk.linkedin.com/in/Maria/?trk=x" is "linkedin.com/in/maria"."""
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value if "//" in value else f"//{value}")
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host.endswith(".linkedin.com"):
        host = "linkedin.com"
    path = parts.path.rstrip("/").lower()
    return f"{host}{path}"[:URL_KEY_MAX] if host else ""

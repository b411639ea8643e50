"""core.versions: the token a change replaces."""

import logging

from django.core.cache import cache

from apps.core.versions import version_read, version_replace


def test_a_token_is_made_once_then_read_until_replaced():
    cache.delete("v:test")

    first = version_read("v:test")

    assert version_read("v:test") == first
    version_replace("v:test", what="test figures")
    assert version_read("v:test") not in ("", first)


def test_a_token_already_read_is_used_as_it_is():
    cache.set("v:test", "kept")

    assert version_read("v:test", stored="given") == "given"
    assert version_read("v:test") == "kept"


def test_an_unreachable_cache_is_logged_not_raised(monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("no cache")

    monkeypatch.setattr(cache, "set", unreachable)

    with caplog.at_level(logging.WARNING, logger="apps.core.versions"):
        version_replace("v:test", what="office 7: the counts")

    assert caplog.messages == ["office 7: the counts kept: the cache could not be reached"]

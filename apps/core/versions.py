"""Cache versions: a random token kept under a key, which a change replaces, so that
whatever was cached under the old token is never read again (counts, rankings and
figures that would otherwise be counted over a whole office on every request).

A new random token rather than a counter: two changes at once cannot leave the
token where a read in between expects it, and a lost key never brings back an old
token. Replacing one must never fail the write it follows: a cache that cannot be
reached is logged, and what was cached waits for its own timeout."""

import logging
import uuid

from django.core.cache import cache

logger = logging.getLogger(__name__)


def version_read(key: str, *, timeout: int | None = None, stored: str | None = None) -> str:
    """The token under `key` (`stored` when the caller already read it), made now
    if there is none; two first readers agree on one (cache.add)."""
    if stored is not None:
        return stored
    version = cache.get(key)
    if version is None:
        token = uuid.uuid4().hex
        cache.add(key, token, timeout)
        version = cache.get(key) or token
    return version


def version_replace(key: str, *, timeout: int | None = None, what: str) -> None:
    """A new token under `key`; `what` names what is kept stale, for the log, if the
    cache cannot be reached."""
    try:
        cache.set(key, uuid.uuid4().hex, timeout)
    except Exception:
        logger.warning("%s kept: the cache could not be reached", what, exc_info=True)

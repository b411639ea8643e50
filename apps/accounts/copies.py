"""The signed-in user and their office from a copy this process keeps, instead of a
query on every request.

Every signed-in request needs its user and office (`backends.AccountBackend`).
Each process keeps the row it last read for a user, tagged with the version
tokens (`core.versions`) of that user and of their office as they were *before*
the row was read. A request asks the cache for both tokens in one round trip; if
they are still the ones the copy was read under, the user and office are built
afresh from the copy (so nothing of one request is shared with another), and the
database is not asked. Any change to the user or the office replaces its token
once its transaction commits, so the next request anywhere reads the row again:

- `User.save()` and `Office.save()`, and deleting either (the receivers below);
- `User.objects....update()` and `bulk_update()` (`models.UserQuerySet`), which
  every bulk change of accounts goes through (deactivating members, erasure,
  activity).

A token is read before the row and replaced after the commit, so a copy is never
tagged with a token newer than its data: a change during a read leaves the copy
tagged with the old token, which the next request finds replaced.

What bounds a missed change (a token replacement the cache could not take, or a
write around the ORM, such as a migration's SQL): a copy is used for at most
`USER_COPY_SECONDS` (60 by default) after its read, and a process keeps at most
`KEPT` users. `USER_COPY_SECONDS = 0` turns the copies off: the embedded default
(no shared cache, so processes could not see each other's changes) and the test
suite (whose literal query counts are those of a request without a copy) run so.
If the cache cannot be reached, the row is read from the database as before.

The tokens in the session's round trip: every signed-in request reads its session
from the same cache (`cached_db`) just before it reads these tokens, and each read
is a round trip. So each process also remembers which user a session held when it
last read it (by a hash of the session key, never the key itself), and the session
middleware (`accounts.middleware.SessionMiddleware`) asks for the session *and* that
user's tokens in one `get_many`. The tokens are as fresh as the ones a second round
trip would read a moment later; they are used only for that request, only if the
session does hold that user, and only for the keys `user_with_office` would ask
for itself. Anything else (a session this process has not seen, another user
signed in, no copy tagged with an office yet) reads as above.
"""

import logging
import threading
import time
import uuid
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from apps.core.versions import version_read

logger = logging.getLogger(__name__)

# Users a process keeps copies of; the least recently signed in go first.
KEPT = 4096
# Sessions a process remembers the user of (a user may have several).
KEPT_SESSIONS = 2 * KEPT
# How long a token lives in the cache without a change: a token lost to this (or
# to eviction) only costs a read.
TOKEN_SECONDS = 24 * 3600


def user_version_key(user_id: int) -> str:
    return f"user-version:{user_id}"


def office_version_key(office_id: int) -> str:
    return f"office-version:{office_id}"


def _replace(keys: list[str], what: str) -> None:
    try:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, TOKEN_SECONDS)
    except Exception:
        # The write stands; the copies of those it names wait for USER_COPY_SECONDS.
        logger.warning("%s: kept copies not renewed, the cache could not be reached", what)


def users_changed(user_ids) -> None:
    """These users' rows changed: their copies are read again once the transaction
    commits (at once outside one)."""
    keys = [user_version_key(pk) for pk in user_ids if pk is not None]
    if keys and copies_on():
        transaction.on_commit(lambda: _replace(keys, f"users {user_ids!r} changed"))


def office_changed(office_id: int | None) -> None:
    if office_id is not None and copies_on():
        key = office_version_key(office_id)
        transaction.on_commit(lambda: _replace([key], f"office {office_id} changed"))


def copies_on() -> bool:
    return settings.USER_COPY_SECONDS > 0


@dataclass(frozen=True)
class _Copy:
    row: tuple
    user_token: str
    office_id: int | None
    # None when the office's token was not read before the row (the first read):
    # the next request reads the row again under both tokens.
    office_token: str | None
    read_at: float


_kept: OrderedDict[int, _Copy] = OrderedDict()
_lock = threading.Lock()


# hash(session key) -> the user id the session held when this process last read it.
_session_users: OrderedDict[int, int] = OrderedDict()


@dataclass(frozen=True)
class _Prefetched:
    user_id: int
    keys: tuple[str, ...]
    tokens: dict


# The tokens read with the current request's session, until user_with_office uses them.
_prefetched: ContextVar[_Prefetched | None] = ContextVar("user_tokens_prefetched", default=None)


def copies_clear() -> None:
    """Forget every copy this process keeps (tests)."""
    with _lock:
        _kept.clear()
        _session_users.clear()


def _token_keys(user_id: int, copy: "_Copy | None") -> tuple[str, ...]:
    """The tokens a read of `user_id` asks for: the user's, and the office's of the
    copy kept, if any."""
    if copy is not None and copy.office_id:
        return (user_version_key(user_id), office_version_key(copy.office_id))
    return (user_version_key(user_id),)


def session_user_seen(session_key: str | None, user_id) -> None:
    """The session `session_key` was read holding `user_id` (its SESSION_KEY value)."""
    if not session_key or user_id is None or not copies_on():
        return
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return
    marker = hash(session_key)
    with _lock:
        _session_users[marker] = user_id
        _session_users.move_to_end(marker)
        while len(_session_users) > KEPT_SESSIONS:
            _session_users.popitem(last=False)


def session_token_keys(session_key: str) -> tuple[int, tuple[str, ...]] | None:
    """The user this session held when this process last read it, and the keys of
    the tokens a read of that user will ask for; None for a session not seen here."""
    user_id = _session_users.get(hash(session_key))
    if user_id is None:
        return None
    return user_id, _token_keys(user_id, _kept.get(user_id))


def tokens_scope_start():
    """Start a request's scope for tokens read with its session (the session
    middleware); `tokens_scope_end` drops whatever it left unused."""
    return _prefetched.set(None)


def tokens_scope_end(scope) -> None:
    _prefetched.reset(scope)


def tokens_prefetched(user_id: int, keys: tuple[str, ...], values: dict) -> None:
    """The tokens `keys` of `user_id` as read with this request's session, for this
    request's read of that user."""
    _prefetched.set(_Prefetched(user_id, keys, {key: values.get(key) for key in keys}))


def _tokens(user_id: int, keys: tuple[str, ...]) -> dict:
    prefetched = _prefetched.get()
    if prefetched is not None and prefetched.user_id == user_id and prefetched.keys == keys:
        _prefetched.set(None)  # once: a second read in the request asks again
        return {key: value for key, value in prefetched.tokens.items() if value is not None}
    return cache.get_many(keys)


def user_with_office(user_id, read):
    """The user `user_id` with their office, as `read` (a core.compiled
    PrimaryKeyRead of the user with `select_related("office")`) reads it: from this
    process's copy while both tokens are unchanged, else from the database."""
    if not copies_on() or not read.takes(user_id):
        return read.get(user_id)
    copy = _kept.get(user_id)
    keys = _token_keys(user_id, copy)
    user_key = keys[0]
    office_key = keys[1] if len(keys) > 1 else None
    try:
        tokens = _tokens(user_id, keys)
    except Exception:
        logger.warning("user %s read from the database: the cache could not be reached", user_id)
        return read.get(user_id)
    user_token = tokens.get(user_key)
    if (
        copy is not None
        and user_token is not None
        and user_token == copy.user_token
        and (copy.office_id is None or tokens.get(office_key) == copy.office_token)
        and time.monotonic() - copy.read_at < settings.USER_COPY_SECONDS
    ):
        with _lock:
            if user_id in _kept:
                _kept.move_to_end(user_id)
        return read.build(copy.row)
    # Read afresh, under the tokens as they are now (made if the cache has none).
    if user_token is None:
        user_token = version_read(user_key, timeout=TOKEN_SECONDS)
    read_at = time.monotonic()
    row = read.row(user_id)
    if row is None:
        with _lock:
            _kept.pop(user_id, None)
        return None
    user = read.build(row)
    office_token = None
    if user.office_id is not None:
        if office_key and user.office_id == copy.office_id:
            office_token = tokens.get(office_key)
        if office_token is None:
            # Made for the next request; this copy was not read under it.
            version_read(office_version_key(user.office_id), timeout=TOKEN_SECONDS)
    with _lock:
        _kept[user_id] = _Copy(row, user_token, user.office_id, office_token, read_at)
        _kept.move_to_end(user_id)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return user


def _user_saved(sender, instance, **kwargs):
    users_changed([instance.pk])


def _office_saved(sender, instance, **kwargs):
    office_changed(instance.pk)


def connect() -> None:
    """Renew the tokens on every save and delete of a user or an office (from
    AccountsConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from apps.accounts.models import Office, User

    for signal in (post_save, post_delete):
        signal.connect(_user_saved, sender=User, dispatch_uid=f"copies.user.{signal!r}")
        signal.connect(_office_saved, sender=Office, dispatch_uid=f"copies.office.{signal!r}")

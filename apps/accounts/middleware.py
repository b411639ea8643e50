import time
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBSessionStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts import copies, mfa

_NOTHING = object()


def _store_read_with_tokens(store_class):
    """`store_class` (cached_db's, or a subclass) taking the session's data as read
    in the middleware's round trip instead of reading it again, and telling
    accounts.copies which user each session it reads holds."""

    class SessionStore(store_class):
        _prefetched = _NOTHING

        def prefetched(self, data) -> None:
            self._prefetched = data

        def load(self):
            data, self._prefetched = self._prefetched, _NOTHING
            if data is _NOTHING or data is None:
                # Not read, or not in the cache: cached_db's own read (from the
                # database, then kept in the cache), unchanged.
                data = super().load()
            copies.session_user_seen(self.session_key, data.get(SESSION_KEY))
            return data

    # The same name as the class it extends: sessions are signed with a salt made
    # from it (SessionBase.key_salt), and every other SessionStore must read ours.
    SessionStore.__qualname__ = store_class.__qualname__
    SessionStore.__module__ = store_class.__module__
    return SessionStore


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's SessionMiddleware, reading the session and the signed-in user's
    version tokens (accounts.copies) in one cache round trip instead of two.

    With `cached_db` sessions in the cache the user copies use, once this process
    has seen the session it knows whose it was, and asks for the session and that
    user's tokens together. The session's data is then cached_db's, as its own read
    would have found it; if it is not in the cache, cached_db reads the database as
    always. The user is still whoever the session names: the tokens are used only
    for that user, for this request. Any other engine, a session not seen here yet,
    or a cache that cannot be reached: Django's own reads, unchanged.
    """

    async_capable = False

    def __init__(self, get_response):
        super().__init__(get_response)
        self._with_tokens = (
            issubclass(self.SessionStore, CachedDBSessionStore)
            and settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS
        )
        if self._with_tokens:
            self.SessionStore = _store_read_with_tokens(self.SessionStore)

    def __call__(self, request):
        if not self._with_tokens:
            return super().__call__(request)
        scope = copies.tokens_scope_start()
        try:
            return super().__call__(request)
        finally:
            copies.tokens_scope_end(scope)

    def process_request(self, request):
        super().process_request(request)
        store = request.session
        if not self._with_tokens or store.session_key is None or not copies.copies_on():
            return
        seen = copies.session_token_keys(store.session_key)
        if seen is None:
            return
        user_id, keys = seen
        session_key = store.cache_key
        try:
            values = cache.get_many([session_key, *keys])
        except Exception:
            return  # each read on its own, as without this, and logged there
        store.prefetched(values.get(session_key))
        copies.tokens_prefetched(user_id, keys, values)


class UserTimeZoneMiddleware:
    """Show times in the viewer's own zone; templates name the zone beside them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except zoneinfo.ZoneInfoNotFoundError:
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


# Where a staff member who still owes two-factor may go: allauth's own pages (sign
# out, two-factor setup and confirmation, the email and password pages it sends
# people through), the page that explains the rule, and what holds no data.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/favicon.ico")


class StaffSessionMiddleware:
    """For advisors and office admins: end a session left idle for
    STAFF_IDLE_MINUTES, and, where their office requires it, keep a session that
    has not used two-factor sign-in away from every page but those that set it up
    (see accounts.mfa). Students and alumni volunteers pass untouched.

    Runs before django-htmx's middleware, so it reads the HX-Request header itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            # Every request reads its user here anyway: from now on the page's many
            # reads of request.user (permissions, layout, views) get the user itself
            # instead of going through SimpleLazyObject's proxy each time.
            user = request.user = _evaluated(user)
        if user is None or not mfa.is_staff_member(user):
            return self.get_response(request)
        now = time.time()
        idle = mfa.idle_seconds(request.session, now)
        if idle is not None and idle > mfa.idle_limit_seconds():
            return self._timed_out(request)
        if idle is None or idle >= mfa.LAST_SEEN_RESOLUTION_SECONDS:
            mfa.mark_seen(request.session, now)
        if (
            mfa.two_factor_required(user)
            and not mfa.session_used_two_factor(request)
            and not request.path.startswith(_OPEN_PREFIXES)
            and request.path != reverse("two_factor_required")
        ):
            target = reverse("two_factor_required")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return _redirect(request, target)
        return self.get_response(request)

    @staticmethod
    def _timed_out(request):
        next_path = request.get_full_path() if request.method == "GET" else ""
        logout(request)
        messages.info(
            request,
            _("You were signed out after %(minutes)d minutes without activity. Sign in again.")
            % {"minutes": settings.STAFF_IDLE_MINUTES},
        )
        target = resolve_url(settings.LOGIN_URL)
        if next_path:
            target += "?" + urlencode({"next": next_path})
        return _redirect(request, target)


def _evaluated(user):
    """The object a SimpleLazyObject (AuthenticationMiddleware's request.user)
    stands for, read now; anything else as it is."""
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def _redirect(request, target: str):
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)

import time
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts import mfa


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


def _redirect(request, target: str):
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)

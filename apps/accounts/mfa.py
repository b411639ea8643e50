"""Two-factor sign-in for staff, and their sessions' idle timeout.

Advisors and office admins see students' data, so where their office requires it
(`Office.staff_two_factor_required`, on by default) a staff session reaches student
data only once it has *used* a second factor: allauth records each way a session
authenticated in `account_authentication_methods`, and the gate looks there for an
"mfa" entry rather than asking whether the account has an authenticator. That
costs no query per request, and it also holds a session that got in some other way
(a sign-in link, or `force_login`) to the same rule: such a session is sent to
confirm a code, or to set two-factor up.

Registering an authenticator in this session counts as using it (the person has
just typed a code from the app, or touched the key), see `on_authenticator_added`.
"""

import time

from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
    record_authentication,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.accounts.enums import Role

LAST_SEEN_KEY = "staff_last_seen"
# Second factors that count: recovery codes alone are a fallback, not a factor set up.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# The last-seen time is written at most this often, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


def is_staff_member(user) -> bool:
    """Advisors, and office admins (who are advisors by constraint)."""
    return bool(user.is_authenticated and user.role == Role.ADVISOR and user.office_id)


def two_factor_required(user) -> bool:
    return is_staff_member(user) and user.office.staff_two_factor_required


def session_used_two_factor(request) -> bool:
    # allauth's records count only for the user they were made for.
    return any(
        entry.get("method") == "mfa" for entry in get_authentication_records(request, request.user)
    )


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def idle_seconds(session, now: float) -> float | None:
    last_seen = session.get(LAST_SEEN_KEY)
    return None if last_seen is None else now - last_seen


def mark_seen(session, now: float) -> None:
    session[LAST_SEEN_KEY] = int(now)


def idle_limit_seconds() -> int:
    return settings.STAFF_IDLE_MINUTES * 60


@receiver(user_logged_in, dispatch_uid="accounts.mfa.start_idle_clock")
def on_logged_in(sender, request, user, **kwargs):
    # Saved with the new session, so the first page after signing in writes nothing.
    if request is not None and hasattr(request, "session") and is_staff_member(user):
        mark_seen(request.session, time.time())


@receiver(authenticator_added, dispatch_uid="accounts.mfa.count_enrolment")
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    if request is not None and authenticator.type in SECOND_FACTORS:
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True
        )


@receiver(authenticator_removed, dispatch_uid="accounts.mfa.forget_removed")
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    # Removing the last factor leaves nothing to have used: the session is asked to
    # set one up again (where the office requires it) instead of keeping its pass.
    if request is not None and not has_second_factor(user):
        methods = get_authentication_records(request, user)
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            entry for entry in methods if entry.get("method") != "mfa"
        ]

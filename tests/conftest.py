"""Personas and the gate for tests that need real servers.

Two offices with the same cast. Permission tests use them all: `office` is the one
under test, `other_office` holds people who must see nothing of it, and `nobody`
is a visitor who is not signed in at all. (A signed-in account with no office is
impossible by constraint unless it is a platform superuser, so the anonymous
client is the one persona with no access whatever.)
"""

import functools
import os
from importlib import import_module

import pytest
import redis
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory

from apps.accounts.enums import Approval, Role
from tests.factories.accounts import OfficeFactory, UserFactory
from tests.factories.contacts import make_volunteer
from tests.factories.students import FieldFactory

# --- Servers ----------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def service_missing(reason: str) -> None:
    """Skip on a developer's bare machine; in CI a missing server is a failure,
    otherwise a green build could prove nothing about PostgreSQL or Redis."""
    if _in_ci():
        pytest.fail(f"{reason}, and CI=true requires it", pytrace=False)
    pytest.skip(reason)


def _redis_urls() -> list[str]:
    urls = []
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        urls.append(settings.CELERY_BROKER_URL)
    cache_config = settings.CACHES["default"]
    if "redis" in cache_config["BACKEND"].lower():
        location = cache_config["LOCATION"]
        urls.extend(location if isinstance(location, list | tuple) else [location])
    return urls or ["redis://127.0.0.1:6379/0"]


@functools.cache
def _redis_problem() -> str | None:
    for url in _redis_urls():
        try:
            with redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as client:
                client.ping()
        except redis.RedisError as exc:
            return f"needs Redis at {url}: {exc}"
    return None


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_postgres") and connection.vendor != "postgresql":
        service_missing(f"needs PostgreSQL; the database is {connection.vendor}")
    if item.get_closest_marker("needs_redis"):
        problem = _redis_problem()
        if problem:
            service_missing(problem)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database is built from the models (--no-migrations); what only a
    migration makes on PostgreSQL is made here as `migrate` would: pg_trgm and the
    directory's trigram index (contacts 0006)."""
    if connection.vendor == "postgresql":
        trigram = import_module("apps.contacts.migrations.0007_volunteer_industry_open_to_trigram")
        with django_db_blocker.unblock(), connection.schema_editor() as editor:
            editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            trigram.create_trigram_index(None, editor)


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth keeps its rate-limit counters in the cache; without this, logins in
    # one test count against the next.
    cache.clear()
    yield
    cache.clear()


# --- People -----------------------------------------------------------------------


def record_two_factor(browser: Client, user) -> None:
    """What allauth records in the session when its two-factor step is passed."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    request = RequestFactory().get("/")
    request.session = browser.session
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=authenticator.pk, type="totp")
    request.session.save()


@pytest.fixture
def login_as():
    """A separate signed-in browser per person, so one test can act as several. Like
    the real sign-in, someone with an authenticator app has passed its step too;
    tests/accounts/test_staff_two_factor.py signs in without it."""

    def _login(user) -> Client:
        browser = Client()
        browser.force_login(user)
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            record_two_factor(browser, user)
        return browser

    return _login


@pytest.fixture
def office(db):
    return OfficeFactory(
        name="Northfield University Career Center",
        slug="northfield",
        time_zone="America/New_York",
    )


@pytest.fixture
def other_office(db):
    return OfficeFactory(
        name="Southbank College Careers", slug="southbank", time_zone="Europe/London"
    )


@pytest.fixture
def student(office):
    return UserFactory(office=office, email="sam@northfield.test", full_name="Sam Student")


@pytest.fixture
def student2(office):
    return UserFactory(office=office, email="priya@northfield.test", full_name="Priya Patel")


@pytest.fixture
def alumni(office):
    return UserFactory(
        office=office, email="alex@alumni.test", full_name="Alex Alumni", role=Role.ALUMNI
    )


@pytest.fixture
def pending_alumni(office):
    return UserFactory(
        office=office,
        email="pat@alumni.test",
        full_name="Pat Pending",
        role=Role.ALUMNI,
        approval=Approval.PENDING,
    )


@pytest.fixture
def advisor(office):
    return UserFactory(
        office=office, email="dana@northfield.test", full_name="Dana Advisor", role=Role.ADVISOR
    )


@pytest.fixture
def office_admin(office):
    return UserFactory(
        office=office,
        email="avery@northfield.test",
        full_name="Avery Admin",
        role=Role.ADVISOR,
        is_office_admin=True,
    )


@pytest.fixture
def other_student(other_office):
    return UserFactory(office=other_office, email="oscar@southbank.test", full_name="Oscar Student")


@pytest.fixture
def other_alumni(other_office):
    return UserFactory(
        office=other_office, email="ola@alumni.test", full_name="Ola Alumni", role=Role.ALUMNI
    )


@pytest.fixture
def other_admin(other_office):
    return UserFactory(
        office=other_office,
        email="olive@southbank.test",
        full_name="Olive Admin",
        role=Role.ADVISOR,
        is_office_admin=True,
    )


@pytest.fixture
def nobody():
    """A visitor who is not signed in."""
    return Client()


# --- Fields and volunteers --------------------------------------------------------


@pytest.fixture
def consulting(office):
    """The office's field the personas explore and talk about."""
    return FieldFactory(office=office, name="Consulting")


@pytest.fixture
def volunteer(alumni, consulting):
    """The `alumni` persona's offer, taking requests."""
    return make_volunteer(alumni, fields=[consulting])


@pytest.fixture
def other_volunteer(other_alumni):
    return make_volunteer(other_alumni)

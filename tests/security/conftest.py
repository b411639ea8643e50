"""The world of tests/security/world.py, built once per module inside a transaction
that is rolled back at the end; each request runs in a savepoint of its own
(`isolated`), so an empty POST that archives or withdraws something cannot change
what the next persona sees."""

import os
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from tests.conftest import record_two_factor
from tests.security.world import PERSONAS, build_world

# CI runs the same examples every time (derandomised); a developer's run explores.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").strip().lower() == "true" else "dev")
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from allauth.mfa.models import Authenticator

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            clients = {"anon": Client()}
            for name in PERSONAS[1:]:
                user = w.people[name]
                browser = Client()
                browser.force_login(user)
                if Authenticator.objects.filter(user=user, type="totp").exists():
                    record_two_factor(browser, user)
                clients[name] = browser
            w.clients = clients
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@contextmanager
def isolated():
    """Whatever happens inside is undone (a savepoint rolled back)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def in_world(world, db):
    return world

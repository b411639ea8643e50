"""Proof that a CI run really used PostgreSQL and Redis. With CI=true the markers
turn a missing server into a failure instead of a skip (see tests/conftest.py)."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.conftest import service_missing


@pytest.mark.needs_postgres
@pytest.mark.django_db
def test_ci_database_is_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()

    assert connection.vendor == "postgresql"
    assert os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    assert version.startswith("PostgreSQL ")


@pytest.mark.needs_redis
def test_ci_cache_is_redis_and_answers():
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        service_missing("needs CACHE_URL to be a redis:// URL")
    key = f"ci-probe-{uuid.uuid4()}"

    cache.set(key, "pong", timeout=30)

    assert cache.get(key) == "pong"
    assert cache._cache.get_client(key, write=False).ping() is True
    cache.delete(key)


@pytest.mark.needs_redis
def test_ci_broker_is_redis():
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        service_missing("needs CELERY_BROKER_URL to be a redis:// URL")
    from config.celery import app as celery_app

    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        assert conn.transport.driver_type == "redis"
        assert conn.default_channel.client.ping() is True

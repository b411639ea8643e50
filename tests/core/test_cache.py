"""The Redis cache backend that keeps one client per connection pool
(apps/core/cache.py): what settings choose, that it reuses its client, and that it
still behaves as Django's Redis cache."""

import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCacheClient

from apps.core.cache import ReusedClientRedisCache
from tests.conftest import _redis_urls
from tests.test_settings import PRODUCTION, _start


def _backend(location: str) -> ReusedClientRedisCache:
    return ReusedClientRedisCache(location, {"KEY_PREFIX": f"test-cache-{uuid.uuid4()}"})


def test_cache_the_same_client_serves_every_call_on_a_pool():
    backend = _backend("redis://127.0.0.1:6379/1")

    first = backend._cache.get_client("a")
    again = backend._cache.get_client("b", write=True)

    assert first is again
    assert first.connection_pool is backend._cache._get_connection_pool(write=False)
    # Django's own builds a new client each time: what this backend saves.
    django_client = RedisCacheClient(["redis://127.0.0.1:6379/1"])
    assert django_client.get_client("a") is not django_client.get_client("a")


def test_cache_a_client_per_server_when_reads_go_to_replicas():
    backend = _backend("redis://127.0.0.1:6379/1,redis://127.0.0.1:6379/2")

    writer = backend._cache.get_client(write=True)
    reader = backend._cache.get_client(write=False)

    assert writer is not reader
    assert writer.connection_pool.connection_kwargs["db"] == 1
    assert reader.connection_pool.connection_kwargs["db"] == 2
    assert backend._cache.get_client(write=False) is reader


@pytest.mark.needs_redis
def test_cache_stores_reads_and_deletes_as_djangos_redis_cache():
    backend = _backend(_redis_urls()[-1])

    backend.set("k", {"value": 1}, timeout=30)
    backend.set("n", 5, timeout=30)

    assert backend.get("k") == {"value": 1}
    assert backend.incr("n") == 6
    assert backend.get_many(["k", "n", "missing"]) == {"k": {"value": 1}, "n": 6}
    assert backend.delete("k") is True
    assert backend.get("k", "gone") == "gone"
    backend.delete("n")


CACHE_SETTINGS = (
    "-c",
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CACHES['default']['BACKEND'])",
)


@pytest.mark.parametrize(
    ("variables", "backend"),
    [
        (PRODUCTION, "apps.core.cache.ReusedClientRedisCache"),
        (
            {**PRODUCTION, "CACHE_URL": "filecache:///tmp/fieldnotes-cache"},
            "django.core.cache.backends.filebased.FileBasedCache",
        ),
    ],
)
def test_cache_settings_choose_the_reused_client_for_redis(variables, backend):
    result = _start("config.settings.production", CACHE_SETTINGS, **variables)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


def test_cache_the_test_run_uses_it_when_its_cache_is_redis():
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("this run's cache is not Redis")
    assert settings.CACHES["default"]["BACKEND"] == "apps.core.cache.ReusedClientRedisCache"

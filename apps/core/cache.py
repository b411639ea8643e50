"""Django's Redis cache, with one Redis client per connection pool instead of one
per cache call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the pool
on every call. redis-py's constructor is not cheap (about 0.1–0.2 ms here: retry,
event and cache settings), and every signed-in request makes at least two cache
calls (its session, then any version it reads), which cost the floor page more
than the Redis round trips themselves. A `redis.Redis` is safe to share between
threads (each command takes a connection from the pool), so one per pool is kept.

Settings use it wherever CACHE_URL is Redis (config/settings/base.py); everything
else is Django's.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

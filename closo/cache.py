"""Django's Redis cache backend, with one `redis.Redis` client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and building one
copies redis-py's table of response callbacks: about a tenth of a millisecond, more than
the round trip to Redis itself on loopback, paid on every request that checks an attempt
limit, a throttle or a stamp. A `redis.Redis` is thread-safe (each command borrows a
connection from the pool and returns it), so one per pool serves every thread."""

from __future__ import annotations

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # Two threads may both build one the first time: either will do.
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

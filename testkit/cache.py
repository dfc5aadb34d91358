"""The Redis cache for the test suite: ``clear()`` empties this process's keys only.

Django's RedisCache.clear() is FLUSHDB. Tests clear the cache to reset throttle counters,
and under pytest-xdist two workers share one Redis database: one worker's clear() wiped
the counters another was in the middle of counting. settings_test gives each process its
own KEY_PREFIX; this class deletes just the keys under it. Same class name, so code (and
tests) that ask which cache is in use still see a RedisCache.
"""

from __future__ import annotations

from django.core.cache.backends import redis


class RedisCache(redis.RedisCache):
    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=500))
        if keys:
            client.delete(*keys)
        return True

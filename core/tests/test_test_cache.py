"""The test suite's Redis cache clears only its own process's keys (core.test_cache)."""

import uuid

from django.core.cache import cache
from django.test import SimpleTestCase

from core.testing import requires_redis


@requires_redis
class PrefixedClearTests(SimpleTestCase):
    def test_clear_empties_this_process_keys_and_leaves_another_workers_alone(self):
        client = cache._cache.get_client(None, write=True)
        foreign = f"another-worker-{uuid.uuid4().hex}:1:throttle"
        client.set(foreign, 3, ex=30)
        self.addCleanup(client.delete, foreign)
        cache.set("throttle_login_ip_probe", 5, timeout=30)

        cache.clear()

        self.assertIsNone(cache.get("throttle_login_ip_probe"))
        self.assertEqual(client.get(foreign), b"3")

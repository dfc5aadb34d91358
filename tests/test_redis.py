"""Behaviour that needs the real Redis server (skipped without REDIS_URL)."""

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache, caches
from django.test import SimpleTestCase, TestCase

from testkit.db import requires_redis


@requires_redis
class RedisChannelLayerTests(SimpleTestCase):
    def test_the_layer_is_redis_and_carries_a_group_message(self):
        layer = get_channel_layer()
        self.assertEqual(type(layer).__module__, "channels_redis.core")
        group = f"test-{uuid.uuid4().hex}"

        async def roundtrip():
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
            await layer.group_send(group, {"type": "test.message", "n": 1})
            message = await layer.receive(channel)
            await layer.group_discard(group, channel)
            return message

        self.assertEqual(async_to_sync(roundtrip)(), {"type": "test.message", "n": 1})

    def test_a_consumer_idle_longer_than_the_blocking_pop_still_gets_its_message(self):
        # channels_redis waits with BZPOPMIN … 5 s; redis-py 8 reads with a 5 s timeout by
        # default, and a socket idle for 5 s died with 1011 (found by benchmarks/ws_fanout).
        layer = get_channel_layer()

        async def idle_then_receive():
            channel = await layer.new_channel()
            waiting = asyncio.ensure_future(layer.receive(channel))
            await asyncio.sleep(7)
            self.assertFalse(waiting.done() and waiting.exception() is not None)
            await layer.send(channel, {"type": "test.message", "after": "idle"})
            return await asyncio.wait_for(waiting, timeout=5)

        message = async_to_sync(idle_then_receive)()
        self.assertEqual(message, {"type": "test.message", "after": "idle"})


@requires_redis
class RedisCacheTests(TestCase):
    def test_the_cache_used_by_throttles_is_redis(self):
        self.assertEqual(type(caches["default"]).__name__, "RedisCache")
        key = f"probe-{uuid.uuid4().hex}"
        cache.set(key, 7, timeout=5)
        self.assertEqual(cache.get(key), 7)
        cache.delete(key)

    def test_readyz_checks_the_redis_layer(self):
        response = self.client.get("/readyz/")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json()["checks"]["channel_layer"])

"""The suite's after-test check (testkit/leak_check.py, run by the root conftest.py) finds
what a test leaves open."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase

from testkit import leak_check
from testkit.db import requires_postgres, requires_redis


class DatabaseConnectionTests(TransactionTestCase):
    # SQLite's in-memory test database is one handle Django never closes: nothing to leak.
    @requires_postgres
    def test_a_connection_another_thread_left_open_is_named_and_closed(self):
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="left-open")
        self.addCleanup(executor.shutdown)
        executor.submit(lambda: connection.ensure_connection()).result()

        left = leak_check._open_connections_of_other_threads()

        self.assertEqual(len(left), 1)
        self.assertIn("database connection 'default' opened in thread 'left-open", left[0])
        self.assertTrue(executor.submit(lambda: connection.connection is None).result())
        self.assertEqual(leak_check._open_connections_of_other_threads(), [])

    def test_a_connection_its_thread_closed_is_not_reported(self):
        def open_and_close():
            connection.ensure_connection()
            connection.close()

        with ThreadPoolExecutor(max_workers=1) as executor:
            executor.submit(open_and_close).result()
            self.assertEqual(leak_check._open_connections_of_other_threads(), [])


@requires_redis
class ChannelLayerTests(SimpleTestCase):
    def make_layer(self):
        from channels_redis.core import RedisChannelLayer

        layer = RedisChannelLayer(
            hosts=[os.environ["REDIS_URL"]], prefix=f"leak-check-{os.getpid()}"
        )
        leak_check._layers.add(layer)
        return layer

    def test_pools_of_an_event_loop_never_closed_are_named(self):
        layer, loop = self.make_layer(), asyncio.new_event_loop()
        self.addCleanup(loop.close)
        loop.run_until_complete(layer.group_add("leak-check", "leak-check.channel"))
        pools = list(layer._layers.values())
        self.addCleanup(lambda: [loop.run_until_complete(pool.flush()) for pool in pools])

        left = leak_check._open_channel_layer_pools()

        self.assertEqual(len(left), 1)
        self.assertIn("on an event loop not closed", left[0])
        self.assertEqual(leak_check._open_channel_layer_pools(), [])

    def test_a_closed_loop_leaves_nothing(self):
        layer, loop = self.make_layer(), asyncio.new_event_loop()
        loop.run_until_complete(layer.group_discard("leak-check", "leak-check.channel"))
        loop.close()  # channels_redis closes the loop's pools with it
        self.assertEqual(leak_check._open_channel_layer_pools(), [])

"""Readiness through a real Daphne with live sockets (SPEC §10): ``/readyz/`` stays ``200``
with ``channel_layer: true`` while WebSocket clients are connected and after they leave.

The probe once sent and received a message on the process's own channel layer from the
request thread's event loop. channels_redis lets one event loop at a time ``receive()``
on a layer, and the connected consumers' loop held it: every probe failed ("Two event loops
are trying to receive() on one channel layer at once!") and left the layer in a state that
kept failing after the sockets closed. The probe now PINGs Redis on a connection of its own.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect

from attendance.tests.ws_helpers import access_token
from testkit.db import requires_postgres, requires_redis
from tests.live_server import LiveDaphneTestCase, next_event
from users.tests.factories import make_admin

READY = {"status": "ok", "checks": {"database": True, "channel_layer": True}}


@requires_postgres
@requires_redis
class ReadinessWithSocketsTests(LiveDaphneTestCase):
    def probe(self, path: str = "/readyz/"):
        return self.server.request("GET", path)

    async def test_ready_while_sockets_are_connected_and_after_they_leave(self):
        token = await sync_to_async(access_token)(await sync_to_async(make_admin)())
        self.assertEqual(await sync_to_async(self.probe)(), (200, READY))

        url = self.server.ws_url("/ws/attendance/", token=token)
        async with connect(url) as one, connect(url) as two, connect(url) as three:
            for ws in (one, two, three):
                self.assertEqual((await next_event(ws))["type"], "connection_established")
            for path in ("/readyz/", "/readyz/", "/readyz/realtime/", "/readyz/"):
                self.assertEqual(await sync_to_async(self.probe)(path), (200, READY), path)
            # The sockets still work after the probes (the probe took nothing from them).
            await one.send('{"type": "ping"}')
            self.assertEqual(await next_event(one), {"type": "pong"})

        for path in ("/readyz/", "/readyz/realtime/"):
            self.assertEqual(await sync_to_async(self.probe)(path), (200, READY), path)
        self.assertNotIn("Traceback", self.server.log_text())

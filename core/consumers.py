"""WebSocket consumers shared by the whole project."""

from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer

NO_ROUTE_CLOSE_CODE = 4004
# A ``channel_layer_alias`` that names no configured layer: Channels gives the consumer
# none, so it never starts a read on the layer by itself.
NO_CHANNEL_LAYER = "no-channel-layer"


class NoRouteConsumer(AsyncWebsocketConsumer):
    """Every WebSocket path no app routes: accepted and closed at once with 4004 ("not
    found"), instead of the router's ValueError (a traceback and a failed handshake).

    It never joins the channel layer: with Redis, a consumer that has one keeps a blocking
    read open on it, and closing at once cancelled that read mid-reply now and then
    ("Timeout reading from …" with a traceback in the server log). An alias that names no
    configured layer makes Channels give it none.
    """

    channel_layer_alias = NO_CHANNEL_LAYER

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=NO_ROUTE_CLOSE_CODE)

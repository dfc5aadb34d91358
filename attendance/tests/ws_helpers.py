"""Helpers for the attendance WebSocket tests: sockets through the whole ASGI stack."""

from __future__ import annotations

import datetime
import logging
import os
from contextlib import contextmanager

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from core.asgi import application


def access_token(user, *, lifetime: datetime.timedelta | None = None) -> str:
    token = AccessToken.for_user(user)
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


def own_channel_layer():
    """This process's own channel-layer prefix: under pytest-xdist on Redis, another
    worker's broadcast to "attendance.admins" must not reach this worker's sockets."""
    layers = {key: dict(value) for key, value in settings.CHANNEL_LAYERS.items()}
    config = layers["default"].get("CONFIG")
    if config is not None:
        layers["default"]["CONFIG"] = {**config, "prefix": f"asgi-test-{os.getpid()}"}
    return override_settings(CHANNEL_LAYERS=layers)


class Socket:
    """One client of ``/ws/attendance/``; ``opened`` tells whether the handshake was
    accepted, ``close_code`` how the server closed (when it did)."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator
        self.opened = False

    async def receive(self, timeout: float = 2) -> dict:
        return await self.communicator.receive_output(timeout=timeout)

    async def receive_json(self, timeout: float = 2) -> dict:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def close_code(self, timeout: float = 2) -> int | None:
        message = await self.receive(timeout)
        assert message["type"] == "websocket.close", message
        return message.get("code")

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout=timeout)

    async def leave(self) -> None:
        await self.communicator.disconnect()


async def open_socket(
    query: str = "",
    *,
    origin: str | None = None,
    path="/ws/attendance/",
    headers: dict[str, str] | None = None,
):
    extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    headers = ([(b"origin", origin.encode())] if origin is not None else []) + extra
    communicator = WebsocketCommunicator(
        application, f"{path}?{query}" if query else path, headers=headers
    )
    socket = Socket(communicator)
    socket.opened, _ = await communicator.connect(timeout=5)
    return socket


@contextmanager
def every_log_record():
    """Collects every record of every logger, at every level, while the block runs."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    root = logging.getLogger()
    handler, level = Collect(level=logging.DEBUG), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def record_text(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text

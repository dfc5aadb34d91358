"""The live attendance socket, ``/ws/attendance/`` (SPEC §7). Read-only: it only forwards.

``core.ws_auth.WsAuthMiddleware`` has already judged the origin and the credential; this
consumer accepts every handshake and then either closes with the code that says why, or
joins the caller's group: admins ``admins_group()`` (every lecture), instructors —
supervisors included — ``instructor_group(<their Instructor id>)`` (their own lectures
only). Events reach it from ``attendance.live`` and ``attendance.broadcast`` through the
channel layer, after the writing transaction commits. Every socket also joins its user's
``user_group``: when the user's sessions end (``users.sessions``: a password reset or
change) the socket closes with ``4002``, as when its token expires.

The consumer reads the channel layer itself rather than through Channels: Channels starts
a read for every socket as it opens — one about to be refused too — and a read that fails
(Redis down) ends the consumer with a traceback and no close code. Here a socket touches
the layer only once it is let in, and a layer that fails (joining, or later while the
socket is open) closes it with 1011 and one line in the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from core.consumers import NO_CHANNEL_LAYER
from core.permissions import is_admin
from core.realtime import admins_group, instructor_group, user_group
from core.startup import one_line
from core.ws_auth import (
    ERROR_INVALID_CREDENTIAL,
    ERROR_NO_CREDENTIAL,
    ERROR_ORIGIN_NOT_ALLOWED,
    ERROR_UNAVAILABLE,
)
from users.models import Instructor

logger = logging.getLogger(__name__)

CLOSE_NO_CREDENTIAL = 4001
CLOSE_INVALID_CREDENTIAL = 4002  # also when the token expires while connected
CLOSE_FORBIDDEN = 4003  # neither instructor nor admin, or a browser page from elsewhere
# Server trouble, not the client's: Redis (the channel layer, or the cache that keeps the
# tickets) is down. Clients retry with backoff.
CLOSE_SERVER_ERROR = 1011

_CLOSE_FOR_ERROR = {
    ERROR_NO_CREDENTIAL: CLOSE_NO_CREDENTIAL,
    ERROR_INVALID_CREDENTIAL: CLOSE_INVALID_CREDENTIAL,
    ERROR_ORIGIN_NOT_ALLOWED: CLOSE_FORBIDDEN,
    ERROR_UNAVAILABLE: CLOSE_SERVER_ERROR,
}
# The channel-layer events a socket forwards (the handler's name is the event's "type").
EVENTS = ("attendance_update", "instructor_attendance_update", "session_ended")
# How long ``stop_task`` waits for a task it cancelled before cancelling it again.
STOP_RETRY_SECONDS = 0.5


async def stop_task(task: asyncio.Task) -> None:
    """Cancel ``task`` and return once it has ended.

    One cancel is not always enough. On Python 3.11 ``asyncio.wait_for`` — redis-py sends
    every command through it when a socket timeout is set — returns the result of a send
    that completed just as the cancel arrived, and the cancel is lost: the layer's reader
    goes on with its next blocking read, polling Redis every few seconds for a socket that
    is gone, and an event loop shutting down waits for it forever. So the task is
    cancelled again until it has ended. A cancel of the caller meanwhile is kept for after.
    """
    interrupted = False
    while not task.done():
        task.cancel()
        try:
            await asyncio.wait({task}, timeout=STOP_RETRY_SECONDS)
        except asyncio.CancelledError:
            interrupted = True
    if interrupted:
        raise asyncio.CancelledError


def _membership(user) -> tuple[str, list[str]] | None:
    """``(role, groups)`` for a user allowed on the socket, else ``None``."""
    if is_admin(user):
        return "admin", [admins_group()]
    if getattr(user, "role", None) != "instructor":
        return None
    profile = Instructor.objects.filter(user=user).only("pk").first()
    if profile is None:
        return None
    return "instructor", [instructor_group(profile.pk)]


class AttendanceConsumer(AsyncJsonWebsocketConsumer):
    # No layer of Channels' own (see the module docstring): ``connect()`` joins it.
    channel_layer_alias = NO_CHANNEL_LAYER

    joined: list[str]
    expiry: asyncio.Task | None
    listener: asyncio.Task | None
    layer_failed: bool

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # The server can end a consumer without ``disconnect()``: Daphne (and the test
            # communicator) cancels one that does not stop in time after the client left.
            # The tasks it started must end with it, or they read the layer forever.
            await self._stop_tasks()

    async def _stop_tasks(self) -> None:
        for task in (getattr(self, "expiry", None), getattr(self, "listener", None)):
            if task is not None and task is not asyncio.current_task():
                await stop_task(task)

    async def connect(self) -> None:
        self.joined, self.expiry, self.listener, self.layer_failed = [], None, None, False
        await self.accept()
        error = self.scope.get("ws_auth_error")
        if error is not None or self.scope.get("user") is None:
            await self.close(code=_CLOSE_FOR_ERROR.get(error, CLOSE_NO_CREDENTIAL))
            return
        user = self.scope["user"]
        membership = await database_sync_to_async(_membership)(user)
        if membership is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        role, groups = membership
        if not await self._join([*groups, user_group(user.pk)]):
            return
        self._schedule_expiry(self.scope.get("ws_token_exp"))
        await self.send_json({"type": "connection_established", "user": user.pk, "role": role})
        self.listener = asyncio.ensure_future(self._listen())

    async def _join(self, groups: list[str]) -> bool:
        """Subscribe to ``groups``; on a failing layer close with 1011 and say False."""
        self.channel_layer = get_channel_layer()
        try:
            if self.channel_layer is None:
                raise RuntimeError("no channel layer is configured")
            self.channel_name = await self.channel_layer.new_channel()
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)
        except Exception as exc:  # the layer (Redis) is an outside service
            await self._layer_down("could not join its group", exc)
            return False
        return True

    async def _listen(self) -> None:
        """Forward the layer's events to the client until the socket closes."""
        while True:
            try:
                event = await self.channel_layer.receive(self.channel_name)
            except Exception as exc:  # Redis went away while the socket was open
                await self._layer_down("lost the channel layer", exc)
                return
            kind = event.get("type") if isinstance(event, dict) else None
            if kind not in EVENTS:
                continue
            try:
                await getattr(self, kind)(event)
            except Exception:  # a bug: this task has nobody to raise to, so say it here
                logger.exception("websocket could not forward %s, closed with 1011", kind)
                await self.close(code=CLOSE_SERVER_ERROR)
                return
            if kind == "session_ended":
                return

    async def _layer_down(self, what: str, exc: BaseException) -> None:
        # One line: the layer's error names its host and port, never the socket's credential;
        # a traceback per socket would only repeat it.
        self.layer_failed = True
        logger.warning(
            "websocket %s, closed with %s (%s: %s)",
            what,
            CLOSE_SERVER_ERROR,
            type(exc).__name__,
            one_line(exc),
        )
        await self.close(code=CLOSE_SERVER_ERROR)

    def _schedule_expiry(self, exp: int | None) -> None:
        if exp is not None:
            self.expiry = asyncio.ensure_future(self._close_at(exp))

    async def _close_at(self, exp: int) -> None:
        await asyncio.sleep(max(0.0, exp - time.time()))
        await self.close(code=CLOSE_INVALID_CREDENTIAL)

    async def disconnect(self, code) -> None:
        await self._stop_tasks()
        if getattr(self, "layer_failed", False):
            return  # a dead layer cannot be left; the membership expires there on its own
        for group in getattr(self, "joined", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:  # group membership expires on its own in the layer
                logger.warning(
                    "websocket could not leave its group (%s: %s)",
                    type(exc).__name__,
                    one_line(exc),
                )

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Whatever a client sends — binary frames, broken JSON — is ignored, never a crash.
        if not text_data:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    # Channel-layer events (``EVENTS``): the method name is the event's "type".

    async def attendance_update(self, event: dict) -> None:
        await self.send_json(event)

    async def instructor_attendance_update(self, event: dict) -> None:
        # Sent to admins_group() only; the check keeps it there if that ever changes.
        if admins_group() in self.joined:
            await self.send_json(event)

    async def session_ended(self, event: dict) -> None:
        # The user's password was reset or changed: this socket's credential is void.
        await self.close(code=CLOSE_INVALID_CREDENTIAL)

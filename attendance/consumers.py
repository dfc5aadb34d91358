"""The live attendance socket, ``/ws/attendance/`` (SPEC §7). Read-only: it only forwards.

``core.ws_auth.WsAuthMiddleware`` has already judged the origin and the credential; this
consumer accepts every handshake and then either closes with the code that says why, or
joins the caller's group: admins ``admins_group()`` (every lecture), instructors —
supervisors included — ``instructor_group(<their Instructor id>)`` (their own lectures
only). Events reach it from ``attendance.live`` and ``attendance.broadcast`` through the
channel layer, after the writing transaction commits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.permissions import is_admin
from core.realtime import admins_group, instructor_group
from core.ws_auth import ERROR_INVALID_CREDENTIAL, ERROR_NO_CREDENTIAL, ERROR_ORIGIN_NOT_ALLOWED
from users.models import Instructor

logger = logging.getLogger(__name__)

CLOSE_NO_CREDENTIAL = 4001
CLOSE_INVALID_CREDENTIAL = 4002  # also when the token expires while connected
CLOSE_FORBIDDEN = 4003  # neither instructor nor admin, or a browser page from elsewhere
CLOSE_LAYER_DOWN = 1011  # the channel layer refused the subscription; clients retry

_CLOSE_FOR_ERROR = {
    ERROR_NO_CREDENTIAL: CLOSE_NO_CREDENTIAL,
    ERROR_INVALID_CREDENTIAL: CLOSE_INVALID_CREDENTIAL,
    ERROR_ORIGIN_NOT_ALLOWED: CLOSE_FORBIDDEN,
}


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
    joined: list[str]
    expiry: asyncio.Task | None

    async def connect(self) -> None:
        self.joined, self.expiry = [], None
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
        try:
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)
        except Exception:  # the layer (Redis) is an outside service
            logger.warning("websocket could not join its group", exc_info=True)
            await self.close(code=CLOSE_LAYER_DOWN)
            return
        self._schedule_expiry(self.scope.get("ws_token_exp"))
        await self.send_json({"type": "connection_established", "user": user.pk, "role": role})

    def _schedule_expiry(self, exp: int | None) -> None:
        if exp is not None:
            self.expiry = asyncio.ensure_future(self._close_at(exp))

    async def _close_at(self, exp: int) -> None:
        await asyncio.sleep(max(0.0, exp - time.time()))
        await self.close(code=CLOSE_INVALID_CREDENTIAL)

    async def disconnect(self, code) -> None:
        if getattr(self, "expiry", None) is not None:
            self.expiry.cancel()
        for group in getattr(self, "joined", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # group membership expires on its own in the layer
                logger.warning("websocket could not leave its group", exc_info=True)

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

    # Channel-layer events: the method name is the event's "type".

    async def attendance_update(self, event: dict) -> None:
        await self.send_json(event)

    async def instructor_attendance_update(self, event: dict) -> None:
        # Sent to admins_group() only; the check keeps it there if that ever changes.
        if admins_group() in self.joined:
            await self.send_json(event)

"""Liveness and readiness probes. Both are public and cheap."""

from __future__ import annotations

import asyncio
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.startup import one_line

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # One line per probe: a probe polled every few seconds through an outage must not
        # fill the log with the same traceback.
        logger.warning(
            "readiness: database unreachable (%s: %s)", type(exc).__name__, one_line(exc)
        )
        return False
    return True


async def _layer_roundtrip(layer) -> None:
    channel = await layer.new_channel("readyz.")
    marker = uuid.uuid4().hex
    await layer.send(channel, {"type": "readyz.ping", "marker": marker})
    message = await layer.receive(channel)
    if message.get("marker") != marker:
        raise RuntimeError("channel layer returned a different message")


def _channel_layer_ok() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False

    async def check():
        await asyncio.wait_for(_layer_roundtrip(layer), timeout=2)

    try:
        async_to_sync(check)()
    except Exception as exc:
        logger.warning(
            "readiness: channel layer unreachable (%s: %s)", type(exc).__name__, one_line(exc)
        )
        return False
    return True


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _database_ok(), "channel_layer": _channel_layer_ok()}
    ok = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )

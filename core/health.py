"""Liveness and readiness probes. Both are public and cheap."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
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


# Seconds the Redis probe may take to connect and to answer; an orchestrator polls every
# few seconds and must get an answer well within its own timeout.
REDIS_PROBE_TIMEOUT = 1.0


def _redis_address(layer_config: dict) -> str | None:
    hosts = layer_config.get("CONFIG", {}).get("hosts") or []
    if not hosts:
        return None
    first = hosts[0]
    return first.get("address") if isinstance(first, dict) else first


def _channel_layer_ok() -> bool:
    """PING the channel layer's Redis on a connection of its own, opened and closed here.

    Not a send/receive through the process's layer: channels_redis lets one event loop at a
    time ``receive()`` on a layer, and in a server with sockets open the consumers' loop
    holds it — a probe from the request thread's loop always failed, and left the shared
    layer failing after the sockets closed. A PING touches none of the process's
    subscriptions or pools. An in-memory layer lives in the process: nothing to reach.
    """
    config = settings.CHANNEL_LAYERS.get("default")
    if not config:
        return False
    if not config["BACKEND"].startswith("channels_redis."):
        return True
    address = _redis_address(config)
    if address is None:
        return False
    client = redis.Redis.from_url(
        address,
        socket_timeout=REDIS_PROBE_TIMEOUT,
        socket_connect_timeout=REDIS_PROBE_TIMEOUT,
        retry_on_timeout=False,
    )
    try:
        return bool(client.ping())
    except Exception as exc:
        logger.warning(
            "readiness: channel layer unreachable (%s: %s)", type(exc).__name__, one_line(exc)
        )
        return False
    finally:
        client.close()


def _answer(checks: dict[str, bool], *, required: tuple[str, ...]) -> JsonResponse:
    ready = all(checks[name] for name in required)
    status = "ok" if all(checks.values()) else ("degraded" if ready else "unavailable")
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)


@never_cache
@require_GET
def readyz(request):
    """Readiness of the REST API: ``503`` only when the database is down.

    The channel layer is reported but not required: a REST request does not need it (an
    event lost while Redis is down is logged, the write still succeeds), and Redis is
    shared by every instance — failing on it would take the whole API out of rotation at
    once (SPEC §10). ``"status": "degraded"`` says something is down that the API can do
    without.
    """
    checks = {"database": _database_ok(), "channel_layer": _channel_layer_ok()}
    return _answer(checks, required=("database",))


@never_cache
@require_GET
def readyz_realtime(request):
    """Readiness of a process serving the attendance WebSocket: no socket can subscribe
    without the channel layer, so it is required too."""
    checks = {"database": _database_ok(), "channel_layer": _channel_layer_ok()}
    return _answer(checks, required=("database", "channel_layer"))

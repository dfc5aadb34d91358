"""Channel-layer group names, built in one place (§7).

Every sender (services, after commit) and every consumer (``attendance/consumers.py``)
takes its group names from here, so a rename cannot split them. Names use only the
characters channel layers accept (ASCII letters, digits, ``-``, ``_``, ``.``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

T = TypeVar("T")


def admins_group() -> str:
    """Every connected admin."""
    return "attendance.admins"


def instructor_group(instructor_id: int) -> str:
    """The sockets of one instructor (by ``Instructor`` id)."""
    return f"attendance.instructor.{instructor_id}"


def user_group(user_id: int) -> str:
    """Every socket of one user (by ``CustomUser`` id), whatever its role: told when the
    user's sessions end (a password reset or change) so the sockets close."""
    return f"user.{user_id}"


def group_send_safely(group: str, event: Mapping[str, Any]) -> bool:
    """Send ``event`` to ``group``; a failing layer (Redis down) is logged, never raised.

    Call it from ``transaction.on_commit``: the data is already saved, and a realtime push
    that fails must not turn a saved change into an error.
    """
    return groups_send_safely([group], event) == 1


def groups_send_safely(groups: Sequence[str], event: Mapping[str, Any]) -> int:
    """``group_send_safely`` to each of ``groups`` in turn, in one trip to an event loop;
    returns how many sends the layer took. A group whose send fails is logged and the
    others are still sent to.

    Every trip starts an event loop (and, with channels_redis, a connection for it): one
    per event, not one per group (``_run_to_completion``).
    """
    layer = get_channel_layer()
    if layer is None:
        return 0

    async def send_all() -> int:
        sent = 0
        for group in groups:
            try:
                await layer.group_send(group, dict(event))
            except Exception:  # the layer is an outside service: whatever it raises is logged
                logger.warning("channel layer send to %s failed", group, exc_info=True)
            else:
                sent += 1
        return sent

    try:
        return _run_to_completion(send_all)
    except Exception:  # the loop itself could not run the sends (never seen; still logged)
        logger.warning("channel layer send to %s failed", ", ".join(groups), exc_info=True)
        return 0


def _run_to_completion(function: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Await ``function()`` from synchronous code.

    Inside ``sync_to_async`` (a Daphne request, an async test) the coroutine must run on
    the waiting event loop, where the in-memory layer's consumers live: ``async_to_sync``
    does that. Elsewhere (gunicorn, a management command, the cron jobs) ``async_to_sync``
    would start a fresh event loop on a new thread for each call; a fresh loop in this
    thread is the same thing without the thread, whose start and hand-offs cost more than
    the sends (1-2 ms, more on a busy machine; benchmarks/attendance.py)."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop", None) is not None:
        return async_to_sync(function)()
    # Not asyncio.run(): it would also reset the thread's current event loop.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(function())
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


# Sends in flight at once in ``group_send_many_safely``: enough to hide Redis round trips,
# few enough to stay far inside the layer's connection pool.
SEND_CONCURRENCY = 20


def group_send_many_safely(messages: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
    """Send each ``(group, event)`` pair in one event loop; returns how many were sent.

    For bulk senders (the nightly job announces every lecture it marked): one
    ``async_to_sync`` hop per message costs about a millisecond and a half, so thousands of
    them would add seconds after the job's commit. Failures are logged as one line (how
    many, and the first error), never raised — as in ``group_send_safely``.
    """
    layer = get_channel_layer()
    if layer is None or not messages:
        return 0
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(group: str, event: Mapping[str, Any]) -> None:
        async with gate:
            await layer.group_send(group, dict(event))

    async def send_all() -> list:
        return await asyncio.gather(
            *(send(group, event) for group, event in messages), return_exceptions=True
        )

    try:
        results = _run_to_completion(send_all)
    except Exception:  # the layer is an outside service: whatever it raises is logged
        logger.warning("channel layer send of %d events failed", len(messages), exc_info=True)
        return 0
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        logger.warning(
            "channel layer send failed for %d of %d events: %s",
            len(failures),
            len(messages),
            f"{type(failures[0]).__name__}: {failures[0]}",
        )
    return len(messages) - len(failures)

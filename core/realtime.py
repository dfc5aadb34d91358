"""Channel-layer group names, built in one place (§7).

Every sender (services, after commit) and every consumer (``attendance/consumers.py``)
takes its group names from here, so a rename cannot split them. Names use only the
characters channel layers accept (ASCII letters, digits, ``-``, ``_``, ``.``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def admins_group() -> str:
    """Every connected admin."""
    return "attendance.admins"


def instructor_group(instructor_id: int) -> str:
    """The sockets of one instructor (by ``Instructor`` id)."""
    return f"attendance.instructor.{instructor_id}"


def lecture_group(lecture_id: int) -> str:
    """Whoever follows one lecture."""
    return f"attendance.lecture.{lecture_id}"


def group_send_safely(group: str, event: Mapping[str, Any]) -> bool:
    """Send ``event`` to ``group``; a failing layer (Redis down) is logged, never raised.

    Call it from ``transaction.on_commit``: the data is already saved, and a realtime push
    that fails must not turn a saved change into an error.
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, dict(event))
    except Exception:  # the layer is an outside service: whatever it raises is logged
        logger.warning("channel layer send to %s failed", group, exc_info=True)
        return False
    return True

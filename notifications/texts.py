"""Notification texts in the reader's language.

A notification's ``title`` and ``body`` are stored in the recipient's language when it is
made (that is what an SMS or an e-mail carries). Kinds whose ``data`` holds everything the
text needs register a renderer here, and the API serves their text in the language of the
request (``Accept-Language``; Arabic by default) instead. The app that makes a kind
registers its renderer in its ``AppConfig.ready`` — notifications imports no other app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

Renderer = Callable[[Mapping[str, Any]], tuple[str, str]]
_renderers: dict[str, Renderer] = {}


def register_text(kind: str, renderer: Renderer) -> None:
    """``renderer(data) -> (title, body)`` in the active language, for ``kind``."""
    _renderers[kind] = renderer


def notification_text(*, kind: str, data: Any, title: str, body: str) -> tuple[str, str]:
    """The (title, body) to show now: rendered for a registered kind, the stored text
    otherwise or when the data does not fit (an older shape, a hand-made row)."""
    renderer = _renderers.get(kind)
    if renderer is not None and isinstance(data, Mapping):
        try:
            return renderer(data)
        except (KeyError, TypeError, ValueError):
            logger.warning("notification of kind %s: data does not fit its text", kind)
    return title, body

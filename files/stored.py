"""A stored image as its owner's row keeps it, and the URLs a client gets for it.

The owner (a user, a child, a course) keeps one JSON value, or null::

    {"storage": "private", "name": "photos/3f/3f…e1.jpg",
     "thumbnail": "photos/3f/3f…e1-thumb.jpg", "width": 1536, "height": 2048}

``storage`` is the ``STORAGES`` alias the two files were written to, so a URL is made by
the storage that holds them whatever happens to the owner later.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import storages

from files.config import PRIVATE, PUBLIC

STORAGE_ALIASES = (PUBLIC, PRIVATE)


def stored_names(value: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``(storage alias, name)`` of every file a stored value holds."""
    if not value:
        return []
    alias = value.get("storage", PRIVATE)
    return [(alias, value[key]) for key in ("name", "thumbnail") if value.get(key)]


def image_urls(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{"url", "thumbnail_url", "width", "height"}`` of a stored value (None for none).
    Private files get URLs that expire after ``MEDIA_URL_TTL`` seconds."""
    if not value:
        return None
    storage = storages[value.get("storage", PRIVATE)]
    return {
        "url": storage.url(value["name"]),
        "thumbnail_url": storage.url(value["thumbnail"]),
        "width": value["width"],
        "height": value["height"],
    }

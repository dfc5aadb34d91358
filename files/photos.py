"""Writing photos: store the processed files, point the owner's row at them, remove the
files they replace once the change is committed.

The order is the one that leaves no orphan and loses no photo:

1. The upload is checked and processed first (files.images); a refusal stores nothing.
2. The new files are written under fresh random names.
3. In one transaction the owner's row is locked, its old value read and the new one
   written. Two uploads of one owner's photo at once are serialised by that lock: the
   second replaces the first, whose files go like any replaced photo.
4. After the commit the old files are removed (``transaction.on_commit``). If the
   transaction rolls back, the owner keeps its old photo and its files, and the new files
   are removed at once.

Run these outside any transaction of the caller's (the API has no ATOMIC_REQUESTS): a
rollback of an enclosing transaction cannot be seen from here.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models, transaction

from core.locking import lock_row
from files.images import ProcessedImage, process_photo
from files.stored import stored_names

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)


def image_save(processed: ProcessedImage, *, storage: str, folder: str) -> dict[str, Any]:
    """Write an image and its thumbnail under a new random name; the value to keep."""
    stem = secrets.token_hex(16)
    base = f"{folder}/{stem[:2]}/{stem}"
    target = storages[storage]
    value = {"storage": storage, "width": processed.width, "height": processed.height}
    written: list[str] = []
    try:
        for key, suffix, data in (
            ("name", "", processed.image),
            ("thumbnail", "-thumb", processed.thumbnail),
        ):
            name = target.save(f"{base}{suffix}.{processed.extension}", ContentFile(data))
            written.append(name)
            value[key] = name
    except BaseException:
        image_delete({"storage": storage, "name": written[0] if written else ""})
        raise
    return value


def image_delete(value: dict[str, Any] | None) -> None:
    """Remove a stored value's files now. A failure is logged, never raised: the row no
    longer points at them and the request that dropped them has succeeded."""
    for alias, name in stored_names(value):
        try:
            storages[alias].delete(name)
        except Exception:
            logger.exception("could not delete a replaced file from the %s storage", alias)


def image_delete_on_commit(value: dict[str, Any] | None) -> None:
    """Remove a stored value's files once the current transaction commits (kept when it
    rolls back)."""
    if value:
        transaction.on_commit(lambda: image_delete(value))


def photo_replace(
    *,
    source: type[M] | models.QuerySet[M],
    pk: object,
    field: str,
    upload,
    storage: str,
    folder: str,
) -> M:
    """Process ``upload`` and make it row ``pk``'s ``field`` (a JSON column), replacing
    what was there; 404 ``not_found`` when the row went meanwhile."""
    processed = process_photo(upload)
    value = image_save(processed, storage=storage, folder=folder)
    try:
        with transaction.atomic():
            row = lock_row(source, pk)
            old = getattr(row, field)
            setattr(row, field, value)
            row.save(update_fields=_fields(row, field))
            image_delete_on_commit(old)
    except BaseException:
        image_delete(value)
        raise
    return row


def photo_clear(*, source: type[M] | models.QuerySet[M], pk: object, field: str) -> M:
    """Remove row ``pk``'s ``field``; its files go after the commit. Idempotent."""
    with transaction.atomic():
        row = lock_row(source, pk)
        old = getattr(row, field)
        if old:
            setattr(row, field, None)
            row.save(update_fields=_fields(row, field))
            image_delete_on_commit(old)
    return row


def _fields(row: models.Model, field: str) -> list[str]:
    # TimeStampedModel rows record the change time too.
    names = {f.name for f in row._meta.concrete_fields}
    return [field, "updated_at"] if "updated_at" in names else [field]

"""Row locks that survive a concurrent delete.

A view reads the object, then the service locks it again to decide on fresh data. Between
the two, another request may have deleted the row: ``select_for_update().get()`` would then
raise ``DoesNotExist`` (a 500). :func:`lock_row` answers what the loser of that race should
hear — the object is not there any more (404).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from core.errors import NotFound

M = TypeVar("M", bound=models.Model)


def lock_row(source: type[M] | models.QuerySet[M], pk: object, **for_update: object) -> M:
    """The row ``pk`` of ``source`` (a model or a queryset) re-read under ``SELECT … FOR
    UPDATE`` (``for_update`` goes to ``select_for_update()``, e.g. ``of=("self",)``);
    :class:`NotFound` ``not_found`` when it no longer exists."""
    queryset = source if isinstance(source, models.QuerySet) else source._default_manager.all()
    row = queryset.select_for_update(**for_update).filter(pk=pk).first()
    if row is None:
        raise NotFound("not_found", _("Not found."))
    return row


def delete_once(instance: models.Model) -> None:
    """Delete ``instance``; :class:`NotFound` when a concurrent request deleted it first.

    A plain ``instance.delete()`` of a row already gone deletes nothing and says nothing,
    so both racers would answer 204. The DELETE waits for the other transaction's row lock
    and then counts the rows it removed.
    """
    model = type(instance)
    deleted = model._default_manager.filter(pk=instance.pk).delete()[1]
    if not deleted.get(model._meta.label, 0):
        raise NotFound("not_found", _("Not found."))

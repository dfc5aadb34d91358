"""The nightly removal of deleted memories, scheduled in ``settings.CRONJOBS``.

Thin, like ``attendance.cron``: ``core.jobs.run_job`` takes the job's lock, runs the
set-based step in a transaction and writes the ``JobLog`` row. The files of the removed
posts are deleted after the step's commit. ``python manage.py remove_deleted_memories``
runs it by hand.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from core.jobs import run_job
from core.models import JobLog
from courses.rules import CENTER_TZ, center_today
from memories import services

REMOVE_DELETED = "remove_deleted_memories"


def _as_of(day: date) -> datetime:
    return min(timezone.now(), datetime.combine(day, time(23, 59, 59), tzinfo=CENTER_TZ))


def _remove_deleted(*, day: date) -> dict:
    return services.memories_purge(now=_as_of(day))


def remove_deleted_memories_nightly(day: date | None = None) -> JobLog:
    return run_job(REMOVE_DELETED, _remove_deleted, day=day or center_today())

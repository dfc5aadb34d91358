"""The frame every scheduled job of every app runs in (§8): one run at a time, all or
nothing, logged.

``run_job(name, step, day=...)``:

1. opens a transaction and takes the job's lock — on PostgreSQL
   ``pg_try_advisory_xact_lock(hashtext(name))``, held until the transaction ends, so runs
   on several containers exclude each other; on SQLite a process-local lock. A run that
   does not get the lock does nothing and is logged ``skipped``;
2. runs ``step(day=day)`` inside that transaction: an exception rolls back every write of
   the step and is logged ``failed`` with its error text;
3. writes the ``JobLog`` row *after* the transaction, so a failed run's log
   survives its rollback. A database session that died under the step is dropped by the
   transaction's failed rollback, so the row goes out on a new one; a session that died
   just after the commit makes the first write fail, and it is written once more on a new
   session (``tests/drills/test_job_connection_dropped.py`` kills them for real).

django-crontab swallows exceptions, which is why the job records its own failure; the
management commands turn a ``failed`` log into a non-zero exit status.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from core.models import JobLog, JobStatus

logger = logging.getLogger(__name__)

Step = Callable[..., dict]

_local_locks: dict[str, threading.Lock] = {}
_local_locks_guard = threading.Lock()
MAX_ERROR_LENGTH = 2000


class _Busy(Exception):
    """Another run of the same job holds the lock."""


@contextmanager
def _job_lock(name: str) -> Iterator[None]:
    """Must be entered inside the job's transaction (the PostgreSQL lock is that
    transaction's)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [f"redwan:{name}"])
            (acquired,) = cursor.fetchone()
        if not acquired:
            raise _Busy
        yield
        return
    with _local_locks_guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    if not lock.acquire(blocking=False):
        raise _Busy
    try:
        yield
    finally:
        lock.release()


def run_job(name: str, step: Step, *, day: date) -> JobLog:
    """Run one job for ``day`` and return its log row (see the module docstring)."""
    started = timezone.now()
    counts: dict = {}
    error = ""
    try:
        with transaction.atomic(), _job_lock(name):
            counts = step(day=day) or {}
        status = JobStatus.SUCCESS
    except _Busy:
        status = JobStatus.SKIPPED
        logger.info("job %s skipped: another run holds its lock", name)
    except Exception as exc:  # any failure of the step is recorded, never lost
        status = JobStatus.FAILED
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
        logger.exception("job %s failed", name)
    log = _write_log(
        job_name=name,
        run_date=day,
        started_at=started,
        finished_at=timezone.now(),
        status=status,
        counts=counts,
        error=error,
    )
    if status == JobStatus.SUCCESS:
        logger.info("job %s for %s done: %s", name, day, counts)
    return log


def _write_log(**fields) -> JobLog:
    """The run's log row; once more on a new database session when the current one is
    broken (see the module docstring). Inside an outer transaction there is nothing to
    retry: that transaction is lost with its session."""
    try:
        return JobLog.objects.create(**fields)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        logger.warning(
            "job %s: log write failed on a broken database session; retrying on a new one",
            fields["job_name"],
        )
        connection.close()
        return JobLog.objects.create(**fields)

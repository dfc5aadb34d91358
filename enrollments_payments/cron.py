"""The nightly enrollment housekeeping, scheduled in ``settings.CRONJOBS``.

Thin, like ``attendance.cron``: each names its job and hands a set-based step to
``core.jobs.run_job``, which takes the job's lock, runs the step in a transaction and
writes the ``JobLog`` row (success / failed / skipped). The management commands
of the same names call these with ``day=``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from core.jobs import run_job
from core.models import JobLog
from courses.rules import CENTER_TZ, center_today
from enrollments_payments import services

EXPIRE_REQUESTS = "expire_enrollment_requests"
COMPLETE_ENROLLMENTS = "complete_enrollments"
END_ONLINE_ACCESS = "end_online_access"


def _as_of(day: date) -> datetime:
    """The moment a run "for ``day``" judges expiry at: now, or the end of a past day."""
    return min(timezone.now(), datetime.combine(day, time(23, 59, 59), tzinfo=CENTER_TZ))


def _expire_requests(*, day: date) -> dict:
    return {"expired": services.enrollment_requests_expire(now=_as_of(day))}


def _complete_enrollments(*, day: date) -> dict:
    return {"completed": services.enrollments_complete_ended(today=day)}


def _end_online_access(*, day: date) -> dict:
    return {"access_ended": services.enrollments_end_expired_access(now=_as_of(day))}


def expire_enrollment_requests_nightly(day: date | None = None) -> JobLog:
    return run_job(EXPIRE_REQUESTS, _expire_requests, day=day or center_today())


def complete_enrollments_nightly(day: date | None = None) -> JobLog:
    return run_job(COMPLETE_ENROLLMENTS, _complete_enrollments, day=day or center_today())


def end_online_access_nightly(day: date | None = None) -> JobLog:
    return run_job(END_ONLINE_ACCESS, _end_online_access, day=day or center_today())

"""The scheduled jobs listed in ``settings.CRONJOBS`` (django-crontab calls these with no
arguments). Thin: each names its job and hands a step to ``core.jobs.run_job``. The
management commands of the same names call these with ``day=``."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from attendance.job_services import (
    attendance_mark_absent_day,
    instructor_attendance_generate_week,
)
from core.jobs import run_job
from core.models import JobLog
from courses.rules import center_today
from users.password_reset import password_reset_codes_purge

WEEKLY = "generate_instructor_attendance_weekly"
NIGHTLY = "mark_absent_daily"
FLUSH_TOKENS = "flush_expired_tokens"


def generate_instructor_attendance_weekly(day: date | None = None) -> JobLog:
    return run_job(WEEKLY, instructor_attendance_generate_week, day=day or center_today())


def mark_absent_daily(day: date | None = None) -> JobLog:
    return run_job(NIGHTLY, attendance_mark_absent_day, day=day or center_today())


def _flush_expired_tokens(*, day: date) -> dict:
    """simplejwt's own ``flushexpiredtokens`` (outstanding tokens past their expiry, and
    their blacklist entries), counted; and the password reset codes expired for a day."""
    expired = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).count()
    call_command("flushexpiredtokens", verbosity=0)
    return {"tokens_flushed": expired, "reset_codes_deleted": password_reset_codes_purge()}


def flush_expired_tokens_nightly(day: date | None = None) -> JobLog:
    return run_job(FLUSH_TOKENS, _flush_expired_tokens, day=day or center_today())

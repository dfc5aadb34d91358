"""Expire the pending enrollment requests past ``expires_at`` (nightly; idempotent)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from enrollments_payments.management.commands._housekeeping import HousekeepingCommand, end_of_day
from enrollments_payments.services import enrollment_requests_expire


class Command(HousekeepingCommand):
    help = "Mark expired every pending enrollment request past its expiry (--date: as of)."
    job = "expire_enrollment_requests"

    def run(self, day: date | None) -> int:
        now = end_of_day(day) if day is not None else timezone.now()
        return enrollment_requests_expire(now=now)

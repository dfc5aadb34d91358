"""Complete the active enrollments of courses that have ended (nightly; idempotent)."""

from __future__ import annotations

from datetime import date

from enrollments_payments.management.commands._housekeeping import HousekeepingCommand, today_or
from enrollments_payments.services import enrollments_complete_ended


class Command(HousekeepingCommand):
    help = (
        "Mark completed the active enrollments of courses that ended (--date D: courses "
        "whose last day is before D)."
    )
    job = "complete_enrollments"

    def run(self, day: date | None) -> int:
        # Courses whose last day is before D: a course is not over during its last day.
        return enrollments_complete_ended(today=today_or(day))

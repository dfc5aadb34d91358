"""Shared plumbing of the nightly enrollment commands: ``--date``, one service call, a
non-zero exit when it fails (``CommandError``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from courses.rules import CENTER_TZ

logger = logging.getLogger(__name__)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=CENTER_TZ)


class HousekeepingCommand(BaseCommand):
    job = ""

    def add_arguments(self, parser):
        parser.add_argument("--date", help="run as of this day (YYYY-MM-DD); default today")

    def run(self, day: date | None) -> int:
        raise NotImplementedError

    def handle(self, *args, **options):
        day = parse_date(options["date"]) if options.get("date") else None
        try:
            count = self.run(day)
        except Exception as exc:
            logger.exception("%s failed", self.job)
            raise CommandError(f"{self.job} failed: {exc.__class__.__name__}") from exc
        self.stdout.write(f"{self.job}: {count}")
        return None


def today_or(day: date | None, now: Callable[[], datetime] = timezone.now) -> date:
    return day if day is not None else timezone.localdate(now(), CENTER_TZ)

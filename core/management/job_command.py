"""The shape every job command of every app shares: ``--date YYYY-MM-DD``, one line of result, and a
non-zero exit status when the run failed (cron and CI see it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import JobLog, JobStatus


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class JobCommand(BaseCommand):
    job: Callable[..., JobLog]
    date_help = "the day to run for (YYYY-MM-DD, Cairo); default: today"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", type=str, default=None, help=self.date_help)

    def handle(self, *args, day: str | None = None, **options) -> None:
        log = type(self).job(day=_date(day) if day else None)
        summary = f"{log.job_name} {log.run_date}: {log.status} {json.dumps(log.counts)}"
        if log.status == JobStatus.FAILED:
            raise CommandError(f"{summary} — {log.error}")
        self.stdout.write(summary)

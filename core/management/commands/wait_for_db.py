"""Block until the database accepts connections.

The container entrypoint runs this before `migrate`: in Docker Compose the PostgreSQL
container may report healthy a moment before it accepts connections from other
containers, and after a restart the database may simply not be up yet.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import OperationalError

from core.startup import one_line

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Wait until the database accepts connections (exit non-zero on timeout)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=60.0,
            help="Give up after this many seconds (default: 60).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between attempts (default: 1).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="Database alias to check (default: 'default').",
        )

    def handle(self, *args, timeout: float, interval: float, database: str, **options) -> None:
        connection = connections[database]
        deadline = time.monotonic() + max(timeout, 0.0)
        attempt = 0
        while True:
            attempt += 1
            try:
                connection.ensure_connection()
            except OperationalError as exc:
                # A half-open connection object would make the next attempt reuse it.
                connection.close()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    # One line, the reason included: Django prints a CommandError as
                    # "CommandError: …" without a traceback.
                    raise CommandError(
                        f"Database {database!r} unavailable after {timeout:g} seconds "
                        f"({attempt} attempt(s)): {one_line(exc)}"
                    ) from exc
                logger.warning(
                    "Database %r unavailable (attempt %d), retrying: %s",
                    database,
                    attempt,
                    one_line(exc),
                )
                time.sleep(min(max(interval, 0.0), remaining))
            else:
                logger.info("Database %r is available (attempt %d).", database, attempt)
                return

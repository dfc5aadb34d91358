"""The databases a test runs on: skips for the tests that need PostgreSQL or Redis, calls
that race in threads of their own, and the test database as a URL for a server."""

from __future__ import annotations

import threading
import unittest
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = bool(getattr(settings, "REDIS_URL", ""))

requires_postgres = unittest.skipUnless(
    ON_POSTGRES, "needs PostgreSQL (row locks, concurrency): set DATABASE_URL"
)
requires_redis = unittest.skipUnless(ON_REDIS, "needs a Redis server: set REDIS_URL")
# For a test that builds its own database and environment (it starts ./run.sh on a SQLite
# file of its own, or a start command with a configuration of its own): the run on
# PostgreSQL + Redis would repeat it byte for byte, so it runs in the plain run only.
plain_run_only = unittest.skipIf(
    ON_POSTGRES or ON_REDIS,
    "uses none of the run's services: the plain run (./test.sh without DATABASE_URL) covers it",
)


def run_concurrently(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread (own DB connection), released together by a barrier.

    Returns each call's result, or the exception it raised, in the order given.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=60)  # threads start late on a loaded machine
            results[index] = call()
        except Exception as exc:  # collected for the test to assert on
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        # No deadline of its own: a call that hangs is pytest-timeout's to report, with
        # every thread's stack, where a deadline here returned None for a slow call.
        thread.join()
    assert connection.vendor  # keep the main thread's connection usable
    return results


def database_url() -> str:
    """This process's (test) database as a ``DATABASE_URL`` for a server started beside it."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"

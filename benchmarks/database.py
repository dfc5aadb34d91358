"""The throwaway database each benchmark script measures on.

``with throwaway_database():`` creates Django's test database for the run (``test_<NAME>`` on
the server of ``DATABASE_URL``, or a SQLite one), migrated, and drops it on leaving,
whatever happens inside. Django must be set up first (the scripts do it on their first
lines).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import setup_test_environment


@contextmanager
def throwaway_database() -> Iterator[None]:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def analyze() -> None:
    """Fresh planner statistics after a bulk fill, as a database in use has (PostgreSQL;
    nothing to do on SQLite)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

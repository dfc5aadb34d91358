"""Start-up failures as one clear line on stderr and a non-zero exit (issue #12, point 7).

A missing ``DJANGO_SECRET_KEY``, a ``DATABASE_URL`` that is not a database URL, or a
database that does not answer are the operator's to fix, not bugs: a forty-line traceback
ending in psycopg's internals hides the one sentence that matters. ``manage.py`` and
``core.serve`` (Daphne) run through :func:`run_or_exit`, which prints that sentence and
exits with status 1. ``--traceback`` (Django's own flag) shows the traceback again.

This module is imported by ``settings.py`` and ``manage.py`` before Django is set up, so it
imports nothing that needs settings.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# URL schemes of the databases this project runs on (SPEC §1): PostgreSQL, and SQLite as
# the embedded default. django-environ knows many more (MySQL, Oracle, …) that would only
# fail later, on a missing driver.
DATABASE_SCHEMES = frozenset({"postgres", "postgresql", "pgsql", "psql", "sqlite"})
DATABASE_URL_SHAPE = "postgres://USER:PASSWORD@HOST:PORT/NAME"
_PLAIN_WORD = re.compile(r"[a-z][a-z0-9+.-]{0,19}")


def database_url_config(env: Any, value: str) -> dict:
    """``DATABASES["default"]`` from ``DATABASE_URL``, or ``ImproperlyConfigured`` saying
    what is wrong. The messages never repeat the URL: it carries the password."""
    scheme, separator, _rest = value.partition("://")
    scheme = scheme.strip().lower()
    if not separator or scheme not in DATABASE_SCHEMES:
        # Only a scheme is named, never anything that could be a password pasted alone.
        plain = separator and _PLAIN_WORD.fullmatch(scheme)
        named = f" (its scheme {scheme!r} is not one)" if plain else ""
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a PostgreSQL or SQLite URL{named}: expected {DATABASE_URL_SHAPE}."
        )
    try:
        config = env.db_url_config(value)
    except ValueError as exc:
        # django-environ's messages quote parts of the URL; say which part, not its text.
        part = "port" if "port" in str(exc).lower() else "URL"
        raise ImproperlyConfigured(
            f"DATABASE_URL cannot be parsed (check its {part}; special characters in the "
            f"password must be percent-encoded): expected {DATABASE_URL_SHAPE}."
        ) from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL names no database: expected {DATABASE_URL_SHAPE}."
        )
    return config


def one_line(error: BaseException | str) -> str:
    """An error message on one line (psycopg puts hints on a second, tab-indented one)."""
    return " ".join(str(error).split())


def _database_unreachable(exc: BaseException) -> bool:
    """True for an OperationalError raised while *opening* a connection: the database is
    down, unknown or refuses us. An error on a connection that was already open (a bad
    migration, say) is a bug to debug and keeps its traceback."""
    from django.db import connections
    from django.db.utils import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    try:
        opened = list(connections.all(initialized_only=True))
    except ImproperlyConfigured:
        return False
    return bool(opened) and all(conn.connection is None for conn in opened)


def startup_error_line(exc: BaseException) -> str | None:
    """The line to print for a start-up failure, or None when ``exc`` is something else."""
    if isinstance(exc, ImproperlyConfigured):
        return f"Configuration error: {one_line(exc)}"
    if _database_unreachable(exc):
        return f"Database unreachable: {one_line(exc)}"
    return None


def run_or_exit(main: Callable[[], object], argv: Sequence[str] | None = None) -> None:
    """Run ``main``; turn a start-up failure into one line on stderr and exit status 1."""
    argv = sys.argv if argv is None else argv
    try:
        main()
    except Exception as exc:
        line = startup_error_line(exc)
        if line is None or "--traceback" in argv:
            raise
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
        raise SystemExit(1) from None

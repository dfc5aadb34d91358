"""Drill: a bad configuration at start-up (issue #12, point 7; SPEC §2).

With ``DEBUG=0``, a missing ``DJANGO_SECRET_KEY``, a ``DATABASE_URL`` that cannot be
parsed, and one whose database cannot be reached, each stop the real start commands —
``manage.py check`` / ``migrate``, the Daphne launcher (``python -m core.serve``) and
``docker-entrypoint.sh`` run on the host — with exactly one line on stderr naming the
problem, no traceback, never the password, and a non-zero exit status
(``core/startup.py``).

``manage.py check`` does not open a database connection (Django's checks never do unless
asked), so an unreachable database is found by the commands that need it: ``wait_for_db``
and ``migrate`` — the first two steps of the entrypoint.

Every command runs in a fresh process; they run side by side to keep the drill short.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

from django.test import SimpleTestCase

from testkit.db import plain_run_only
from testkit.servers import free_port
from tests.live_server import ROOT

SECRET = "drill-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
PASSWORD = "s3cret-Drill-pw"  # must never be printed
CLOSED_PORT = 1  # nothing listens on port 1 of the loopback: refused at once
BASH = shutil.which("bash")
MARKER = "redwan-drill-server-started"

# name → (environment, what the one line must say)
CONFIGURATIONS = {
    "no_secret": ({"DJANGO_SECRET_KEY": ""}, "Configuration error: DJANGO_SECRET_KEY is not set"),
    "not_a_url": (
        {"DATABASE_URL": PASSWORD},  # pasted into the wrong variable: must not be echoed
        "Configuration error: DATABASE_URL is not a PostgreSQL or SQLite URL",
    ),
    "wrong_scheme": (
        {"DATABASE_URL": f"mysql://redwan:{PASSWORD}@db/redwan"},
        "Configuration error: DATABASE_URL is not a PostgreSQL or SQLite URL (its scheme 'mysql'",
    ),
    "bad_port": (
        {"DATABASE_URL": f"postgres://redwan:{PASSWORD}@db:fivefourthreetwo/redwan"},
        "Configuration error: DATABASE_URL cannot be parsed (check its port",
    ),
    "no_name": (
        {"DATABASE_URL": f"postgres://redwan:{PASSWORD}@db:5432"},
        "Configuration error: DATABASE_URL names no database",
    ),
    "refused": (
        {"DATABASE_URL": f"postgres://redwan:{PASSWORD}@127.0.0.1:{CLOSED_PORT}/redwan"},
        f'Database unreachable: connection failed: connection to server at "127.0.0.1", '
        f"port {CLOSED_PORT} failed: Connection refused",
    ),
    "unknown_host": (
        {"DATABASE_URL": f"postgres://redwan:{PASSWORD}@db.invalid:5432/redwan"},
        "Database unreachable: failed to resolve host 'db.invalid'",
    ),
}
UNPARSEABLE = ("not_a_url", "wrong_scheme", "bad_port", "no_name")
UNREACHABLE = ("refused", "unknown_host")

MANAGE = [sys.executable, "manage.py"]
SERVE = [sys.executable, "-m", "core.serve", "-p", str(free_port()), "core.asgi:application"]
ENTRYPOINT = [BASH or "bash", "docker-entrypoint.sh", sys.executable, "-c", f"print({MARKER!r})"]

# (configuration, command) → (argv, extra environment). The configuration errors stop the
# settings import, before any command code runs, so ``check`` stands for every
# manage.py command there; the unreachable database needs a command that connects.
CONFIG_ERRORS = ("no_secret", *UNPARSEABLE)
RUNS = {
    **{(name, "check"): (MANAGE + ["check"], {}) for name in CONFIG_ERRORS},
    ("refused", "check"): (MANAGE + ["check"], {}),
    **{(name, "migrate"): (MANAGE + ["migrate", "--noinput"], {}) for name in UNREACHABLE},
    **{(name, "serve"): (SERVE, {}) for name in ("no_secret", "not_a_url")},
    **{
        (name, "entrypoint"): (ENTRYPOINT, {"WAIT_FOR_DB_TIMEOUT": "0"})
        for name in ("no_secret", "not_a_url", "refused")
    },
    ("refused", "entrypoint-skip-wait"): (ENTRYPOINT, {"SKIP_WAIT_FOR_DB": "1"}),
}


def environment(name: str, extra: dict[str, str]) -> dict[str, str]:
    """Production-like (DEBUG=0), nothing inherited but PATH; variables meant "unset" are
    passed empty, so a developer's .env cannot fill them in."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "Redwan_courses_center.settings",
        "DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DATABASE_URL": "",
        "DATABASE_ENGINE": "",
        "REDIS_URL": "",
        "PYTHON": sys.executable,
        "SKIP_COLLECTSTATIC": "1",
    }
    env.update(CONFIGURATIONS[name][0])
    env.update(extra)
    return env


def run(key) -> subprocess.CompletedProcess:
    command, extra = RUNS[key]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=environment(key[0], extra),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def problem_lines(stderr: str) -> list[str]:
    """stderr without the entrypoint's own progress lines."""
    return [
        line for line in stderr.splitlines() if line.strip() and "docker-entrypoint:" not in line
    ]


@unittest.skipIf(BASH is None, "bash is not installed")
@plain_run_only
class StartupConfigurationDrillTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with ThreadPoolExecutor(max_workers=4) as pool:
            cls.results = dict(zip(RUNS, pool.map(run, RUNS), strict=True))

    def assertOneClearLine(self, name: str, command: str):
        result = self.results[(name, command)]
        with self.subTest(configuration=name, command=command):
            self.assertNotEqual(result.returncode, 0, result.stderr)
            lines = problem_lines(result.stderr)
            self.assertEqual(len(lines), 1, result.stderr)
            self.assertTrue(lines[0].startswith(CONFIGURATIONS[name][1]), lines[0])
            self.assertNotIn("Traceback", result.stderr)
            self.assertNotIn(PASSWORD, result.stderr + result.stdout)
            self.assertNotIn(MARKER, result.stdout)  # the server command never ran

    def test_a_missing_secret_key_stops_every_start_command(self):
        for command in ("check", "serve", "entrypoint"):
            self.assertOneClearLine("no_secret", command)

    def test_an_unparseable_database_url_stops_every_start_command(self):
        for name in UNPARSEABLE:
            self.assertOneClearLine(name, "check")
        self.assertOneClearLine("not_a_url", "serve")
        self.assertOneClearLine("not_a_url", "entrypoint")

    def test_an_unreachable_database_stops_migrate_and_the_entrypoint(self):
        for name in UNREACHABLE:
            self.assertOneClearLine(name, "migrate")
        self.assertOneClearLine("refused", "entrypoint-skip-wait")  # straight to migrate
        # With the wait (timeout 0 here), wait_for_db gives up on one line of its own.
        result = self.results[("refused", "entrypoint")]
        self.assertNotEqual(result.returncode, 0)
        lines = problem_lines(result.stderr)
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(
            lines[0].startswith("CommandError: Database 'default' unavailable after 0 seconds"),
            lines[0],
        )
        self.assertIn(CONFIGURATIONS["refused"][1].removeprefix("Database unreachable: "), lines[0])
        self.assertNotIn(PASSWORD, result.stderr)
        self.assertNotIn(MARKER, result.stdout)

    def test_check_does_not_connect_so_it_passes_with_an_unreachable_database(self):
        result = self.results[("refused", "check")]
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("System check identified no issues", result.stdout)

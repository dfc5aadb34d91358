"""The typed TypeScript client (clients/typescript/) compiles against the live schema and
runs the main journeys against a real server.

A Daphne (``python -m core.serve``, what ./run.sh runs) on a fresh SQLite database of its
own, with its one admin account; then, in clients/typescript: ``npm ci`` when the packages
are missing, ``npm run generate`` (types from the server's ``/api/schema/``), ``npm run
typecheck`` (``tsc --noEmit``), ``npm run build`` and ``npm run journey``: a parent
registers with a local number, adds two children and asks for seats; the admin approves
with payments; the instructor opens the socket with a ticket and submits one present, one
absent; the parent reads history, progress and the absence alert; the admin reads the
dashboard. A schema change that breaks the script's types fails ``typecheck``.

Skipped only when ``node`` or ``npm`` is missing — unless ``TYPESCRIPT_CLIENT_REQUIRED``
is set, as .ci/run sets it: then their absence fails.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from django.test import SimpleTestCase

from courses.rules import CENTER_TZ
from testkit.db import plain_run_only
from testkit.servers import free_port, stop_process, wait_for

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "typescript"
ADMIN_PHONE, ADMIN_PASSWORD = "+201000000201", "Admin-ts-pass-2026"
TOOLS = shutil.which("node") and shutil.which("npm")
REQUIRED = bool(os.environ.get("TYPESCRIPT_CLIENT_REQUIRED"))


def journey_dates(now: datetime.datetime) -> dict[str, str]:
    """Today's lecture started a minute ago (its attendance window is open), in a season
    and course that run around today."""
    minute = now.hour * 60 + now.minute
    start, end = max(minute - 1, 0), min(minute + 60, 23 * 60 + 59)
    today = now.date()
    return {
        "today": today.isoformat(),
        "lecture_start": f"{start // 60:02d}:{start % 60:02d}",
        "lecture_end": f"{end // 60:02d}:{end % 60:02d}",
        "season_start": (today - datetime.timedelta(days=7)).isoformat(),
        "season_end": (today + datetime.timedelta(days=60)).isoformat(),
    }


def server_env(sqlite: Path) -> dict[str, str]:
    """A server of its own: this SQLite file, the in-memory channel layer (one process
    serves both the REST call and the socket) and the local-memory cache."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="Redwan_courses_center.settings",
        SQLITE_PATH=str(sqlite),
        DEBUG="1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = CLIENT, timeout=600):
    return subprocess.run(  # noqa: S603 - our own interpreter, npm and node
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@unittest.skipUnless(TOOLS or REQUIRED, "node and npm are not installed")
@plain_run_only  # its server has a SQLite file and the in-memory layer of its own
class TypeScriptClientTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = Path(tempfile.mkdtemp(prefix="redwan-ts-client-"))
        cls.env = server_env(cls.tmp / "db.sqlite3")
        cls.server = None
        cls.log = open(cls.tmp / "daphne.log", "w")  # noqa: SIM115 - closed in tearDownClass
        prepared = run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=cls.env, cwd=ROOT
        )
        assert prepared.returncode == 0, prepared.stderr[-3000:]
        admin = (
            "from users.models import CustomUser; CustomUser.objects.create_superuser("
            f"phone_number1={ADMIN_PHONE!r}, password={ADMIN_PASSWORD!r}, "
            "first_name='Center', last_name='Admin')"
        )
        made = run([sys.executable, "manage.py", "shell", "-c", admin], env=cls.env, cwd=ROOT)
        assert made.returncode == 0, made.stderr[-3000:]
        port = free_port()
        cls.base = f"http://127.0.0.1:{port}"
        cls.server = subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-m", "core.serve", "-b", "127.0.0.1", "-p", str(port)]
            + ["core.asgi:application"],
            cwd=ROOT,
            env=cls.env,
            stdout=cls.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_for(f"{cls.base}/healthz/", 60):
            cls.tearDownClass()
            raise RuntimeError("daphne did not start")

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            stop_process(cls.server)
            cls.server = None
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def npm(self, *args: str, env: dict[str, str] | None = None):
        done = run(["npm", *args], env={**os.environ, **(env or {})})
        self.assertEqual(
            done.returncode,
            0,
            f"npm {' '.join(args)}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}",
        )
        return done

    def test_the_typed_client_compiles_against_the_live_schema_and_runs_the_journey(self):
        self.assertTrue(TOOLS, "node and npm are required (TYPESCRIPT_CLIENT_REQUIRED is set)")
        if not (CLIENT / "node_modules").is_dir():
            self.npm("ci", "--no-audit", "--no-fund")
        self.npm("run", "generate", env={"API_SCHEMA": f"{self.base}/api/schema/"})
        generated = (CLIENT / "src" / "schema.d.ts").read_text(encoding="utf-8")
        self.assertIn('"/api/enrollment-requests/{id}/approve/"', generated)
        self.npm("run", "typecheck")
        self.npm("run", "build")
        settings = {
            "admin_phone": ADMIN_PHONE,
            "admin_password": ADMIN_PASSWORD,
            **journey_dates(datetime.datetime.now(tz=CENTER_TZ)),
        }
        done = self.npm(
            "run",
            "--silent",
            "journey",
            env={"API_BASE": self.base, "JOURNEY": json.dumps(settings)},
        )
        summary = json.loads(done.stdout.strip().splitlines()[-1])

        self.assertTrue(summary["ok"])
        counts = {"total": 2, "present": 1, "absent": 1, "unmarked": 0}
        self.assertEqual(summary["submitted"]["counts"], counts)
        self.assertEqual(summary["submitted"]["socketCounts"], counts)
        self.assertEqual(
            sorted((row["name"], row["present"]) for row in summary["history"]),
            [("Adam Nabil", True), ("Mona Nabil", False)],
        )
        self.assertEqual(
            sorted((p["attended"], p["absent"]) for p in summary["progress"]), [(0, 1), (1, 0)]
        )
        self.assertEqual(summary["absenceAlerts"], 1)
        self.assertEqual(summary["dashboard"], counts)

"""The quick-start command: ./run.sh migrates, seeds and serves, and works twice."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest
from django.test import SimpleTestCase

from testkit.db import plain_run_only
from testkit.servers import free_port, stop_process, wait_for
from users import demo

ROOT = Path(__file__).resolve().parent.parent
BOOT_SECONDS = 420


@plain_run_only
class RunScriptTests(SimpleTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="redwan-run-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def start(self) -> tuple[subprocess.Popen, str]:
        port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
        }
        env.update(PORT=str(port), SQLITE_PATH=str(Path(self.tmp) / "run.sqlite3"))
        log = open(Path(self.tmp) / f"run-{port}.log", "w")  # noqa: SIM115
        self.addCleanup(log.close)
        process = subprocess.Popen(
            ["bash", str(ROOT / "run.sh")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.addCleanup(stop_process, process)
        base = f"http://127.0.0.1:{port}"
        # Migrating a new SQLite file and seeding it take minutes on a loaded machine; the
        # wait ends as soon as the server answers.
        if wait_for(f"{base}/healthz/", BOOT_SECONDS, alive=lambda: process.poll() is None):
            return process, base
        if process.poll() is not None:
            self.fail("run.sh exited: " + Path(log.name).read_text())
        self.fail("run.sh did not serve in time: " + Path(log.name).read_text())

    def login(self, base: str) -> str:
        body = json.dumps({"phone_number1": demo.ADMIN_PHONE, "password": demo.DEMO_PASSWORD})
        request = urllib.request.Request(
            f"{base}/auth/jwt/create/",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            self.assertEqual(response.status, 200)
            return json.loads(response.read())["access"]

    def live_socket_greets(self, base: str, token: str) -> tuple[dict, dict]:
        """The attendance WebSocket of the same Daphne (in-memory layer): the greeting and
        the answer to a ping."""
        from websockets.sync.client import connect

        url = base.replace("http://", "ws://") + f"/ws/attendance/?token={token}"
        with connect(url, open_timeout=10) as socket:
            greeting = json.loads(socket.recv(timeout=10))
            socket.send(json.dumps({"type": "ping"}))
            return greeting, json.loads(socket.recv(timeout=10))

    def published_courses(self, base: str) -> int:
        with urllib.request.urlopen(f"{base}/api/courses/", timeout=10) as response:
            return json.loads(response.read())["count"]

    # Two boots, the first from nothing: more than the suite's five-minute hang limit
    # when the machine is busy.
    @pytest.mark.timeout(2 * BOOT_SECONDS + 120)
    def test_it_serves_demo_data_and_runs_twice(self):
        process, base = self.start()
        token = self.login(base)
        courses = self.published_courses(base)
        self.assertGreater(courses, 0)
        greeting, pong = self.live_socket_greets(base, token)
        self.assertEqual((greeting["type"], greeting["role"]), ("connection_established", "admin"))
        self.assertEqual(pong, {"type": "pong"})
        stop_process(process)

        _, base = self.start()  # same database: migrations and demo data are idempotent
        self.login(base)
        self.assertEqual(self.published_courses(base), courses)

"""End to end through a real Daphne process: the ASGI app as the quick start serves it.

The server runs in its own process with its own SQLite file, so these tests talk to it
only over HTTP, like the frontend does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from django.test import SimpleTestCase

from testkit.servers import free_port, stop_process, wait_for
from testkit.sqlite import migrated_sqlite, sqlite_env
from tests.live_server import request_json

ROOT = Path(__file__).resolve().parent.parent


class DaphneEndToEndTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="redwan-e2e-")
        cls.log_path = Path(cls.tmp) / "server.log"
        database = Path(cls.tmp) / "e2e.sqlite3"
        env = sqlite_env(database, LOG_LEVEL="DEBUG")
        migrated_sqlite(database)
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        cls.log = open(cls.log_path, "w")  # noqa: SIM115 - closed in tearDownClass
        cls.server = subprocess.Popen(
            # The same launcher as ./run.sh and the Docker image.
            [
                sys.executable,
                "-m",
                "core.serve",
                "-b",
                "127.0.0.1",
                "-p",
                str(cls.port),
                "core.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=cls.log,
            stderr=subprocess.STDOUT,
        )
        if not wait_for(f"{cls.base}/healthz/", 30):
            cls.tearDownClass()
            raise RuntimeError("daphne did not start: " + cls.log_path.read_text())

    @classmethod
    def tearDownClass(cls):
        server = getattr(cls, "server", None)
        if server is not None:
            stop_process(server)
        if getattr(cls, "log", None):
            cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def call(self, method, path, body=None, token=None):
        return request_json(self.base, method, path, body, token)

    def test_a_parent_registers_logs_in_and_adds_a_child_over_http(self):
        status, user = self.call(
            "POST",
            "/auth/users/",
            {
                "phone_number1": "01066667777",
                "password": "E2e-strong-pass-1",
                "re_password": "E2e-strong-pass-1",
                "first_name": "Hala",
                "last_name": "Nabil",
                "role": "parent",
            },
        )
        self.assertEqual(status, 201, user)
        self.assertEqual(user["phone_number1"], "+201066667777")

        status, tokens = self.call(
            "POST",
            "/auth/jwt/create/",
            {"phone_number1": "01066667777", "password": "E2e-strong-pass-1"},
        )
        self.assertEqual(status, 200, tokens)
        access = tokens["access"]

        status, me = self.call("GET", "/auth/users/me/", token=access)
        self.assertEqual((status, me["role"]), (200, "parent"))

        status, child = self.call(
            "POST",
            "/api/children/",
            {"first_name": "Adam", "last_name": "Nabil", "dob": "2017-02-03", "gender": "male"},
            token=access,
        )
        self.assertEqual(status, 201, child)
        self.assertRegex(child["code"], r"^B\d{5}$")

        status, page = self.call("GET", "/api/children/", token=access)
        self.assertEqual((status, page["count"]), (200, 1))

        # Nothing the client sent as a secret reaches the server's log.
        self.call("GET", f"/api/children/?token={access}", token=access)
        log = self.log_path.read_text()
        self.assertNotIn(access, log)
        self.assertNotIn(tokens["refresh"], log)
        self.assertNotIn("E2e-strong-pass-1", log)

    def test_the_public_pages_and_probes_answer(self):
        for path in ("/healthz/", "/readyz/", "/api/courses/", "/api/instructors/"):
            status, _ = self.call("GET", path)
            self.assertEqual(status, 200, path)
        with urllib.request.urlopen(f"{self.base}/api/docs/", timeout=10) as response:
            self.assertEqual(response.status, 200)

    def test_anonymous_writes_are_401(self):
        status, body = self.call("POST", "/api/children/", {})
        self.assertEqual((status, body["code"]), (401, "not_authenticated"))

    def test_a_multipart_body_reaches_the_app_even_when_malformed(self):
        # Twisted would parse it first, whole in memory, and answer a bare empty 400.
        for body in (b"--b0undary--\r\n", b"not multipart at all"):
            with self.subTest(body=body):
                request = urllib.request.Request(
                    f"{self.base}/api/memories/", data=body, method="POST"
                )
                request.add_header("Content-Type", "multipart/form-data; boundary=b0undary")
                with self.assertRaises(urllib.error.HTTPError) as answer:
                    urllib.request.urlopen(request, timeout=10)
                self.assertEqual(answer.exception.code, 401)
                self.assertEqual(json.loads(answer.exception.read())["code"], "not_authenticated")

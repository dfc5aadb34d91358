"""Drill: the database unreachable under running servers (issue #12, point 7; SPEC §10).

A real Daphne (``python -m core.serve``: psycopg's pool, told to wait 1 s for a
connection) and a real gunicorn (``docker-entrypoint.sh web``: a connection per worker)
start with ``DATABASE_URL`` at a port nothing listens on — PostgreSQL stopped, or not up
yet. What the center's clients must see:

- the API answers ``503 database_unavailable`` with ``Retry-After``, never a ``500`` or a
  hang; ``/healthz/`` (liveness) still ``200``; ``/readyz/`` ``503`` naming the database;
- the attendance socket is accepted and closed with ``1011`` (the credential could be
  neither accepted nor refused), within the handshake's time;
- each failure is one line in the log, naming the host and port; no traceback, no
  credential.

Runs on every run, SQLite included: the servers need no database at all.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from asgiref.sync import sync_to_async
from django.test import SimpleTestCase
from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from attendance.consumers import CLOSE_SERVER_ERROR
from core.exceptions import DATABASE_RETRY_AFTER
from testkit.servers import Server, free_port
from tests.live_server import LiveDaphne, next_event, request_json

PASSWORD = "Not-checked-0123456789"


def dead_database_env() -> dict[str, str]:
    return {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/redwan_nowhere",
        "DATABASE_POOL_TIMEOUT": "1",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }


def retry_after(base: str, path: str) -> str | None:
    """The ``Retry-After`` header of a GET that fails."""
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=10):
            return None
    except urllib.error.HTTPError as error:
        return error.headers.get("Retry-After")


class DatabaseDownDrillMixin:
    """For a ``SimpleTestCase`` whose ``server`` is started in ``setUpClass``."""

    def assert_rest_answers_503(self) -> None:
        for method, path, body in (
            ("GET", "/api/courses/", None),
            ("POST", "/auth/jwt/create/", {"phone_number1": "+201000000001", "password": PASSWORD}),
        ):
            status, answer = request_json(self.server.base, method, path, body)
            self.assertEqual(status, 503, f"{method} {path}: {answer}")
            self.assertEqual(answer["code"], "database_unavailable")
        self.assertEqual(retry_after(self.server.base, "/api/courses/"), str(DATABASE_RETRY_AFTER))
        self.assertEqual(request_json(self.server.base, "GET", "/healthz/")[0], 200)
        status, ready = request_json(self.server.base, "GET", "/readyz/")
        self.assertEqual((status, ready["checks"]["database"]), (503, False))

    def assert_log_has_one_line_per_failure(self, log: str) -> None:
        self.assertIn("database unavailable, answered 503 (OperationalError: ", log)
        self.assertIn("readiness: database unreachable (OperationalError: ", log)
        self.assertNotIn("Traceback", log)
        self.assertNotIn(PASSWORD, log)


class DatabaseDownUnderDaphneTests(DatabaseDownDrillMixin, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = LiveDaphne(env=dead_database_env()).start()
        cls.addClassCleanup(cls.server.stop)
        cls.addClassCleanup(cls.server.log_path.unlink, missing_ok=True)

    async def test_the_api_answers_503_and_the_socket_closes_with_1011(self):
        await sync_to_async(self.assert_rest_answers_503)()

        token = AccessToken()
        token["user_id"] = 1  # signed with the server's key; the user cannot be looked up
        async with connect(self.server.ws_url("/ws/attendance/", token=str(token))) as ws:
            with self.assertRaises(ConnectionClosed):
                await next_event(ws, timeout=5)
        self.assertEqual(ws.close_code, CLOSE_SERVER_ERROR)

        self.server.stop()
        log = self.server.log_text()
        self.assert_log_has_one_line_per_failure(log)
        self.assertIn(
            "websocket credential not checked: the database failed (OperationalError", log
        )
        self.assertNotIn(str(token), log)


class DatabaseDownUnderGunicornTests(DatabaseDownDrillMixin, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server("web", workers=1, LOG_LEVEL="INFO", **dead_database_env()).start()
        cls.addClassCleanup(cls.server.stop)
        cls.addClassCleanup(cls.server.log_path.unlink, missing_ok=True)

    def test_the_api_answers_503(self):
        self.assert_rest_answers_503()
        self.server.stop()
        self.assert_log_has_one_line_per_failure(self.server.log_path.read_text())

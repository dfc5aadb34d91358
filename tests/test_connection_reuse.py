"""Real servers reuse their PostgreSQL connections (issue #12, point 4).

Daphne (ASGI) lends them from psycopg's pool; a gunicorn worker (WSGI) keeps its own.
Neither is told how: importing its entry module sets ``DJANGO_SERVER`` (see the settings'
"Database connection reuse"). The servers' connections are read from
``pg_stat_activity``: every backend on the test database except this process's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from unittest import mock

from django.db import connection
from django.test import TransactionTestCase

from core.testing import free_port, requires_postgres
from tests.live_server import ROOT, LiveDaphne, server_env, wait_healthy

# The catalogue is public and its list runs queries (the count at least) on every request.
PATH = "/api/courses/"


def server_backends() -> set[tuple[int, object]]:
    """(pid, backend_start) of every other connection to this test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return set(cursor.fetchall())


def wait_for(predicate, timeout: float = 5.0):
    """The first truthy value of ``predicate()`` within ``timeout``, else the last one."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(0.1)
        value = predicate()
    return value


class LiveGunicorn:
    """gunicorn with one sync worker on a free port, started as the Docker image would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> LiveGunicorn:
        env = server_env()
        env.pop("DJANGO_SERVER", None)  # the entry module decides
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "1", "Redwan_courses_center.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait_healthy(self.base, timeout):
            return self
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def get(self, path: str) -> int:
        with urllib.request.urlopen(f"{self.base}{path}", timeout=10) as response:
            return response.status


@requires_postgres
class ConnectionReuseTests(TransactionTestCase):
    def setUp(self):
        # A server stopped by the previous test may take a moment to leave pg_stat_activity.
        self.assertTrue(wait_for(lambda: not server_backends()), server_backends())

    def get_many(self, server, count: int) -> None:
        for _ in range(count):
            status, _body = server.request("GET", PATH)
            self.assertEqual(status, 200)

    def test_daphne_serves_requests_on_the_same_pooled_connections(self):
        server = LiveDaphne()
        with mock.patch.dict(os.environ):
            os.environ.pop("DJANGO_SERVER", None)  # core.asgi decides
            server.start()
        self.addCleanup(server.stop)
        self.get_many(server, 3)
        # The pool opens its two standing connections (min_size) in the background; the
        # first request, finding none ready yet, may have it open a third.
        before = wait_for(lambda: len(server_backends()) >= 2 and server_backends())

        self.get_many(server, 20)

        self.assertIn(len(before), (2, 3))
        self.assertEqual(server_backends(), before)

    def test_without_the_pool_daphne_closes_its_connection_after_each_request(self):
        # The measurement above means something: this is what it replaced.
        server = LiveDaphne()
        with mock.patch.dict(os.environ, {"DJANGO_SERVER": "asgi", "DATABASE_POOL": "0"}):
            server.start()
        self.addCleanup(server.stop)

        self.get_many(server, 3)

        # Each request closed its connection when it ended.
        self.assertTrue(wait_for(lambda: not server_backends()), server_backends())

    def test_a_gunicorn_worker_keeps_one_connection_across_requests(self):
        server = LiveGunicorn().start()
        self.addCleanup(server.stop)
        self.assertEqual(server.get(PATH), 200)
        before = server_backends()

        for _ in range(20):
            self.assertEqual(server.get(PATH), 200)

        self.assertEqual(len(before), 1)
        self.assertEqual(server_backends(), before)

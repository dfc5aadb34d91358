"""Real servers reuse their PostgreSQL connections (issue #12, point 4).

Daphne (ASGI) lends them from psycopg's pool; a gunicorn worker (WSGI) keeps its own.
Neither is told how: importing its entry module sets ``DJANGO_SERVER`` (see the settings'
"Database connection reuse"). The servers' connections are read from
``pg_stat_activity``: every backend on the test database except this process's own.
"""

from __future__ import annotations

import os
import time
from unittest import mock

from django.db import connection
from django.test import TransactionTestCase

from testkit.db import requires_postgres
from testkit.servers import Server
from tests.live_server import LiveDaphne, request_json

# The catalogue is public and its list runs queries (the count at least) on every request.
PATH = "/api/courses/"


def server_backends() -> set[tuple[int, object]]:
    """(pid, backend_start) of every other client connection to this test database (each
    pytest-xdist worker has its own; an autovacuum worker on it is not a client)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
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


@requires_postgres
class ConnectionReuseTests(TransactionTestCase):
    def setUp(self):
        # A server stopped by the previous test may take a moment to leave pg_stat_activity.
        self.assertTrue(wait_for(lambda: not server_backends()), server_backends())

    def get_many(self, server, count: int) -> None:
        for _ in range(count):
            status, _body = request_json(server.base, "GET", PATH)
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
        # `docker-entrypoint.sh web`, as the Docker image starts it, with one worker.
        server = Server("web", workers=1).start()
        self.addCleanup(server.stop)
        self.get_many(server, 1)
        before = server_backends()

        self.get_many(server, 20)

        self.assertEqual(len(before), 1)
        self.assertEqual(server_backends(), before)

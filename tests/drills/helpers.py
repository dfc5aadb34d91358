"""What the drills share: a Redis server they can kill, and raw PostgreSQL sessions that
hold locks and terminate other sessions."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import psycopg
from psycopg import sql

from testkit.db import database_url
from testkit.servers import free_port

REDIS_SERVER = shutil.which("redis-server")
requires_redis_server = unittest.skipUnless(
    REDIS_SERVER, "needs the redis-server binary (Debian package redis-server)"
)


class RedisServer:
    """A throwaway ``redis-server`` on a free port, without persistence. ``kill()`` is a
    crash (SIGKILL); ``start()`` again brings it back on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.TemporaryDirectory(prefix="redwan-drill-redis-")
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> RedisServer:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", self.dir.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def cleanup(self) -> None:
        self.kill()
        self.dir.cleanup()


def pg_session(*, autocommit: bool) -> psycopg.Connection:
    """A PostgreSQL session of its own on the test database (not Django's connection)."""
    return psycopg.connect(database_url(), autocommit=autocommit, connect_timeout=10)


def lock_row(session: psycopg.Connection, table: str, pk: int) -> None:
    """``SELECT … FOR UPDATE`` one row in ``session``'s open transaction."""
    session.execute(
        sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR UPDATE").format(sql.Identifier(table)),
        [pk],
    )


def wait_for_backend_blocked_by(monitor: psycopg.Connection, holder_pid: int, timeout=120) -> int:
    """The pid of the session waiting for a lock that ``holder_pid`` holds. ``monitor`` must
    be in autocommit: inside a transaction pg_stat_activity is a frozen snapshot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [holder_pid],
        ).fetchone()
        if row:
            return row[0]
        time.sleep(0.05)
    raise AssertionError(f"no session waited for a lock of backend {holder_pid}")

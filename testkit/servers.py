"""Real servers for the benchmarks and the end-to-end tests, started the way the Docker
image starts them.

``docker-entrypoint.sh web`` (gunicorn, WSGI) and ``docker-entrypoint.sh ws`` (Daphne
through ``core.serve``) with the database wait, migrations and collectstatic switched off:
the benchmark's throwaway database is already migrated. Each server runs on a free port
of 127.0.0.1 against the database and Redis of the calling process (after
``create_test_db``), with ``DEBUG=0``.

``cpu_seconds()`` and ``threads()`` read ``/proc`` for the server and its children (the
gunicorn workers), so a benchmark can say how many cores a server really used.

``free_port()``, ``wait_for()`` and ``stop_process()`` serve the tests and scripts that
start a server of their own too (tests/live_server.py, scripts/fuzz.py, scripts/admin_walk.py). The browser walk may run in an interpreter that
has Playwright and no Django, so this module imports Django only inside ``server_env()``.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker-entrypoint.sh"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Servers listen below the kernel's ephemeral range, so that no outgoing connection (to
# PostgreSQL, Redis, another test server) takes a port between free_port() and the bind.
# Each pytest-xdist worker picks from its own slice: two workers never pick the same port.
PORTS_LOW = 10000
SLICES = 8


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) % SLICES if worker[2:].isdigit() else 0


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for test servers),
    from this pytest-xdist worker's slice of the ports below the ephemeral range."""
    size = (_ephemeral_low() - PORTS_LOW) // SLICES
    if size < 100:  # an unusual ephemeral range: let the kernel choose
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    low = PORTS_LOW + _worker_index() * size
    candidates = list(range(low, low + size))
    random.shuffle(candidates)  # another test run on the machine starts at another port
    for port in candidates:
        if _is_free(port):
            return port
    raise RuntimeError(f"no free port in {low}..{low + size - 1}")


def wait_for(
    url: str, seconds: float, *, alive: Callable[[], bool] | None = None, any_status: bool = False
) -> bool:
    """Ask ``url`` every 0.2 s until it answers 2xx/3xx, or any status with ``any_status``
    (a proxy is up even when what it proxies is not): True. False once ``seconds`` have
    passed, or at once when ``alive()`` is false (the server's process has exited)."""
    deadline = time.monotonic() + seconds
    while alive is None or alive():
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError as error:
            if any_status and isinstance(error, urllib.error.HTTPError):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
    return False


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """End ``process``: SIGTERM, then SIGKILL if it is still running after ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def server_env(**extra: str) -> dict[str, str]:
    """Production settings (``DEBUG=0``, no HTTPS redirect: plain HTTP on loopback) on
    this process's database, Redis, channel-layer prefix, cache prefix and secret key."""
    from django.conf import settings

    from testkit.db import database_url

    # DJANGO_SERVER too: the entry module (wsgi.py, core.asgi) decides how connections are kept.
    skip = {"DJANGO_SETTINGS_MODULE", "DJANGO_SERVER"}
    env = {key: value for key, value in os.environ.items() if key not in skip}
    layer = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    env.update(
        DJANGO_SETTINGS_MODULE="Redwan_courses_center.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        CHANNELS_PREFIX=layer.get("prefix", "asgi"),
        CACHE_KEY_PREFIX=settings.CACHES["default"].get("KEY_PREFIX", ""),
        LOG_LEVEL="WARNING",
        PYTHON=sys.executable,
        SKIP_WAIT_FOR_DB="1",
        SKIP_MIGRATE="1",
        SKIP_COLLECTSTATIC="1",
        BIND_HOST="127.0.0.1",
    )
    env.update(extra)
    return env


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may contain spaces; the fields after ")" do not.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Server:
    """One server role of the entrypoint on a free port: ``Server("web", workers=4)``."""

    def __init__(self, role: str, *, workers: int | None = None, **env: str) -> None:
        self.role = role
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        extra = {"PORT": str(self.port), **env}
        if workers is not None:
            extra["GUNICORN_WORKERS"] = str(workers)
        self.env = server_env(**extra)
        self.workers = workers
        self.log_path = Path(tempfile.mkstemp(prefix=f"redwan-bench-{role}-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    @property
    def label(self) -> str:
        if self.role == "web":
            return f"gunicorn ×{self.workers}" if self.workers else "gunicorn"
        return "Daphne ×1"

    def start(self, timeout: float = 120) -> Server:
        return self.launch().ready(timeout)

    def launch(self) -> Server:
        """Start the process without waiting for it to answer (several boot at once)."""
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["bash", str(ENTRYPOINT), self.role],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def ready(self, timeout: float = 120) -> Server:
        """Wait until ``/healthz/`` answers; stop the process if it exits or never does."""
        process = self.process
        assert process is not None, "launch() first"
        if wait_for(f"{self.base}/healthz/", timeout, alive=lambda: process.poll() is None):
            return self
        self.stop()
        raise RuntimeError(f"{self.role} did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=15)
            self.process = None
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None

    def pids(self) -> list[int]:
        assert self.process is not None
        return [self.process.pid, *_children(self.process.pid)]

    def cpu_seconds(self) -> float:
        """User + system CPU time the server and its workers have used so far."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
        return total / CLOCK_TICKS

    def threads(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += int(
                next(x for x in status.splitlines() if x.startswith("Threads:")).split()[1]
            )
        return total

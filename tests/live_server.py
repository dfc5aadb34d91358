"""A real Daphne for end-to-end tests, sharing this test process's PostgreSQL database,
Redis channel layer and Redis cache.

Reuse it for any test that must go through a real server: :class:`LiveDaphneTestCase`
starts one for the class, with this process's own channel layer enabled::

    @requires_postgres
    @requires_redis
    class MyTests(LiveDaphneTestCase):          # the server only sees committed rows
        ...

    status, body = server.request("POST", "/api/lectures/3/attendance/", {...}, token=access)
    async with websockets.asyncio.client.connect(server.ws_url("/ws/attendance/", token=t)) as ws:
        event = await next_event(ws)

The server gets the test database's name, this process's channel-layer prefix (so an
event sent from here or from the server reaches the same groups, and no other pytest-xdist
worker's), the cache prefix (a ticket issued here opens a socket there) and the secret key
(tokens made here are valid there). ``LiveDaphne(env={...})`` changes or adds environment
variables (``{"DEBUG": "0"}`` for production settings). Its whole output, stdout and
stderr, unbuffered, is in ``log_path`` (``log_text()``). Several servers start together
with ``launch()`` on each, then ``ready()`` on each.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.test import TransactionTestCase

from testkit.db import database_url
from testkit.servers import free_port, stop_process, wait_for

ROOT = Path(__file__).resolve().parent.parent
# How long a server may take to boot, and an expected answer or event to come. Generous:
# on a loaded machine (pytest-xdist workers beside other work) a Python server takes many
# times its quiet boot, and a wait that passes ends as soon as the server answers.
BOOT_SECONDS = 120
ANSWER_SECONDS = 30


def server_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    layer = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    env.update(
        DJANGO_SETTINGS_MODULE="Redwan_courses_center.settings",
        DEBUG="1",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        CHANNELS_PREFIX=layer.get("prefix", "asgi"),
        CACHE_KEY_PREFIX=settings.CACHES["default"].get("KEY_PREFIX", ""),
        LOG_LEVEL="DEBUG",  # the most the log could ever say: still no credentials
        PYTHONUNBUFFERED="1",  # every line is in the log file when a test reads it
    )
    return env


class LiveDaphne:
    """``python -m core.serve`` (the launcher of ./run.sh and Docker) on a free port."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        """``env``: variables to set for the server on top of ``server_env()`` (the journey
        runs production settings; the failure drills point ``REDIS_URL`` at a Redis they
        stop)."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="redwan-daphne-", suffix=".log")[1])
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = BOOT_SECONDS) -> LiveDaphne:
        return self.launch().ready(timeout)

    def launch(self) -> LiveDaphne:
        """Start the process without waiting for it to answer."""
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core.serve", "-b", "127.0.0.1", "-p", str(self.port)]
            + ["core.asgi:application"],
            cwd=ROOT,
            env={**server_env(), **self.env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def ready(self, timeout: float = BOOT_SECONDS) -> LiveDaphne:
        """Wait until ``/healthz/`` answers; stop the process if it never does."""
        if wait_for(f"{self.base}/healthz/", timeout):
            return self
        self.stop()
        raise RuntimeError("daphne did not start: " + self.log_text())

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        if getattr(self, "log", None) is not None:
            self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ws_url(self, path: str, **query: str) -> str:
        return ws_url(self.port, path, **query)

    def request(
        self,
        method: str,
        path: str,
        body=None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        """``(status, parsed JSON body)`` of one HTTP request to the server."""
        return request_json(self.base, method, path, body, token, headers)


def ws_url(port: int, path: str, **query: str) -> str:
    """``ws://`` URL of ``path`` on a server of 127.0.0.1, with a query string if given."""
    url = f"ws://127.0.0.1:{port}{path}"
    return f"{url}?{urlencode(query)}" if query else url


def request_json(
    base: str,
    method: str,
    path: str,
    body=None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
):
    """``(status, parsed JSON body)`` of one HTTP request to ``base`` (any live server)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_SECONDS) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


async def next_event(ws, timeout: float = ANSWER_SECONDS) -> dict:
    """The next JSON message of a ``websockets`` client connection (an expected one: the
    wait ends as soon as it comes; ``receives_nothing`` is the short negative check)."""
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def receives_nothing(ws, timeout: float = 1.0) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), timeout)
    except TimeoutError:
        return True
    return False


NGINX = "/usr/sbin/nginx"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "redwan.conf.template"


def render_nginx_template(values: dict[str, str], template: Path = NGINX_TEMPLATE) -> str:
    """The template with its ``${NAME}``s replaced, as the nginx image's envsubst does;
    every ``${NAME}`` must be given (nginx's own ``$variables`` stay as they are)."""
    import re

    text = template.read_text(encoding="utf-8")
    missing = set(re.findall(r"\$\{(\w+)\}", text)) - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], text)


class LiveNginx:
    """Debian's nginx on a free port with a throwaway prefix, running the repository's
    deploy/nginx template in front of a gunicorn (``web``) and a Daphne (``ws``)::

        proxy = LiveNginx(web="127.0.0.1:8001", ws="127.0.0.1:8002").start()
        proxy.base, proxy.access_log_text(), proxy.stop()
    """

    def __init__(self, *, web: str, ws: str, media_dir: Path | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.prefix = Path(tempfile.mkdtemp(prefix="redwan-nginx-"))
        # nginx's workers (nobody, when started as root) must reach the temp directories.
        self.prefix.chmod(0o755)
        self.access_log = self.prefix / "access.log"
        (self.prefix / "conf.d").mkdir()
        (self.prefix / "conf.d" / "redwan.conf").write_text(
            render_nginx_template(
                {
                    "WEB_UPSTREAM": web,
                    "WS_UPSTREAM": ws,
                    "NGINX_PORT": f"127.0.0.1:{self.port}",
                    "NGINX_ACCESS_LOG": str(self.access_log),
                    "NGINX_ERROR_LOG": str(self.prefix / "error.log"),
                    "MEDIA_DIR": str(media_dir or self.prefix / "media"),
                }
            )
        )
        # The nginx image's own main file, reduced to what a throwaway prefix needs.
        temp = "\n".join(
            f"    {kind}_temp_path {self.prefix / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.prefix / "nginx.conf").write_text(
            f"worker_processes 1;\npid {self.prefix / 'nginx.pid'};\n"
            f"error_log {self.prefix / 'error.log'} warn;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n{temp}\n    include {self.prefix / 'conf.d'}/*.conf;\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def command(self, *extra: str) -> list[str]:
        return [NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), *extra]

    def check(self) -> subprocess.CompletedProcess:
        """``nginx -t`` on the rendered configuration."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def start(self, timeout: float = BOOT_SECONDS) -> LiveNginx:
        self.process = subprocess.Popen(
            self.command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait_for(f"{self.base}/healthz/", timeout, any_status=True):
            return self
        log = self.error_log_text()
        self.stop()
        raise RuntimeError("nginx did not start: " + log)

    def stop(self, *, keep_logs: bool = False) -> None:
        """Stop nginx; its prefix (with the logs) goes too unless ``keep_logs``."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        if not keep_logs:
            self.discard()

    def discard(self) -> None:
        """Remove the prefix: configuration, pid file and logs."""
        shutil.rmtree(self.prefix, ignore_errors=True)

    def access_log_text(self, *expected: str, seconds: float = 10) -> str:
        """The access log; with ``expected``, once each of them is in it (or ``seconds``
        have passed: the caller's assertion then shows what is there). nginx writes a
        request's line in its log phase, after the answer has left: a client that reads the
        log as soon as it has the answer can be a moment early on a busy machine."""
        deadline = time.monotonic() + seconds
        while True:
            text = self.access_log.read_text(errors="replace") if self.access_log.exists() else ""
            if all(part in text for part in expected) or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

    def error_log_text(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


class LiveDaphneTestCase(TransactionTestCase):
    """A :class:`LiveDaphne` for the whole class (``cls.server``), with this process's own
    channel-layer prefix enabled (``cls.layer``) so that events sent here or there reach
    the same groups and no other worker's."""

    @classmethod
    def setUpClass(cls):
        from attendance.tests.ws_helpers import own_channel_layer

        super().setUpClass()
        cls.layer = own_channel_layer()
        cls.layer.enable()
        cls.server = LiveDaphne().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.layer.disable()
        super().tearDownClass()

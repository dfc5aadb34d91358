"""The test kit: the product never imports it, its Redis cache clears only this process's
keys, each pytest-xdist worker starts its servers on ports of its own, and the scripts can
wait for a server and stop it with it without Django."""

import ast
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from unittest import mock

from django.core.cache import cache
from django.test import SimpleTestCase

from testkit import servers
from testkit.db import requires_redis
from testkit.source import product_sources

ROOT = Path(__file__).resolve().parent.parent


def _imported_roots(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


class ProductNeverImportsTestkitTests(SimpleTestCase):
    def test_no_product_module_imports_testkit(self):
        offenders = []
        for path in product_sources(migrations=True):
            if "testkit" in _imported_roots(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append(str(path.relative_to(ROOT)))
        self.assertEqual(offenders, [])

    def test_the_check_sees_an_import_inside_a_function(self):
        tree = ast.parse("def f():\n    from testkit.db import requires_postgres\n")
        self.assertIn("testkit", _imported_roots(tree))


@requires_redis
class PrefixedClearTests(SimpleTestCase):
    def test_clear_empties_this_process_keys_and_leaves_another_workers_alone(self):
        client = cache._cache.get_client(None, write=True)
        foreign = f"another-worker-{uuid.uuid4().hex}:1:throttle"
        client.set(foreign, 3, ex=30)
        self.addCleanup(client.delete, foreign)
        cache.set("throttle_login_ip_probe", 5, timeout=30)

        cache.clear()

        self.assertIsNone(cache.get("throttle_login_ip_probe"))
        self.assertEqual(client.get(foreign), b"3")


class FreePortTests(SimpleTestCase):
    def slice_of(self, worker: str) -> range:
        with mock.patch.dict(os.environ, {"PYTEST_XDIST_WORKER": worker}):
            ports = {servers.free_port() for _ in range(20)}
        size = (servers._ephemeral_low() - servers.PORTS_LOW) // servers.SLICES
        low = min(ports) - (min(ports) - servers.PORTS_LOW) % size
        self.assertTrue(all(low <= port < low + size for port in ports), ports)
        return range(low, low + size)

    def test_each_worker_has_its_own_slice_below_the_ephemeral_range(self):
        first, second = self.slice_of("gw0"), self.slice_of("gw1")
        self.assertEqual(first.start, servers.PORTS_LOW)
        self.assertEqual(second.start, first.stop)
        self.assertLessEqual(max(second), servers._ephemeral_low() - 1)

    def test_the_port_can_be_bound(self):
        port = servers.free_port()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
            self.assertEqual(sock.getsockname()[1], port)

    def test_a_taken_port_is_never_returned(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", servers.free_port()))
            taken.listen()
            port = taken.getsockname()[1]
            # The taken port comes first among the candidates: free_port() must pass it by.
            first = mock.patch.object(
                servers.random, "shuffle", lambda ports: ports.sort(key=lambda p: p != port)
            )
            with first:
                self.assertNotEqual(servers.free_port(), port)


class Answers(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


class Unavailable(Answers):
    status = 503


class WaitForTests(SimpleTestCase):
    def serve(self, handler) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.addCleanup(server.server_close)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_port}/"

    def test_it_is_true_once_the_url_answers(self):
        self.assertTrue(servers.wait_for(self.serve(Answers), 10))

    def test_an_error_status_is_no_answer_unless_any_status_is_asked_for(self):
        url = self.serve(Unavailable)

        self.assertFalse(servers.wait_for(url, 0.5))
        self.assertTrue(servers.wait_for(url, 10, any_status=True))

    def test_it_is_false_when_nothing_answers_before_the_deadline(self):
        started = time.monotonic()

        self.assertFalse(servers.wait_for(f"http://127.0.0.1:{servers.free_port()}/", 0.5))
        self.assertGreaterEqual(time.monotonic() - started, 0.5)

    def test_it_gives_up_at_once_when_the_server_has_exited(self):
        started = time.monotonic()

        self.assertFalse(
            servers.wait_for(f"http://127.0.0.1:{servers.free_port()}/", 60, alive=lambda: False)
        )
        self.assertLess(time.monotonic() - started, 5)

    def test_the_scripts_can_import_it_without_django(self):
        # scripts/admin_walk.py may run in Playwright's interpreter, which has no Django.
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; sys.modules['django'] = None; import testkit.servers",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)


IGNORES_SIGTERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


class StopProcessTests(SimpleTestCase):
    def start(self, code: str) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        self.addCleanup(process.stdout.close)
        self.addCleanup(process.kill)
        return process

    def test_a_process_ends_on_sigterm(self):
        process = self.start("import time; time.sleep(60)")

        servers.stop_process(process)

        self.assertEqual(process.returncode, -signal.SIGTERM)

    def test_a_process_that_ignores_sigterm_is_killed_after_the_timeout(self):
        process = self.start(IGNORES_SIGTERM)
        self.assertEqual(process.stdout.readline(), "ready\n")

        servers.stop_process(process, timeout=0.5)

        self.assertEqual(process.returncode, -signal.SIGKILL)

    def test_a_process_that_has_exited_is_left_alone(self):
        process = self.start("pass")
        process.wait(timeout=30)

        servers.stop_process(process)

        self.assertEqual(process.returncode, 0)


class TestPathsTests(SimpleTestCase):
    """``./test.sh`` collects the ``testpaths`` of pyproject.toml: an app whose tests are
    not listed there would never run, in CI or anywhere."""

    def test_every_app_with_tests_is_collected(self):
        import tomllib

        from core.packages import app_packages

        root = Path(__file__).resolve().parent.parent
        config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        collected = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
        with_tests = {app for app in app_packages() if (root / app / "tests").is_dir()}
        self.assertEqual(with_tests - collected, set())

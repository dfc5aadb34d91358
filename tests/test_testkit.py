"""The test kit: the product never imports it, its Redis cache clears only this process's
keys, and each pytest-xdist worker starts its servers on ports of its own."""

import ast
import os
import socket
import uuid
from pathlib import Path
from unittest import mock

from django.core.cache import cache
from django.test import SimpleTestCase

from testkit import servers
from testkit.db import requires_redis

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = (
    "Redwan_courses_center",
    "core",
    "users",
    "notifications",
    "courses",
    "attendance",
    "enrollments_payments",
    "files",
    "memories",
    "landing",
)


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
        for package in PRODUCT:
            for path in sorted((ROOT / package).rglob("*.py")):
                rel = path.relative_to(ROOT)
                if "tests" in rel.parts or path.name.startswith("test"):
                    continue
                if "testkit" in _imported_roots(ast.parse(path.read_text(encoding="utf-8"))):
                    offenders.append(str(rel))
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

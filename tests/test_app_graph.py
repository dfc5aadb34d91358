"""Layers by kind of module, one direction, read from the source with ``ast`` (no import).

Every module of the project belongs to one layer, named in ``LAYERS`` below; a module that
is not in the table fails the test, and so does a row whose module is gone. From the bottom:

- ``base``: pure definitions that read no model — rules (the center's clock, windows,
  rates), error classes, code letters, role checks, SQL and file-format helpers. Models
  are built from them, so they sit beneath the models.
- ``models``: models, fields, querysets, the participant record pieces.
- ``selectors``: reads and aggregates.
- ``services``: writes and cross-model rules, jobs, broadcasts, demo data.
- ``interface``: views, serializers, admin, consumers, routing, urls, filters, schema,
  commands, app configs, the project package.

The rules:

1. A module imports only modules of its own layer or a lower one, of any app: any app's
   selectors and services may read any app's models.
2. Within one layer, the apps import each other in one direction: no cycle between apps
   (services call services one way; selectors, models and interfaces likewise).
3. No module imports itself back through a chain of top-level imports.

Imports inside functions count as much as top-level ones; ``TYPE_CHECKING`` blocks do not.
Tests and migrations are not part of the graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.test import SimpleTestCase

from testkit.source import product_sources

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("base", "models", "selectors", "services", "interface")

BASE, MODELS, SELECTORS, SERVICES, INTERFACE = ORDER

# Every module, by kind. A package's empty ``__init__`` names nothing and sits at the bottom.
LAYERS = {
    # core: plumbing only.
    "core": BASE,
    "core.admin": INTERFACE,
    "core.admin_language": INTERFACE,
    "core.admin_export": INTERFACE,
    "core.apps": INTERFACE,
    "core.asgi": INTERFACE,
    "core.auth_backends": INTERFACE,
    "core.consumers": INTERFACE,
    "core.csp": INTERFACE,
    "core.docs": INTERFACE,
    "core.error_views": INTERFACE,
    "core.errors": BASE,
    "core.exceptions": INTERFACE,
    "core.display": BASE,
    "core.fields": MODELS,
    "core.formats": BASE,
    "core.formats.ar": BASE,
    "core.formats.ar.formats": BASE,
    "core.filters": INTERFACE,
    "core.health": INTERFACE,
    "core.jobs": SERVICES,
    "core.labels": BASE,
    "core.slugs": SELECTORS,
    "core.locking": BASE,
    "core.logging": BASE,
    "core.management": BASE,
    "core.management.commands": BASE,
    "core.management.commands.wait_for_db": INTERFACE,
    "core.management.job_command": INTERFACE,
    "core.methods": INTERFACE,
    "core.models": MODELS,
    "core.packages": BASE,
    "core.pagination": INTERFACE,
    "core.parsers": INTERFACE,
    "core.permissions": BASE,
    "core.query": BASE,
    "core.realtime": SERVICES,
    "core.routing": INTERFACE,
    "core.schema": INTERFACE,
    "core.schema_errors": INTERFACE,
    "core.schema_refs": INTERFACE,
    "core.serializers": INTERFACE,
    "core.serve": INTERFACE,
    "core.slashes": INTERFACE,
    "core.sms": SERVICES,
    "core.spreadsheets": BASE,
    "core.sql": BASE,
    "core.startup": BASE,
    "core.unset": BASE,
    "core.views_jobs": INTERFACE,
    "core.ws_auth": INTERFACE,
    "core.ws_tickets": SERVICES,
    # files: storage, signed URLs, photo processing and the shared photo endpoint shape.
    "files": BASE,
    "files.admin_photos": INTERFACE,
    "files.admin_uploads": INTERFACE,
    "files.api": INTERFACE,
    "files.apps": INTERFACE,
    "files.config": BASE,
    "files.documents": BASE,
    "files.images": BASE,
    "files.photos": SERVICES,
    "files.serializers": INTERFACE,
    "files.signing": BASE,
    "files.storage": BASE,
    "files.stored": BASE,
    "files.uploads": INTERFACE,
    "files.urls": INTERFACE,
    "files.video": BASE,
    "files.views": INTERFACE,
    # memories: staff posts of photos and videos, tags, consent-aware feeds (§6.9).
    "memories": BASE,
    "memories.admin": INTERFACE,
    "memories.apps": INTERFACE,
    "memories.cron": SERVICES,
    "memories.management": BASE,
    "memories.management.commands": BASE,
    "memories.management.commands.remove_deleted_memories": INTERFACE,
    "memories.media": BASE,
    "memories.models": MODELS,
    "memories.notify": SERVICES,
    "memories.permissions": BASE,
    "memories.selectors": SELECTORS,
    "memories.serializers": INTERFACE,
    "memories.services": SERVICES,
    "memories.uploads": INTERFACE,
    "memories.views": INTERFACE,
    # notifications
    "notifications": BASE,
    "notifications.admin": INTERFACE,
    "notifications.apps": INTERFACE,
    "notifications.models": MODELS,
    "notifications.serializers": INTERFACE,
    "notifications.services": SERVICES,
    "notifications.texts": BASE,
    "notifications.views": INTERFACE,
    # users
    "users": BASE,
    "users.admin": INTERFACE,
    "users.instructor_admin_forms": INTERFACE,
    "users.admin_login": INTERFACE,
    "users.apps": INTERFACE,
    "users.authentication": INTERFACE,
    "users.card_pdf": BASE,
    "users.cards": SERVICES,
    "users.codes": BASE,
    "users.hashers": BASE,
    "users.import_files": BASE,
    "users.import_rows": BASE,
    "users.import_services": SERVICES,
    "users.demo": SERVICES,
    "users.models": MODELS,
    "users.photo_services": SERVICES,
    "users.participants": MODELS,
    "users.selectors": SELECTORS,
    "users.serializers": BASE,
    "users.serializers.auth": INTERFACE,
    "users.serializers.people": INTERFACE,
    "users.password_reset": SERVICES,
    "users.services": SERVICES,
    "users.sessions": SERVICES,
    "users.throttles": INTERFACE,
    "users.urls_auth": INTERFACE,
    "users.verification": SERVICES,
    "users.views": INTERFACE,
    "users.views_auth": INTERFACE,
    "users.views_cards": INTERFACE,
    "users.views_photos": INTERFACE,
    # courses
    "courses": BASE,
    "courses.admin": INTERFACE,
    "courses.admin_exams": INTERFACE,
    "courses.admin_proposals": INTERFACE,
    "courses.admin_ratings": INTERFACE,
    "courses.admin_text": INTERFACE,
    "courses.apps": INTERFACE,
    "courses.demo": SERVICES,
    "courses.errors": BASE,
    "courses.exam_services": SERVICES,
    "courses.filters": INTERFACE,
    "courses.generation": SERVICES,
    "courses.image_services": SERVICES,
    "courses.models": MODELS,
    "courses.rating_selectors": SELECTORS,
    "courses.rating_serializers": INTERFACE,
    "courses.rating_services": SERVICES,
    "courses.rules": BASE,
    "courses.schema": INTERFACE,
    "courses.selectors": SELECTORS,
    "courses.serializers": INTERFACE,
    "courses.services": SERVICES,
    "courses.views": INTERFACE,
    "courses.views_images": INTERFACE,
    "courses.views_lectures": INTERFACE,
    "courses.views_ratings": INTERFACE,
    # attendance
    "attendance": BASE,
    "attendance.absence_alerts": SERVICES,
    "attendance.admin": INTERFACE,
    "attendance.admin_audit": INTERFACE,
    "attendance.admin_marks": INTERFACE,
    "attendance.apps": INTERFACE,
    "attendance.authentication": INTERFACE,
    "attendance.broadcast": SERVICES,
    "attendance.consumers": INTERFACE,
    "attendance.cron": SERVICES,
    "attendance.demo": SERVICES,
    "attendance.device_services": SERVICES,
    "attendance.errors": BASE,
    "attendance.filters": INTERFACE,
    "attendance.history": INTERFACE,
    "attendance.instructor_attendance_services": SERVICES,
    "attendance.job_services": SERVICES,
    "attendance.live": SERVICES,
    "attendance.management": BASE,
    "attendance.management.commands": BASE,
    "attendance.management.commands.flush_expired_tokens_nightly": INTERFACE,
    "attendance.management.commands.generate_instructor_attendance_weekly": INTERFACE,
    "attendance.management.commands.mark_absent_daily": INTERFACE,
    "attendance.models": MODELS,
    "attendance.models_marks": MODELS,
    "attendance.models_staff": MODELS,
    "attendance.permissions": INTERFACE,
    "attendance.rating_selectors": SELECTORS,
    "attendance.rating_serializers": INTERFACE,
    "attendance.rating_services": SERVICES,
    "attendance.roster": SERVICES,
    "attendance.roster_serializers": INTERFACE,
    "attendance.routing": INTERFACE,
    "attendance.rules": BASE,
    "attendance.selectors": SELECTORS,
    "attendance.serializers": INTERFACE,
    "attendance.shift_services": SERVICES,
    "attendance.submission": SERVICES,
    "attendance.submission_records": SERVICES,
    "attendance.submission_serializers": INTERFACE,
    "attendance.submission_write": SERVICES,
    "attendance.views": INTERFACE,
    "attendance.views_lectures": INTERFACE,
    "attendance.views_ratings": INTERFACE,
    "attendance.views_ws": INTERFACE,
    # enrollments_payments
    "enrollments_payments": BASE,
    "enrollments_payments.admin": INTERFACE,
    "enrollments_payments.admin_forms": INTERFACE,
    "enrollments_payments.admin_import": INTERFACE,
    "enrollments_payments.admin_reports": INTERFACE,
    "enrollments_payments.apps": INTERFACE,
    "enrollments_payments.cron": SERVICES,
    "enrollments_payments.dashboard": INTERFACE,
    "enrollments_payments.dashboard_serializers": INTERFACE,
    "enrollments_payments.demo": SERVICES,
    "enrollments_payments.exports": BASE,
    "enrollments_payments.filters": INTERFACE,
    "enrollments_payments.import_services": SERVICES,
    "enrollments_payments.finance": SELECTORS,
    "enrollments_payments.management": BASE,
    "enrollments_payments.management.commands": BASE,
    "enrollments_payments.management.commands.complete_enrollments": INTERFACE,
    "enrollments_payments.management.commands.end_online_access": INTERFACE,
    "enrollments_payments.management.commands.expire_enrollment_requests": INTERFACE,
    "enrollments_payments.management.commands.seed_demo": INTERFACE,
    "enrollments_payments.models": MODELS,
    "enrollments_payments.offerings": SERVICES,
    "enrollments_payments.payment_services": SERVICES,
    "enrollments_payments.report_tables": BASE,
    "enrollments_payments.reports": SELECTORS,
    "enrollments_payments.rules": BASE,
    "enrollments_payments.selectors": SELECTORS,
    "enrollments_payments.serializers": INTERFACE,
    "enrollments_payments.services": SERVICES,
    "enrollments_payments.templatetags": BASE,
    "enrollments_payments.templatetags.center_dashboard": INTERFACE,
    "enrollments_payments.views": INTERFACE,
    "enrollments_payments.views_reports": INTERFACE,
    # online_courses: recorded lessons, their files and progress, access (§6.10).
    "online_courses": BASE,
    "online_courses.admin": INTERFACE,
    "online_courses.apps": INTERFACE,
    "online_courses.demo": SERVICES,
    "online_courses.errors": BASE,
    "online_courses.file_services": SERVICES,
    "online_courses.filters": INTERFACE,
    "online_courses.models": MODELS,
    "online_courses.permissions": INTERFACE,
    "online_courses.playback": BASE,
    "online_courses.progress": SERVICES,
    "online_courses.lesson_services": SERVICES,
    "online_courses.rules": BASE,
    "online_courses.selectors": SELECTORS,
    # landing: what the public landing page features, and in which order (§6.11).
    "landing": BASE,
    "landing.admin": INTERFACE,
    "landing.apps": INTERFACE,
    "landing.demo": SERVICES,
    "landing.models": MODELS,
    "landing.selectors": SELECTORS,
    "landing.serializers": INTERFACE,
    "landing.services": SERVICES,
    "landing.views": INTERFACE,
    "online_courses.serializers": INTERFACE,
    "online_courses.services": SERVICES,
    "online_courses.views": INTERFACE,
    "online_courses.views_files": INTERFACE,
    # the project package
    "Redwan_courses_center": BASE,
    "Redwan_courses_center.api_router": INTERFACE,
    "Redwan_courses_center.asgi": INTERFACE,
    "Redwan_courses_center.settings": INTERFACE,
    "Redwan_courses_center.settings_test": INTERFACE,
    "Redwan_courses_center.urls": INTERFACE,
    "Redwan_courses_center.wsgi": INTERFACE,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, *, top_level_only: bool) -> set[str]:
    """Absolute names this module imports at run time (``TYPE_CHECKING`` blocks skipped)."""
    found: set[str] = set()
    package = module.rsplit(".", 1)[0] if "." in module else module

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(ast.Module(body=[sub], type_ignores=[]), nested)
                continue
            if isinstance(child, ast.Import) and not (nested and top_level_only):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and not (nested and top_level_only):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, inner)

    visit(tree, False)
    return found


def _resolve(name: str, known: set[str]) -> str | None:
    """The project module an imported name lives in (its longest known prefix)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def _sources():
    for path in product_sources():
        yield _module_name(path), ast.parse(path.read_text(encoding="utf-8"))


def _edges(modules, *, top_level_only: bool) -> dict[str, set[str]]:
    """Module → the project modules it imports (itself left out)."""
    known = {module for module, _ in modules}
    graph = {}
    for module, tree in modules:
        targets = {
            _resolve(n, known) for n in _imports(tree, module, top_level_only=top_level_only)
        }
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles = []
    state: dict[str, int] = {}

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    return cycles


def _app(module: str) -> str:
    return module.split(".")[0]


def upward_imports(graph: dict[str, set[str]], layers: dict[str, str]) -> list[tuple]:
    """(module, its layer, imported module, that one's layer) for each import of a higher
    layer."""
    rank = {name: i for i, name in enumerate(ORDER)}
    return [
        (module, layers[module], target, layers[target])
        for module in sorted(graph)
        for target in sorted(graph[module])
        if rank[layers[target]] > rank[layers[module]]
    ]


def app_cycles_per_layer(graph: dict[str, set[str]], layers: dict[str, str]) -> dict:
    """For each layer, the cycles between apps made by imports within that layer."""
    found = {}
    for layer in ORDER:
        apps: dict[str, set[str]] = {}
        for module, targets in graph.items():
            if layers[module] != layer:
                continue
            for target in targets:
                if layers[target] == layer and _app(target) != _app(module):
                    apps.setdefault(_app(module), set()).add(_app(target))
        cycles = _cycles(apps)
        if cycles:
            found[layer] = cycles
    return found


class LayerTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = list(_sources())
        cls.graph = _edges(cls.modules, top_level_only=False)

    def test_every_module_is_classified(self):
        names = {module for module, _ in self.modules}
        self.assertEqual(sorted(names - set(LAYERS)), [], "modules missing from LAYERS")
        self.assertEqual(sorted(set(LAYERS) - names), [], "LAYERS rows without a module")
        self.assertEqual({layer for layer in LAYERS.values()} - set(ORDER), set())

    def test_no_module_imports_a_higher_layer(self):
        self.assertEqual(upward_imports(self.graph, LAYERS), [])

    def test_no_cycle_between_apps_within_a_layer(self):
        self.assertEqual(app_cycles_per_layer(self.graph, LAYERS), {})

    def test_no_cycle_of_top_level_imports(self):
        self.assertEqual(_cycles(_edges(self.modules, top_level_only=True)), [])


class CheckerTests(SimpleTestCase):
    """The checker itself refuses what it must."""

    def test_an_import_inside_a_function_counts_and_type_checking_does_not(self):
        tree = ast.parse("def handle():\n    from courses.demo import seed_courses\n")
        self.assertIn("courses.demo", _imports(tree, "users.x", top_level_only=False))
        self.assertNotIn("courses.demo", _imports(tree, "users.x", top_level_only=True))
        hidden = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n import courses\n")
        self.assertNotIn("courses", _imports(hidden, "attendance.roster", top_level_only=False))

    def test_a_name_resolves_to_the_module_that_holds_it(self):
        known = {"courses", "courses.models"}
        self.assertEqual(_resolve("courses.models.Lecture", known), "courses.models")
        self.assertEqual(_resolve("courses.rules", known), "courses")
        self.assertIsNone(_resolve("django.db", known))

    def test_a_model_reading_a_selector_is_refused(self):
        graph = {"users.models": {"courses.selectors"}, "courses.selectors": set()}
        layers = {"users.models": MODELS, "courses.selectors": SELECTORS}
        self.assertEqual(
            upward_imports(graph, layers),
            [("users.models", MODELS, "courses.selectors", SELECTORS)],
        )

    def test_services_calling_each_other_both_ways_are_refused(self):
        graph = {
            "courses.services": {"attendance.roster", "enrollments_payments.models"},
            "attendance.roster": {"courses.generation"},
            "courses.generation": set(),
            "enrollments_payments.models": {"courses.models"},
            "courses.models": set(),
        }
        layers = {
            "courses.services": SERVICES,
            "attendance.roster": SERVICES,
            "courses.generation": SERVICES,
            "courses.image_services": SERVICES,
            "enrollments_payments.models": MODELS,
            "enrollments_payments.offerings": SERVICES,
            "courses.models": MODELS,
        }
        self.assertEqual(
            app_cycles_per_layer(graph, layers),
            {SERVICES: [["attendance", "courses", "attendance"]]},
        )
        # Reading another app's models is no cycle, whichever way the models point.
        graph["attendance.roster"] = {"courses.models"}
        self.assertEqual(app_cycles_per_layer(graph, layers), {})

    def test_a_cycle_of_top_level_imports_is_found(self):
        self.assertEqual(
            _cycles({"a.x": {"a.y"}, "a.y": {"a.x"}}),
            [["a.x", "a.y", "a.x"]],
        )

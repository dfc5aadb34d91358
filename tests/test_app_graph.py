"""The app graph stays one-directional: core ← notifications ← users ← courses ←
attendance ← enrollments_payments, read from the source with ``ast`` (no import needed).

- A model, service, selector or command imports only its own app and apps below it. The
  one sanctioned way up is the roster hook: ``courses`` calls ``attendance.roster`` when
  lectures appear or go away (the roster itself never imports ``courses`` at run time).
- Views, serializers and the admin are the interface layer and may call any app's
  services — except that ``core`` and ``users`` never import an app above them at all,
  and ``attendance`` never imports ``enrollments_payments`` (the enrollment services call
  the roster, never the other way round).
- No module imports itself back through a chain of top-level imports.
Tests and migrations are not part of the graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
RANK = {
    "core": 0,
    "notifications": 1,
    "users": 2,
    "courses": 3,
    "attendance": 4,
    "enrollments_payments": 5,
}
ALLOWED_UPWARD = {("courses", "attendance.roster")}
INTERFACE = ("views", "admin", "serializers", "urls", "filters", "consumers", "routing", "schema")
NEVER_UP = {"core", "users"}


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


def _sources():
    for app in RANK:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).parts
            if "tests" in rel or "migrations" in rel or path.name.startswith("test"):
                continue
            module = _module_name(path)
            yield app, module, ast.parse(path.read_text(encoding="utf-8"))


class AppGraphTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = list(_sources())

    def upward_imports(self):
        for app, module, tree in self.modules:
            interface = module.split(".")[-1].startswith(INTERFACE)
            for name in sorted(_imports(tree, module, top_level_only=False)):
                target = name.split(".")[0]
                if target not in RANK or RANK[target] <= RANK[app]:
                    continue
                if any(
                    app == a and (name == t or name.startswith(f"{t}.")) for a, t in ALLOWED_UPWARD
                ):
                    continue
                if (app, target) == ("attendance", "enrollments_payments"):
                    yield module, name
                elif app in NEVER_UP or not interface:
                    yield module, name

    def test_no_module_imports_an_app_above_its_own(self):
        self.assertEqual(list(self.upward_imports()), [])

    def test_no_cycle_of_top_level_imports(self):
        graph = {
            module: {
                name
                for name in _imports(tree, module, top_level_only=True)
                if name.split(".")[0] in RANK
            }
            for _, module, tree in self.modules
        }
        known = set(graph)
        graph = {m: {n for n in names if n in known and n != m} for m, names in graph.items()}
        cycles = []
        state: dict[str, int] = {}

        def walk(module: str, stack: list[str]) -> None:
            state[module] = 1
            for nxt in sorted(graph[module]):
                if state.get(nxt) == 1:
                    cycles.append([*stack[stack.index(nxt) :], nxt])
                elif nxt not in state:
                    walk(nxt, [*stack, nxt])
            state[module] = 2

        for module in sorted(graph):
            if module not in state:
                walk(module, [module])
        self.assertEqual(cycles, [])

    def test_the_checker_sees_what_it_must_refuse(self):
        # users importing courses inside a function (how seed_demo once did it) is caught.
        tree = ast.parse("def handle():\n    from courses.demo import seed_courses\n")
        self.assertIn("courses.demo", _imports(tree, "users.x", top_level_only=False))
        hidden = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n import courses\n")
        self.assertNotIn("courses", _imports(hidden, "attendance.roster", top_level_only=False))
        self.modules.append(("users", "users.demo_extra", tree))
        try:
            self.assertIn(("users.demo_extra", "courses.demo"), list(self.upward_imports()))
        finally:
            self.modules.pop()

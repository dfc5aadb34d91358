"""The documentation keeps up with the code.

- Every error ``code`` the API can answer is in the error table of docs/api.md: the codes
  are read from the product's source (domain errors, the bodies the exception handler and
  the error views build, the ``code=`` of the authentication errors raised) and from the
  DRF and simplejwt exceptions the one handler passes through with their ``default_code``.
- Every environment variable the settings read is in ``.env.example`` and in
  docs/configuration.md.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import re
from pathlib import Path

import rest_framework.exceptions as drf_exceptions
import rest_framework_simplejwt.exceptions as jwt_exceptions
from django.conf import settings
from django.test import SimpleTestCase
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = (
    "core",
    "users",
    "notifications",
    "courses",
    "attendance",
    "enrollments_payments",
    "files",
    "memories",
    "online_courses",
    "Redwan_courses_center",
)
# Exceptions whose ``code=`` never reaches the body's top-level ``code``: the handler
# answers every validation error with ``"code": "invalid"`` and the field messages.
VALIDATION_ERRORS = {"ValidationError"}


def product_modules() -> list[Path]:
    modules = []
    for package in PRODUCT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name.startswith("test"):
                continue
            modules.append(path)
    return modules


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def domain_error_classes(trees: list[ast.Module]) -> set[str]:
    """DomainError and every class that inherits from it, wherever it is declared."""
    classes = {"DomainError"}
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in classes
                    and any(_name(base) in classes for base in node.bases)
                ):
                    classes.add(node.name)
                    grew = True
    return classes


@functools.cache
def product_trees() -> tuple[ast.Module, ...]:
    return tuple(ast.parse(path.read_text(encoding="utf-8")) for path in product_modules())


def codes_in_source(sources: dict[str, str]) -> dict[str, str]:
    """Each error code the given source can answer, with the file that names it."""
    trees = {path: ast.parse(text, filename=path) for path, text in sources.items()}
    # The product's domain errors, and any the given source declares.
    domain_errors = domain_error_classes([*product_trees(), *trees.values()])
    raised_calls = {
        id(node.exc)
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
    }
    found: dict[str, str] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = _name(node.func)
                # Conflict("course_full", _("…")) and every other domain error.
                if callee in domain_errors and node.args and _string(node.args[0]):
                    found.setdefault(_string(node.args[0]), path)
                # raise AuthenticationFailed(_("…"), code="password_changed")
                if id(node) in raised_calls and callee not in VALIDATION_ERRORS:
                    for keyword in node.keywords:
                        if keyword.arg == "code" and _string(keyword.value):
                            found.setdefault(_string(keyword.value), path)
            # {"code": "database_unavailable", "detail": …}: bodies built by hand.
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if _string(key) == "code" and _string(value):
                        found.setdefault(_string(value), path)
            # class SomeError(APIException): default_code = "…", and a permission's
            # class DenyAll(BasePermission): code = "…" (DRF answers 403 with it).
            elif isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and _string(statement.value):
                        if any(
                            _name(target) in {"code", "default_code", "fixed_code"}
                            for target in statement.targets
                        ):
                            found.setdefault(_string(statement.value), path)
    return found


def codes_of_library_exceptions() -> dict[str, str]:
    """The ``default_code`` of every DRF and simplejwt API exception: the handler keeps
    DRF's answer for them and adds that code."""
    found = {}
    for module in (drf_exceptions, jwt_exceptions):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, drf_exceptions.APIException)
                and value is not drf_exceptions.APIException  # a base, never raised
                and value.__module__ == module.__name__
            ):
                found.setdefault(value.default_code, module.__name__)
    # DRF's ValidationError defaults to "invalid", which is what the handler answers too.
    return found


def codes_of_authentication_classes() -> dict[str, str]:
    """What the configured authentication classes raise with a ``code=`` of their own,
    library code included (simplejwt's ``bad_authorization_header``, ``user_inactive``)."""
    sources = {}
    for path in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]:
        for cls in import_string(path).__mro__:
            if cls.__module__.startswith("rest_framework_simplejwt"):
                source = inspect.getsourcefile(cls)
                sources[cls.__module__] = Path(source).read_text(encoding="utf-8")
    return codes_in_source(sources)


def documented_error_codes(markdown: str) -> set[str]:
    """The codes in the second column of the tables under docs/api.md's "Error codes"."""
    section = re.split(r"^## Error codes\s*$", markdown, maxsplit=1, flags=re.MULTILINE)
    if len(section) < 2:
        return set()
    body = re.split(r"^## ", section[1], maxsplit=1, flags=re.MULTILINE)[0]
    codes = set()
    for line in body.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and len(cells) >= 3:
            codes.update(re.findall(r"`([a-z][a-z0-9_]*)`", cells[1]))
    return codes


def settings_variables(source: str) -> set[str]:
    """Names the settings module reads from the environment: ``env.<kind>("NAME", …)``,
    ``env("NAME")`` and ``"NAME" in env``."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and _string(node.args[0]):
            func = node.func
            if (isinstance(func, ast.Attribute) and _name(func.value) == "env") or (
                isinstance(func, ast.Name) and func.id == "env"
            ):
                names.add(_string(node.args[0]))
        elif isinstance(node, ast.Compare) and _string(node.left):
            if any(isinstance(op, ast.In) for op in node.ops) and any(
                _name(c) == "env" for c in node.comparators
            ):
                names.add(_string(node.left))
    return names


def env_example_variables(text: str) -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def configuration_doc_variables(text: str) -> set[str]:
    return set(re.findall(r"`([A-Z][A-Z0-9_]*)`", text))


class ErrorTableTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sources = {
            str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for path in product_modules()
        }
        cls.raised = {
            **codes_of_library_exceptions(),
            **codes_of_authentication_classes(),
            **codes_in_source(sources),
        }
        cls.documented = documented_error_codes(
            (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
        )

    def test_the_collector_finds_the_codes_of_each_kind_of_source(self):
        # Guards the collector itself: one code of each way the product names one.
        for code in (
            "course_full",  # a domain error
            "primary_parent_repeated",  # a domain error
            "password_changed",  # raise AuthenticationFailed(..., code=...)
            "database_unavailable",  # a body built by the exception handler
            "server_error",  # the JSON error view
            "token_not_valid",  # simplejwt's default_code
            "method_not_allowed",  # DRF's default_code
            "action_not_declared",  # a permission class's code
            "user_inactive",  # simplejwt's authentication class
        ):
            self.assertIn(code, self.raised)

    def test_every_code_the_api_answers_is_in_the_error_table(self):
        missing = {
            code: where for code, where in self.raised.items() if code not in self.documented
        }
        self.assertEqual(missing, {}, "codes missing from docs/api.md's error table")

    def test_every_code_in_the_table_is_one_the_api_answers(self):
        # A row left behind by a code that went away misleads a client's switch.
        self.assertEqual(sorted(self.documented - set(self.raised)), [])

    def test_a_code_missing_from_the_table_is_reported(self):
        sources = {"x.py": 'from core.errors import Conflict\nConflict("brand_new_code", "")\n'}
        self.assertEqual(codes_in_source(sources), {"brand_new_code": "x.py"})
        self.assertNotIn("brand_new_code", self.documented)

    def test_the_table_reader_reads_the_code_column_only(self):
        markdown = (
            "## Error codes\n\n| status | code | when |\n|---|---|---|\n"
            "| 409 | `course_full`, `lecture_cancelled` | not `invalid` here |\n\n## Next\n"
            "| 400 | `elsewhere` | x |\n"
        )
        self.assertEqual(documented_error_codes(markdown), {"course_full", "lecture_cancelled"})


class ConfigurationDocsTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        settings = ROOT / "Redwan_courses_center" / "settings.py"
        cls.read = settings_variables(settings.read_text(encoding="utf-8"))

    def test_the_settings_reader_finds_every_way_of_reading(self):
        source = 'A = env.int("ONE", default=1)\nB = env("TWO")\nif "THREE" in env:\n    pass\n'
        self.assertEqual(settings_variables(source), {"ONE", "TWO", "THREE"})
        self.assertTrue({"DEBUG", "CONN_MAX_AGE", "SQLITE_PATH", "NUM_PROXIES"} <= self.read)

    def test_every_settings_variable_is_in_env_example(self):
        named = env_example_variables((ROOT / ".env.example").read_text(encoding="utf-8"))
        self.assertEqual(sorted(self.read - named), [])

    def test_every_settings_variable_is_in_the_configuration_guide(self):
        text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
        self.assertEqual(sorted(self.read - configuration_doc_variables(text)), [])


def _demo_logins() -> dict[str, str]:
    """users/demo.py's constants, read the way the fuzzer and the browser check read them."""
    spec = importlib.util.spec_from_file_location(
        "demo_logins", ROOT / "scripts" / "demo_logins.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.demo_logins()


class ReadmeTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.readme = (ROOT / "README.md").read_text(encoding="utf-8")

    def test_the_demo_logins_are_the_seeded_accounts(self):
        demo = _demo_logins()
        section = self.readme.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
        phones = re.findall(r"^\| [^|]+\| `(\+20\d{10})`", section, flags=re.MULTILINE)
        seeded = {value for name, value in demo.items() if name.endswith("_PHONE")}
        self.assertEqual(sorted(phones), sorted(seeded))
        self.assertIn(f"`{demo['DEMO_PASSWORD']}`", section)

    def test_it_stays_short_enough_for_a_newcomer(self):
        self.assertLessEqual(len(self.readme.splitlines()), 250)

    def test_every_relative_link_of_the_docs_resolves(self):
        broken = []
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
            text = path.read_text(encoding="utf-8")
            for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
                resolved = (path.parent / target).resolve()
                # benchmarks/README.md is written alongside; every other target must exist.
                if not resolved.exists() and resolved != ROOT / "benchmarks" / "README.md":
                    broken.append(f"{path.relative_to(ROOT)} → {target}")
        self.assertEqual(broken, [])

    def test_the_docs_describe_the_product_as_it_is(self):
        # No logbook: the docs say what exists, not what changed or what is to come.
        history = re.compile(
            r"issue #?\d|\bused to\b|since that run|do not exist today|arrives with|not built yet",
            flags=re.IGNORECASE,
        )
        found = [
            f"{path.relative_to(ROOT)}: {match.group(0)}"
            for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
            for match in history.finditer(path.read_text(encoding="utf-8"))
        ]
        self.assertEqual(found, [])

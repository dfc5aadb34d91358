"""The error ``code`` values an operation can answer, read from the code that runs it.

A typed client switches on ``code``; the schema lists, per operation and status, the codes
that operation can answer (an ``enum`` on its error body). The list is not kept by hand: it
is read from the source of the view's handler and of everything it calls in the project —
services, selectors, serializers, error factories — by walking their syntax trees:

- ``Invalid("course_full", …)`` (any ``DomainError``), called or returned by a factory,
  gives its literal code and its class's status;
- DRF exceptions give their ``code=`` or their class's ``default_code``
  (``ValidationError`` answers ``invalid``: core.exceptions gives it that code);
- a call is followed when its target resolves to a function or class of the project:
  a module attribute (``services.enrollment_request_approve``), a name imported into the
  module, or ``self.…``/``super().…`` on the view or serializer class.

Every operation also answers the codes of the framework around it (:data:`FRAMEWORK_CODES`:
a malformed body, a missing token, a refused permission, a throttle) and the codes of the
JWT authentication (walked the same way, into simplejwt).

An error whose code is not a literal at the place it is made cannot be found; the schema
test refuses such a construction anywhere in the project.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
from collections.abc import Iterable
from functools import cache

from django.core import exceptions as django_exceptions
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.settings import api_settings

from core.errors import DomainError
from core.packages import app_packages

# What core.exceptions and DRF answer around any view, by status (the query parameters are
# read around every view too: filters, search, pagination).
FRAMEWORK_CODES: dict[int, tuple[str, ...]] = {
    400: ("invalid", "parse_error", "bad_request", "invalid_query_parameter"),
    401: ("not_authenticated", "authentication_failed"),
    403: ("permission_denied",),
    404: ("not_found",),
    409: ("conflict",),
    429: ("throttled",),
}

# Third-party code followed like ours: the JWT authentication's own refusals.
FOLLOWED_LIBRARIES = ("rest_framework_simplejwt",)

Code = tuple[int, str]  # (HTTP status, code)


def _followed(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    top = module.split(".")[0]
    return top in app_packages() or top in FOLLOWED_LIBRARIES


def _function(obj):
    """The plain function behind a method, staticmethod, classmethod, property or a
    decorated function; None for anything else."""
    if isinstance(obj, property):
        obj = obj.fget
    obj = getattr(obj, "__func__", obj)
    try:
        obj = inspect.unwrap(obj)
    except ValueError:
        return None
    return obj if inspect.isfunction(obj) else None


@cache
def _tree(func) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def error_code_of(cls, call: ast.Call) -> Code | None:
    """The (status, code) that constructing exception class ``cls`` with ``call``'s
    arguments answers, or None when ``cls`` is no error of the API."""
    if not inspect.isclass(cls):
        return None
    if issubclass(cls, DomainError):
        if getattr(cls, "fixed_code", None):  # an error class with one code of its own
            return (cls.status_code, cls.fixed_code)
        first = call.args[0] if call.args else None
        for keyword in call.keywords:
            if keyword.arg == "code":
                first = keyword.value
        code = _literal(first)
        return (cls.status_code, code) if code else None
    if issubclass(cls, drf_exceptions.ValidationError):
        detail = call.args[0] if call.args else None
        if isinstance(detail, ast.Dict):
            for key, value in zip(detail.keys, detail.values, strict=True):
                if _literal(key) == "code" and _literal(value):
                    return (400, _literal(value))
        return (400, "invalid")
    if issubclass(cls, drf_exceptions.APIException):
        # APIException(detail=None, code=None): the code by keyword or second.
        code = next((_literal(k.value) for k in call.keywords if k.arg == "code"), None)
        if code is None and len(call.args) > 1:
            code = _literal(call.args[1])
        return (cls.status_code, code or cls.default_code)
    if issubclass(cls, Http404):
        return (404, "not_found")
    if issubclass(cls, django_exceptions.PermissionDenied):
        return (403, "permission_denied")
    if issubclass(cls, django_exceptions.ValidationError):
        return (400, "invalid")
    return None


class _Resolver:
    """Names of one function's body → objects, through its globals and its class."""

    def __init__(self, func, owner) -> None:
        self.globals = func.__globals__
        self.owner = owner
        self.defining = None
        if owner is not None:
            self.defining = next(
                (c for c in owner.__mro__ if _function(c.__dict__.get(func.__name__)) is func),
                None,
            )

    def resolve(self, node):
        if isinstance(node, ast.Name):
            if node.id in ("self", "cls"):
                return self.owner
            if node.id in self.globals:
                return self.globals[node.id]
            return getattr(builtins, node.id, None)
        if isinstance(node, ast.Attribute):
            if self._is_super(node.value):
                return self._super_attribute(node.attr)
            base = self.resolve(node.value)
            if base is None:
                return None
            try:
                return getattr(base, node.attr, None)
            except Exception:  # noqa: BLE001 - a descriptor that needs an instance
                return None
        return None

    @staticmethod
    def _is_super(node) -> bool:
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "super"
        )

    def _super_attribute(self, name: str):
        if self.owner is None or self.defining is None:
            return None
        mro = self.owner.__mro__
        for cls in mro[mro.index(self.defining) + 1 :]:
            if name in cls.__dict__:
                return cls.__dict__[name]
        return None


# (function, owner) → its codes, for the life of the process (the code does not change
# under it). A function met again inside its own call cycle answers nothing the second
# time; what the cycle raises is found on the first pass.
_memo: dict = {}


def codes_of(func, owner=None) -> frozenset[Code]:
    """Every (status, code) ``func`` and what it calls in the project can answer;
    ``owner`` is the class ``self`` stands for."""
    return _codes_of(_function(func), owner, frozenset())


def _codes_of(func, owner, visiting: frozenset) -> frozenset[Code]:
    key = (func, owner)
    if func is None or key in visiting:
        return frozenset()
    if key in _memo:
        return _memo[key]
    tree = _tree(func)
    if tree is None:
        return frozenset()
    visiting = visiting | {key}
    resolver = _Resolver(func, owner)
    found: set[Code] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found |= _call_codes(node, resolver, owner, visiting)
        elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
            found |= _reference_codes(node, resolver, owner, visiting)
    _memo[key] = frozenset(found)
    return _memo[key]


def _call_codes(node: ast.Call, resolver: _Resolver, owner, visiting) -> frozenset[Code]:
    target = resolver.resolve(node.func)
    if target is None:
        return frozenset()
    code = error_code_of(target, node)
    if code is not None:
        return frozenset([code])
    if not (_followed(target) or _framework_method(node.func, target)):
        return frozenset()
    if inspect.isclass(target):
        return class_codes(target, visiting)
    callee = _function(target)
    if callee is None:
        return frozenset()
    return _codes_of(callee, _callee_owner(node.func, resolver, owner), visiting)


def _reference_codes(node, resolver: _Resolver, owner, visiting) -> frozenset[Code]:
    """A project function named without being called here (``write = write_marks_pg if …
    else write_marks_portable``, a callback) is called somewhere on this path: follow it."""
    if isinstance(node, ast.Name) and node.id in ("self", "cls"):
        return frozenset()
    target = resolver.resolve(node)
    if target is None or inspect.isclass(target) or not _followed(target):
        return frozenset()
    callee = _function(target)
    if callee is None:
        return frozenset()
    return _codes_of(callee, _callee_owner(node, resolver, owner), visiting)


def _framework_method(node, target) -> bool:
    """``self.update()`` of a view is DRF's mixin, which calls the view's own
    ``perform_update()``: a DRF method reached through ``self`` is followed too."""
    module = getattr(target, "__module__", None) or ""
    return _starts_with_self(node) and module.split(".")[0] == "rest_framework"


def _starts_with_self(node) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _callee_owner(node, resolver: _Resolver, owner):
    """``self.x()`` keeps the class ``self`` stands for; ``SomeClass.x()`` walks ``x``
    with ``SomeClass``; a plain function has none."""
    if not isinstance(node, ast.Attribute):
        return None
    if _Resolver._is_super(node.value):
        return owner
    base = resolver.resolve(node.value)
    return base if inspect.isclass(base) else None


def class_codes(cls, visiting: frozenset = frozenset()) -> frozenset[Code]:
    """The codes of every method the project defines on ``cls`` and its bases (a
    serializer's validation and ``create``, a dataclass's ``__post_init__``)."""
    found: set[Code] = set()
    for klass in cls.__mro__:
        if not _followed(klass):
            continue
        for value in list(klass.__dict__.values()):
            method = _function(value)
            if method is not None and _followed(method):
                found |= _codes_of(method, cls, visiting)
    return frozenset(found)


@cache
def authentication_codes() -> frozenset[Code]:
    """What the API's authentication classes refuse with (into simplejwt)."""
    found: set[Code] = set()
    for auth_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        found |= codes_of(auth_class.authenticate, auth_class)
    return frozenset(found)


def domain_codes(
    view_class, handlers: Iterable, serializers: Iterable[type] = ()
) -> dict[int, set[str]]:
    """Status → codes of one operation's own code path: its handlers on ``view_class``
    (the action, and ``initial``: the permission and throttle checks), the serializer
    classes it reads and the view's own authentication classes."""
    found: set[Code] = set()
    for handler in handlers:
        if handler is not None:
            found |= codes_of(handler, view_class)
    for serializer_class in serializers:
        found |= class_codes(serializer_class)
    for auth_class in getattr(view_class, "authentication_classes", ()):
        if auth_class not in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
            found |= codes_of(auth_class.authenticate, auth_class)
    by_status: dict[int, set[str]] = {}
    for status, code in found:
        by_status.setdefault(status, set()).add(code)
    return by_status


def operation_codes(
    view_class, handlers: Iterable, serializers: Iterable[type] = ()
) -> dict[int, set[str]]:
    """Status → every code one operation can answer: its own, the authentication's and
    the framework's."""
    by_status = {status: set(codes) for status, codes in FRAMEWORK_CODES.items()}
    for status, code in authentication_codes():
        by_status.setdefault(status, set()).add(code)
    for status, codes in domain_codes(view_class, handlers, serializers).items():
        by_status.setdefault(status, set()).update(codes)
    return by_status

"""Test helpers shared by every app: skips for the tests that need real services."""

from __future__ import annotations

import threading
import unittest
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = bool(getattr(settings, "REDIS_URL", ""))

requires_postgres = unittest.skipUnless(
    ON_POSTGRES, "needs PostgreSQL (row locks, concurrency): set DATABASE_URL"
)
requires_redis = unittest.skipUnless(ON_REDIS, "needs a Redis server: set REDIS_URL")


def run_concurrently(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread (own DB connection), released together by a barrier.

    Returns each call's result, or the exception it raised, in the order given.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # collected for the test to assert on
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert connection.vendor  # keep the main thread's connection usable
    return results


def admin_form_data(form, *, prefix: str = "") -> dict:
    """POST data that resubmits a bound-less admin form as the page showed it."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "id":
            value = form.instance.pk
        if value is None:
            continue
        key = f"{prefix}{name}"
        if isinstance(value, list | tuple | set):
            data[key] = [getattr(v, "pk", v) for v in value]
        else:
            data[key] = getattr(value, "pk", value)
    return data


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for test servers)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_json_schema(node: object, components: dict) -> object:
    """An OpenAPI 3.0 schema node as plain JSON Schema: ``$ref`` inlined, ``nullable`` as
    a ``null`` alternative (the two things jsonschema reads differently)."""
    if isinstance(node, list):
        return [_as_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _as_json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    out = {key: _as_json_schema(value, components) for key, value in node.items()}
    if out.pop("nullable", False):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def assert_matches_schema(response, *, path: str, method: str) -> None:
    """Fail unless ``response`` (a DRF test response) has the shape ``/api/schema/``
    documents for ``method path`` and its status code — what schemathesis'
    ``response_schema_conformance`` checks against a live server."""
    import jsonschema
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    responses = schema["paths"][path][method.lower()]["responses"]
    documented = responses.get(str(response.status_code))
    if documented is None:
        raise AssertionError(f"{method} {path}: {response.status_code} is not documented")
    body_schema = documented["content"]["application/json"]["schema"]
    resolved = _as_json_schema(body_schema, schema["components"]["schemas"])
    jsonschema.validate(response.json(), resolved)


def database_url() -> str:
    """This process's (test) database as a ``DATABASE_URL`` for a server started beside it."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"

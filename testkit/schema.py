"""Answers checked against the served OpenAPI schema."""

from __future__ import annotations


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

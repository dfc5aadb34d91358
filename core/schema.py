"""drf-spectacular AutoSchema that documents what the API really does, so that schema-driven
clients and fuzzers (schemathesis) find no gap between the schema and the responses:

- our error responses (400/401/403/404/409/429) on every operation (400 on a read or
  delete of one object only when it takes query parameters);
- the operations anonymous callers may use (reads of the public catalogue) as public;
- fields some callers do not get (``schema_optional_fields`` on a serializer) as optional;
- an id of another object with the endpoint it belongs to (``x-id-of``, core.schema_refs);
- times as the ``HH:MM[:SS]`` strings they are (OpenAPI's ``format: time`` is RFC 3339's
  ``full-time``, which needs an offset: ``"17:00:00"`` would not validate).
"""

from collections.abc import Iterable

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from core.permissions import ReadOnlyOrAdminOnly
from core.schema_errors import domain_codes, operation_codes
from core.schema_refs import filter_target, mark, referenced_model
from core.serializers import MONEY_PATTERN

# What DRF's TimeField reads and writes: 17:00, 17:00:00, 17:00:00.250000.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


class TimeFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "pattern": TIME_PATTERN, "example": "17:00:00"}


class MoneyFieldExtension(OpenApiSerializerFieldExtension):
    """An amount: the pattern its field checks (core.serializers.MONEY_PATTERN)."""

    target_class = "core.serializers.MoneyField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "format": "decimal",
            "pattern": MONEY_PATTERN,
            "example": "350.00",
            "description": "EGP, digits (ASCII or Arabic-Indic ٠–٩) with at most two "
            "decimals after '.' or '٫'; no sign, no exponent.",
        }


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)


_ERRORS = {
    "400": "Invalid input (field errors or a domain error code).",
    "401": "Not authenticated.",
    "403": "Authenticated but not allowed.",
    "404": "Not found, or not visible to this user.",
    "409": "Conflicts with the object's state.",
    "429": "Throttled.",
}


def error_body_schema(codes: Iterable[str]) -> dict:
    """An error answer: ``code`` one of ``codes``, a human ``detail``, and for a 400 the
    fields' messages (``{"field": ["message"]}``) or a record's ``index``/``field``."""
    return {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": sorted(codes)},
            "detail": {"type": "string"},
        },
        "additionalProperties": True,
    }


class AutoSchema(BaseAutoSchema):
    def get_auth(self):
        """drf-spectacular marks AllowAny operations as public (``{}`` among the security
        requirements); reads guarded by ReadOnlyOrAdminOnly (a course's schedule) are public too."""
        auths = super().get_auth()
        if {} not in auths and self.method in SAFE_METHODS:
            if any(isinstance(p, ReadOnlyOrAdminOnly) for p in self.view.get_permissions()):
                auths.append({})
        return auths

    def _is_list_view(self, serializer=None):
        """A ViewSet's ``list`` that answers one object (the dashboard's figures) says so
        with ``schema_one_object``."""
        if getattr(self.view, "schema_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def _map_basic_serializer(self, serializer, direction):
        """Fields a serializer names in ``schema_optional_fields`` are not always in its
        answers (an enrollment's money, hidden from instructors): not "required"."""
        schema = super()._map_basic_serializer(serializer, direction)
        optional = set(getattr(serializer, "schema_optional_fields", ()))
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """An id of another object says which (``x-id-of``, see core.schema_refs)."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            # drf-spectacular leaves out a nested list's bounds (ListField's it keeps).
            if field.min_length is not None:
                schema["minItems"] = field.min_length
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        is_list = isinstance(field, serializers.ListSerializer | serializers.ListField)
        if is_list and not field.allow_empty and schema.get("type") == "array":
            schema.setdefault("minItems", 1)  # allow_empty=False refuses []
        return mark(schema, referenced_model(field))

    def _get_filter_parameters(self):
        """A filter by another object's id (``?instructor=``) says which, like a field."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query":
                mark(parameter.get("schema"), filter_target(self.view, parameter["name"]))
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        codes = self._error_codes()
        for status, text in _ERRORS.items():
            if status in responses:
                continue
            if (
                status == "400"
                and self._refuses_nothing_as_invalid()
                and not codes["domain"].get(400)
            ):
                continue
            responses[status] = self._error_response(text, codes["all"][int(status)])
        return responses

    def _error_response(self, text: str, codes: set[str]) -> dict:
        listed = ", ".join(f"`{code}`" for code in sorted(codes))
        return {
            "description": f"{text} `code` is one of: {listed}.",
            "content": {"application/json": {"schema": error_body_schema(codes)}},
        }

    def _error_codes(self) -> dict:
        """The codes this operation can answer, read from its code (core.schema_errors):
        ``all`` by status with the framework's, ``domain`` those of its own code path."""
        view_class = type(self.view)
        handler = getattr(view_class, getattr(self.view, "action", None) or "", None)
        if handler is None:
            handler = getattr(view_class, self.method.lower(), None)
        # The body's serializer (asked only of operations with a body: drf-spectacular
        # complains about a ViewSet without one) and the view's own (DRF's mixins save it).
        body = self.get_request_serializer() if self.method in ("POST", "PUT", "PATCH") else None
        serializers_read = {
            s if isinstance(s, type) else type(s)
            for s in (body, getattr(view_class, "serializer_class", None))
            if s is not None
        }
        handlers = (handler, getattr(view_class, "initial", None))
        found = operation_codes(view_class, handlers, serializers_read)
        domain = domain_codes(view_class, handlers, serializers_read)
        # A refused permission answers its class's ``code`` (DRF's permission_denied()).
        for permission in self._permissions():
            code = getattr(permission, "code", None)
            if isinstance(code, str):
                found.setdefault(403, set()).add(code)
                domain.setdefault(403, set()).add(code)
        return {"all": found, "domain": domain}

    def _permissions(self) -> list:
        try:
            return list(self.view.get_permissions())
        except Exception:  # noqa: BLE001 - a view that needs a real request to say
            return []

    def _refuses_nothing_as_invalid(self) -> bool:
        """A read or delete of one object has no input to refuse, unless the view declares
        query parameters of its own (the reports' ``?month=``, ``?format=``)."""
        if self.method not in ("GET", "DELETE") or self._is_list_view():
            return False
        declared = self._process_override_parameters()
        return not any(location == "query" for _, location in declared)

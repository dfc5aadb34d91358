"""Model fields the project adds to Django's."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class TextJSONField(models.JSONField):
    """A ``JSONField`` kept in a PostgreSQL ``json`` column — the text as written, checked
    on the way in — instead of ``jsonb``, which parses every document into its binary form.

    For documents written once, read back whole and never searched by key: the audit
    lists of attendance submissions, 500 entries long at N = 500, where turning the text
    into jsonb took a quarter of the submission's one statement (SPEC §9,
    benchmarks/attendance.py). What ``json`` cannot do and nothing here asks of it: the
    containment and key-existence lookups (``contains``, ``has_key``) and GIN indexes.
    Other databases store it as ``JSONField`` does.
    """

    def db_type(self, connection) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        # Django hands PostgreSQL a ``Jsonb`` adapter: the text would arrive as jsonb, be
        # parsed into its binary form and cast back to json. Sent as plain text, it is only
        # checked by the json column.
        if connection.vendor != "postgresql" or value is None or hasattr(value, "as_sql"):
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        return json.dumps(value, cls=self.encoder)

    def from_db_value(self, value: Any, expression, connection) -> Any:
        # psycopg decodes json itself (Django has it hand only jsonb over as text); a
        # second json.loads would turn a JSON string that looks like JSON into something
        # else.
        if connection.vendor == "postgresql":
            return value
        return super().from_db_value(value, expression, connection)

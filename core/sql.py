"""Set-based SQL the ORM has no method for: INSERT … SELECT (… RETURNING), UPDATE …
RETURNING, and lists of values sent as one parameter (array literals, JSON arrays)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models.expressions import Expression, F
from django.db.models.sql import UpdateQuery


def insert_from_select(
    model: type[models.Model],
    columns: Mapping[str, str],
    select: models.QuerySet,
    *,
    constants: Sequence[tuple[str, object]] = (),
    skip_conflicts: bool = False,
    returning: str | None = None,
) -> int | list:
    """``INSERT INTO <model> (columns…, constant columns…) SELECT src.<alias>…, %s… FROM
    (<select>) src`` — one statement on PostgreSQL and SQLite alike, whatever the number of
    rows (``bulk_create`` would need the rows in Python, and splits them into batches of
    999 parameters on SQLite). Returns the number of rows inserted.

    ``columns`` maps each table column to the name of the ``select`` column that fills it
    (``select`` is a ``values()`` queryset, or a union of them); ``constants`` are (column, database-ready value) pairs added to
    every row. ``skip_conflicts`` adds ``ON CONFLICT DO NOTHING``: rows that would break a
    unique constraint are left out, which makes the insert a claim only one writer wins.
    ``returning`` names a column of the table: the call then returns that column of the
    rows it inserted (``RETURNING``, PostgreSQL and SQLite ≥ 3.35) instead of their number.
    Only quoted names and Django-compiled SQL are interpolated; values are parameters.
    """
    sql, params = select.query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in [*columns, *(name for name, _ in constants)])
    picked = ", ".join(f"src.{quote(alias)}" for alias in columns.values())
    placeholders = "".join(", %s" for _ in constants)
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {picked}{placeholders} FROM ({sql}) src WHERE 1 = 1"
    )
    if skip_conflicts:
        statement += " ON CONFLICT DO NOTHING"
    if returning is not None:
        statement += f" RETURNING {quote(returning)}"
    with connection.cursor() as cursor:
        cursor.execute(statement, [*(value for _, value in constants), *params])
        if returning is not None:
            return [value for (value,) in cursor.fetchall()]
        return max(cursor.rowcount, 0)


def update_returning(
    queryset: models.QuerySet, values: Mapping[str, Any], *, returning: Sequence[str] = ("id",)
) -> list[tuple]:
    """``queryset.update(**values)`` that answers with the ``returning`` columns of the
    rows it changed, a tuple a row (``UPDATE … RETURNING``, PostgreSQL and SQLite ≥ 3.35):
    one statement, compiled by Django (filters on related tables become its ``pk IN
    (SELECT …)``); only the quoted column names are added."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    try:
        statement, params = query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # a filter that matches nothing (``none()``, ``pk__in=[]``)
        return []
    if not statement:
        return []
    columns = ", ".join(connection.ops.quote_name(name) for name in returning)
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} RETURNING {columns}", params)
        return [tuple(row) for row in cursor.fetchall()]


class IdIn(Expression):
    """A filter: ``<field> = ANY(<ids>)``, the ids sent as one parameter whatever their
    number (``__in=`` with a list sends one parameter per id, beyond SQLite's limit for
    large lists): an array on PostgreSQL — a hashed lookup per row; ``IN (SELECT
    unnest(…))`` made the planner expect a few hundred ids and probe an index 100,000
    times — and a JSON array read by ``json_each`` on SQLite.

        LectureAttendance.objects.filter(IdIn("pk", ids))
    """

    conditional = True

    def __init__(self, field: str, ids: Iterable[int]) -> None:
        super().__init__(output_field=models.BooleanField())
        self.target: Any = F(field)
        self.ids = [int(pk) for pk in ids]

    def get_source_expressions(self) -> list:
        return [self.target]

    def set_source_expressions(self, expressions: Sequence) -> None:
        (self.target,) = expressions

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        column, params = compiler.compile(self.target)
        return f"{column} = ANY(%s::bigint[])", [*params, array_literal(self.ids)]

    def as_sqlite(self, compiler, connection) -> tuple[str, list]:
        column, params = compiler.compile(self.target)
        statement = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return statement, [*params, json.dumps(self.ids)]


def array_literal(values: Iterable[Any], element: Callable[[Any], str] = str) -> str:
    """A PostgreSQL array literal — ``{1,NULL,3}`` — to send as one text parameter and cast
    in the SQL (``%s::bigint[]``). psycopg adapts a list parameter element by element in
    Python; for columns of hundreds of values this is several times cheaper.

    ``element`` writes one value that is not None: ``str`` suits numbers and Decimals,
    ``boolean_element`` booleans, ``quoted_element`` any text (anything else a caller
    sends unquoted must not contain ``,{}"\\`` or blanks, nor be the word NULL)."""
    return "{" + ",".join("NULL" if value is None else element(value) for value in values) + "}"


def boolean_element(value: bool) -> str:
    return "t" if value else "f"


def quoted_element(text: str) -> str:
    """Text as an array element: in double quotes, so that commas, braces, blanks or the
    word NULL stay text; inside them only ``"`` and ``\\`` need a backslash."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

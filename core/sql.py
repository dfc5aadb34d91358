"""Set-based writes the ORM has no method for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection, models


def insert_from_select(
    model: type[models.Model],
    columns: Mapping[str, str],
    select: models.QuerySet,
    *,
    constants: Sequence[tuple[str, object]] = (),
    skip_conflicts: bool = False,
) -> int:
    """``INSERT INTO <model> (columns…, constant columns…) SELECT src.<alias>…, %s… FROM
    (<select>) src`` — one statement on PostgreSQL and SQLite alike, whatever the number of
    rows (``bulk_create`` would need the rows in Python, and splits them into batches of
    999 parameters on SQLite). Returns the number of rows inserted.

    ``columns`` maps each table column to the name of the ``select`` column that fills it
    (``select`` is a ``values()`` queryset, or a union of them); ``constants`` are (column, database-ready value) pairs added to
    every row. ``skip_conflicts`` adds ``ON CONFLICT DO NOTHING``: rows that would break a
    unique constraint are left out, which makes the insert a claim only one writer wins.
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
    with connection.cursor() as cursor:
        cursor.execute(statement, [*(value for _, value in constants), *params])
        return max(cursor.rowcount, 0)

"""A free slug for a row of a table whose ``slug`` is unique (courses, online courses)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.text import slugify


def unique_slug(rows: QuerySet, base: str, *, fallback: str, exclude_pk: int | None = None) -> str:
    """``base`` slugified (letters of any script kept), or ``fallback`` when nothing is
    left, with ``-2``, ``-3``… added until no other row of ``rows`` has it. One query."""
    root = slugify(base, allow_unicode=True)[:200] or fallback
    taken = set(
        rows.filter(slug__startswith=root).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    slug, n = root, 2
    while slug in taken:
        slug, n = f"{root}-{n}", n + 1
    return slug

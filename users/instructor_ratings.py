"""Instructors' rating averages — stored above ``users`` (``attendance``), shown here.

The public instructors list shows ``rating_average`` and ``rating_count``, but the ratings
table belongs to ``attendance``, which ``users`` may not import. As with
``users.participation``, the app that owns the data registers a provider when the app
registry is ready; until then every instructor has no ratings. The provider annotates a
queryset (subqueries), so a page of instructors stays one query.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import DecimalField, IntegerField, QuerySet, Value


class InstructorRatingsProvider(Protocol):
    def annotate_ratings(self, queryset: QuerySet) -> QuerySet:
        """Add ``rating_average`` (decimal or null) and ``rating_count`` (int)."""


class NoRatings:
    def annotate_ratings(self, queryset: QuerySet) -> QuerySet:
        return queryset.annotate(
            rating_average=Value(None, output_field=DecimalField(max_digits=4, decimal_places=2)),
            rating_count=Value(0, output_field=IntegerField()),
        )


_provider: InstructorRatingsProvider = NoRatings()


def register_instructor_ratings(provider: InstructorRatingsProvider) -> None:
    """Called once by ``attendance`` when the app registry is ready."""
    global _provider
    _provider = provider


def with_ratings(queryset: QuerySet) -> QuerySet:
    return _provider.annotate_ratings(queryset)

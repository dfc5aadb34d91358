"""The query-string filter backend of every list and detail view."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from core.query import InvalidQueryParameter, query_bool


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, stepping aside when the query string names no filter.

    A FilterSet is built per request — filters deep-copied, a form class made and
    validated — a good share of a small request's CPU time (issue #12), and DRF runs it on
    detail requests too. With no filter named in the query string every filter is empty,
    and an empty filter leaves the queryset as it is, so the result is the same without it.
    A FilterSet with a required filter is always built (its missing value is a 400).

    A query parameter names a filter when it is the filter's name or starts with the name
    and ``_`` (range widgets read ``<name>_min``, ``<name>_after`` …; a false match only
    costs the normal path).
    """

    def filter_queryset(self, request, queryset, view):
        names = self._filter_names(view)
        if names is not None and not any(
            key == name or key.startswith(f"{name}_")
            for key in request.query_params
            for name in names
        ):
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        _check_booleans(filterset, request.query_params)
        if not filterset.is_valid():
            # One code for every bad query parameter (core.query), each named with its
            # messages as DRF names a body's fields.
            errors = {name: list(messages) for name, messages in filterset.errors.items()}
            name, messages = next(iter(errors.items()))
            raise InvalidQueryParameter(name, messages[0], errors=errors)
        return filterset.qs

    @staticmethod
    def _filter_names(view) -> list[str] | None:
        """The view's filter names, or None when the FilterSet must be built anyway."""
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            filters = filterset_class.base_filters
            if any(f.extra.get("required") for f in filters.values()):
                return None
            return list(filters)
        fields = getattr(view, "filterset_fields", None) or []
        # A list of field names, or a dict of field name → lookups (``<name>__<lookup>``).
        return list(fields)


def _check_booleans(filterset, params) -> None:
    """django-filter reads a boolean it does not know (``?present=maybe``) as "no filter":
    the client would get every row and believe it filtered. Refuse it instead."""
    for name, filter_ in filterset.filters.items():
        if isinstance(filter_, django_filters.BooleanFilter) and name in params:
            query_bool(params, name)


class SearchFilter(filters.SearchFilter):
    """DRF's ``?search=``, its refusals (a NUL character) under the one query-parameter code."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise InvalidQueryParameter(self.search_param, exc.detail[0]) from None

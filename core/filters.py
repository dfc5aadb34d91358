"""The query-string filter backend of every list and detail view."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend


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
        return super().filter_queryset(request, queryset, view)

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

"""core.filters.FilterBackend: django-filter's backend, built only when a filter is named."""

from __future__ import annotations

from django.test import SimpleTestCase
from django_filters import rest_framework as filters
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.filters import FilterBackend
from core.query import InvalidQueryParameter
from courses.models import Lecture


class CountingFilterSet(filters.FilterSet):
    built = 0
    course = filters.NumberFilter(field_name="course_id")
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte")
    when = filters.DateFromToRangeFilter(field_name="date")  # reads when_after / when_before

    def __init__(self, *args, **kwargs):
        type(self).built += 1
        super().__init__(*args, **kwargs)


class RequiredFilterSet(CountingFilterSet):
    status = filters.CharFilter(required=True)


class View:
    def __init__(self, filterset_class=None, filterset_fields=None):
        self.filterset_class = filterset_class
        self.filterset_fields = filterset_fields


def filtered(query: str, view: View):
    request = Request(APIRequestFactory().get(f"/api/lectures/{query}"))
    return FilterBackend().filter_queryset(request, Lecture.objects.all(), view)


class FilterBackendTests(SimpleTestCase):
    def setUp(self):
        CountingFilterSet.built = 0

    def test_no_filter_named_leaves_the_queryset_and_builds_nothing(self):
        queryset = Lecture.objects.all()
        request = Request(APIRequestFactory().get("/api/lectures/?page=2&page_size=5&x=1"))

        result = FilterBackend().filter_queryset(request, queryset, View(CountingFilterSet))

        self.assertIs(result, queryset)
        self.assertEqual(CountingFilterSet.built, 0)

    def test_a_named_filter_filters_as_django_filter_does(self):
        for query, where in [
            ("?course=3", '"course_id" = 3'),
            ("?date_after=2026-11-01", '"date" >= 2026-11-01'),
            ("?when_after=2026-11-01", '"date" >= 2026-11-01'),
        ]:
            with self.subTest(query=query):
                sql = str(filtered(query, View(CountingFilterSet)).query)

                self.assertIn(where, sql)

    def test_a_bad_value_of_a_named_filter_is_still_refused(self):
        with self.assertRaises(InvalidQueryParameter):
            filtered("?course=abc", View(CountingFilterSet))

    def test_a_filterset_with_a_required_filter_is_always_built(self):
        with self.assertRaises(InvalidQueryParameter):
            filtered("", View(RequiredFilterSet))

    def test_filterset_fields_are_filter_names_too(self):
        self.assertNotIn("WHERE", str(filtered("", View(filterset_fields=["status"])).query))
        self.assertIn(
            '"status" = cancelled',
            str(filtered("?status=cancelled", View(filterset_fields=["status"])).query),
        )

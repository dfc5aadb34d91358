"""Query parameters out of shape or range answer 400 ``invalid_query_parameter`` naming the
parameter (SPEC §10) — a month in year 10000, a page past the end, a page size of 1000, an
id that is not a number — never a 500, never a 404 that reads as "no such list"."""

from __future__ import annotations

from urllib.parse import urlencode

from django.test import TestCase
from rest_framework.test import APIClient

from courses.tests.factories import SeasonFactory
from users.tests.factories import make_admin

BAD = [
    # (url, parameter, value)
    ("/api/reports/instructor-attendance/", "month", "9999-12"),
    ("/api/reports/instructor-attendance/", "month", "0001-01"),
    ("/api/reports/instructor-attendance/", "month", "2026-13"),
    ("/api/reports/instructor-attendance/", "month", "nov"),
    ("/api/reports/instructor-attendance/", "month", ""),
    ("/api/reports/instructor-attendance/?month=2026-11", "format", "pdf"),
    ("/api/reports/finance/", "season", "abc"),
    ("/api/reports/finance/", "season", "1.5"),
    ("/api/reports/finance/", "season", "-1"),
    ("/api/reports/finance/", "season", "99999999999999999999"),
    ("/api/reports/finance/", "season", ""),
    ("/api/reports/finance/", "season", "+1"),
    ("/api/reports/finance/", "season", "1_0"),
    ("/api/reports/finance/", "season", "0" * 200 + "1"),
    ("/api/reports/finance/?season=1", "format", "pdf"),
    ("/api/courses/", "page", "2"),
    ("/api/courses/", "page", "0"),
    ("/api/courses/", "page", "-1"),
    ("/api/courses/", "page", "abc"),
    ("/api/courses/", "page", "9" * 40),
    ("/api/courses/", "page_size", "0"),
    ("/api/courses/", "page_size", "101"),
    ("/api/courses/", "page_size", "abc"),
    ("/api/courses/", "season", "abc"),
    ("/api/courses/", "season", "9" * 25),
    ("/api/courses/", "status", "nonsense"),
    ("/api/lectures/", "course", "1.5"),
    ("/api/lectures/", "date_after", "2026-02-30"),
    ("/api/lectures/", "date_before", "10000-01-01"),
    ("/api/attendance/", "date_after", "yesterday"),
    ("/api/attendance/", "course", "abc"),
    ("/api/attendance/", "present", "maybe"),
    ("/api/enrollments/", "season", "x"),
    ("/api/payments/", "paid_after", "2026-13-01"),
    ("/api/instructor-attendance/", "date", "2026-00-10"),
    ("/api/instructor-ratings/", "course", "9" * 25),
    ("/api/notifications/", "unread", "maybe"),
    ("/api/children/", "search", "a\x00b"),
]


class QueryParameterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()

    def setUp(self):
        self.client = APIClient()
        self.client.force_authenticate(self.admin)

    def test_every_bad_value_answers_400_naming_the_parameter(self):
        for url, name, value in BAD:
            with self.subTest(url=url, name=name, value=value):
                glue = "&" if "?" in url else "?"
                response = self.client.get(f"{url}{glue}{urlencode({name: value})}")
                body = response.json()
                self.assertEqual(
                    (response.status_code, body.get("code")),
                    (400, "invalid_query_parameter"),
                    body,
                )
                self.assertIn(name, body)
                self.assertTrue(body["detail"])

    def test_the_bounds_themselves_are_served(self):
        season = SeasonFactory()
        for url in [
            "/api/courses/?page=1",  # page 1 of an empty list is an empty page
            "/api/courses/?page=last",
            "/api/courses/?page_size=1",
            "/api/courses/?page_size=100",
            "/api/courses/?page_size=007",
            "/api/reports/instructor-attendance/?month=2100-12",
            "/api/reports/instructor-attendance/?month=2000-01",
            f"/api/reports/finance/?season={season.pk}",
            "/api/notifications/?unread=false",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_page_past_the_end_says_which_is_the_last(self):
        SeasonFactory.create_batch(3)

        response = self.client.get("/api/seasons/", {"page": 3, "page_size": 2})

        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "invalid_query_parameter")
        self.assertIn("2", response.json()["detail"])
        self.assertEqual(
            len(self.client.get("/api/seasons/", {"page": 2, "page_size": 2}).json()["results"]), 1
        )

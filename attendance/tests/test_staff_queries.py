"""Lists of the staff side of attendance run a number of queries that does not grow."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from attendance import cron
from attendance.tests.factories import LectureRowFactory, ShiftFactory, ShiftRowFactory, make_device
from users.tests.factories import make_admin

LISTS = (
    "/api/instructor-attendance/",
    "/api/supervisor-shifts/",
    "/api/devices/",
    "/api/cron-logs/",
)


class ListQueryCountTests(APITestCase):
    def add_rows(self, count: int) -> None:
        for _ in range(count):
            LectureRowFactory()
            ShiftRowFactory()
            ShiftFactory()
            make_device()
            cron.flush_expired_tokens_nightly()

    def counts(self) -> dict[str, int]:
        result = {}
        for url in LISTS:
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(url, {"page_size": 100})
            self.assertEqual(response.status_code, 200)
            self.assertGreater(response.data["count"], 0)
            result[url] = len(queries)
        return result

    def test_query_count_does_not_grow_with_the_rows(self):
        self.client.force_authenticate(make_admin())
        self.add_rows(1)
        few = self.counts()
        self.add_rows(6)
        self.assertEqual(self.counts(), few)

"""Online enrollments in the lists families and staff read: /api/enrollments/ with
``online_course``, ``access_until`` and lesson ``progress``; the dashboard; the finance
report — each in a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from courses.tests.factories import CourseFactory, SeasonFactory
from enrollments_payments.finance import finance_report
from enrollments_payments.report_tables import finance_table
from enrollments_payments.tests.factories import NOW, make_enrollment
from online_courses.models import LessonProgress
from online_courses.rules import progress_percent
from online_courses.tests.enrol import enrol_online, request_online
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from testkit.schema import assert_matches_schema
from users.tests.factories import make_child
from users.tests.personas import PersonasMixin


def complete(lesson, child):
    return LessonProgress.objects.create(
        lesson=lesson, child=child, watched_seconds=600, completed_at=NOW, updated_at=NOW
    )


@time_machine.travel(NOW, tick=False)
class EnrollmentListTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.online = OnlineCourseFactory(instructor=cls.instructor_profile, price=Decimal("90"))
        cls.lessons = [LessonFactory(online_course=cls.online, number=n) for n in (1, 2, 3)]
        cls.mine = enrol_online(participant=cls.child, online_course=cls.online, admin=cls.admin)
        cls.theirs = enrol_online(
            participant=cls.other_child, online_course=cls.online, admin=cls.admin
        )
        complete(cls.lessons[0], cls.child)
        complete(cls.lessons[1], cls.other_child)
        complete(cls.lessons[2], cls.other_child)
        # Watched but not completed: not counted.
        LessonProgress.objects.create(
            lesson=cls.lessons[1], child=cls.child, watched_seconds=100, updated_at=NOW
        )
        cls.course = CourseFactory()
        cls.onsite = make_enrollment(participant=cls.child, course=cls.course, admin=cls.admin)

    def test_a_parent_sees_the_online_enrollment_with_its_lesson_progress(self):
        self.as_user("parent")

        response = self.client.get(f"/api/enrollments/{self.mine.pk}/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["online_course"], self.online.pk)
        self.assertEqual(response.data["online_course_name"], self.online.title)
        self.assertIsNone(response.data["course"])
        self.assertEqual(response.data["access_until"], "2026-12-10T12:00:00+02:00")
        self.assertEqual(
            response.data["progress"], {"lessons_completed": 1, "lessons_total": 3, "percent": 33}
        )
        assert_matches_schema(response, path="/api/enrollments/{id}/", method="get")

    def test_the_familys_list_holds_online_and_on_site_enrollments(self):
        self.as_user("linked_parent")

        rows = self.client.get("/api/enrollments/", {"child": self.child.pk}).data["results"]

        self.assertEqual({row["id"] for row in rows}, {self.mine.pk, self.onsite.pk})
        onsite = next(row for row in rows if row["id"] == self.onsite.pk)
        self.assertIn("lectures_total", onsite["progress"])
        self.assertIsNone(onsite["online_course"])
        self.assertIsNone(onsite["access_until"])
        only_online = self.client.get("/api/enrollments/", {"online_course": self.online.pk})
        self.assertEqual([row["id"] for row in only_online.data["results"]], [self.mine.pk])

    def test_others_get_404(self):
        for who in ("other_parent", "student", "other_instructor"):
            with self.subTest(who=who):
                self.as_user(who)
                self.assertEqual(
                    self.client.get(f"/api/enrollments/{self.mine.pk}/").status_code, 404
                )

    def test_the_online_courses_instructor_sees_its_enrollments_without_money(self):
        self.as_user("instructor")

        rows = self.client.get("/api/enrollments/").data["results"]

        self.assertEqual({row["id"] for row in rows}, {self.mine.pk, self.theirs.pk})
        self.assertNotIn("price", rows[0])
        theirs = next(row for row in rows if row["id"] == self.theirs.pk)
        self.assertEqual(theirs["progress"]["percent"], 66)

    def test_the_list_runs_the_same_queries_for_one_or_many_online_enrollments(self):
        self.as_user("admin")
        with CaptureQueriesContext(connection) as few:
            self.client.get("/api/enrollments/", {"page_size": 100})
        for _ in range(4):
            child = make_child()
            enrol_online(participant=child, online_course=self.online, admin=self.admin)
            complete(self.lessons[0], child)
        with CaptureQueriesContext(connection) as many:
            rows = self.client.get("/api/enrollments/", {"page_size": 100}).data["results"]
        self.assertEqual(len(rows), 7)
        self.assertEqual(len(few), len(many))
        for url in ("/api/enrollment-requests/", "/api/payments/", "/api/refund-requests/"):
            counts = []
            for size in (1, 100):
                with CaptureQueriesContext(connection) as ctx:
                    self.assertEqual(self.client.get(url, {"page_size": size}).status_code, 200)
                counts.append(len(ctx.captured_queries))
            with self.subTest(url=url):
                self.assertEqual(counts[0], counts[1])

    def test_the_dashboard_counts_online_requests_waiting(self):
        request_online(participant=make_child(), online_course=self.online)
        self.as_user("admin")

        response = self.client.get("/api/dashboard/")

        self.assertEqual(response.data["pending"]["enrollment_requests"], 1)
        self.assertEqual(response.data["pending_online"], {"enrollment_requests": 1})
        assert_matches_schema(response, path="/api/dashboard/", method="get")
        self.client.force_login(self.admin)
        page = self.client.get("/courses-admin/")
        self.assertContains(page, "kind=online")


class ProgressPercentTests(APITestCase):
    def test_it_rounds_down_and_is_zero_without_lessons(self):
        self.assertEqual(progress_percent(0, 0), 0)
        self.assertEqual(progress_percent(1, 3), 33)
        self.assertEqual(progress_percent(2, 3), 66)
        self.assertEqual(progress_percent(3, 3), 100)


class FinanceTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.season = SeasonFactory(
            start_date=datetime.date(2026, 11, 1), end_date=datetime.date(2026, 11, 30)
        )
        cls.online = OnlineCourseFactory(title="Arabic calligraphy online", price=Decimal("100"))
        enrol_online(participant=cls.child, online_course=cls.online, admin=cls.admin, paid="60")
        enrol_online(
            participant=cls.other_child,
            online_course=cls.online,
            admin=cls.admin,
            paid="100",
        )
        # Sold after the season: not in its report.
        enrol_online(
            participant=make_child(),
            online_course=OnlineCourseFactory(),
            admin=cls.admin,
            now=datetime.datetime(2026, 12, 2, 12, tzinfo=datetime.UTC),
        )
        cls.course = CourseFactory(season=cls.season, price=Decimal("350"))
        make_enrollment(participant=make_child(), course=cls.course, admin=cls.admin, paid="50")

    def test_online_courses_sold_in_the_season_have_rows_and_count_in_the_totals(self):
        with self.assertNumQueries(2):
            report = finance_report(season=self.season)

        self.assertEqual(len(report["online_courses"]), 1)
        row = report["online_courses"][0]
        self.assertEqual(row["online_course"], {"id": self.online.pk, "name": self.online.title})
        self.assertEqual(
            (row["active_enrollments"], row["billed"], row["paid"], row["outstanding"]),
            (2, "200.00", "160.00", "40.00"),
        )
        self.assertEqual(report["courses"][0]["paid"], "50.00")
        self.assertEqual(report["totals"]["active_enrollments"], 3)
        self.assertEqual(report["totals"]["billed"], "550.00")
        self.assertEqual(report["totals"]["paid"], "210.00")
        header, rows = finance_table(report)
        self.assertEqual(len(rows), 3)

    def test_the_api_and_its_csv_show_them(self):
        self.as_user("admin")
        response = self.client.get("/api/reports/finance/", {"season": self.season.pk})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.data["online_courses"]), 1)
        csv = self.client.get("/api/reports/finance/", {"season": self.season.pk, "format": "csv"})
        self.assertIn(self.online.title, b"".join(csv.streaming_content).decode("utf-8-sig"))

"""The dashboard (SPEC §6.6): the admin index page and GET /api/dashboard/."""

from __future__ import annotations

import datetime
from unittest import mock

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from attendance.tests.factories import LectureRowFactory
from courses.rules import CENTER_TZ
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory, SeasonFactory
from enrollments_payments.dashboard import weekly_chart_svg
from enrollments_payments.models import RefundRequest
from enrollments_payments.tests.factories import make_enrollment, make_lectures, make_request
from enrollments_payments.tests.test_reports import mark
from users.tests.factories import make_admin

D = datetime.date
NOW = datetime.datetime(2026, 11, 14, 18, 0, tzinfo=CENTER_TZ)


def at_now():
    return mock.patch("django.utils.timezone.now", return_value=NOW)


@override_settings(ATTENDANCE_EDIT_WINDOW_HOURS=0)
class DashboardTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.now_season = SeasonFactory(
            name="خريف", start_date=D(2026, 11, 1), end_date=D(2026, 12, 31)
        )
        cls.today_course = CourseFactory(
            season=cls.now_season, instructor=cls.instructor_profile, name="تجويد"
        )
        day = D(2026, 11, 14)
        cls.week1, cls.taken, cls.missed, cls.open, cls.later = make_lectures(
            cls.today_course, [(D(2026, 11, 7), 17), (day, 9), (day, 10), (day, 17), (day, 20)]
        )
        e1 = make_enrollment(participant=cls.child, course=cls.today_course, now=NOW)
        e2 = make_enrollment(participant=cls.student_profile, course=cls.today_course, now=NOW)
        mark(cls.week1, cls.child, True)
        mark(cls.week1, cls.student_profile, False)
        mark(cls.taken, cls.child, True)
        mark(cls.taken, cls.student_profile, True)
        cls.taken.attendance_taken = True
        cls.taken.save(update_fields=["attendance_taken"])
        LectureRowFactory(lecture=cls.missed, status="absent")
        LectureRowFactory(
            lecture=cls.open,
            status="late",
            check_in_at=datetime.datetime(2026, 11, 14, 17, 15, tzinfo=CENTER_TZ),
        )
        LectureRowFactory(lecture=cls.taken, status="present")
        make_request(participant=cls.other_child, course=cls.today_course, now=NOW)
        RefundRequest.objects.create(enrollment=e1, amount="10.00", requested_by=cls.parent)
        RefundRequest.objects.create(
            enrollment=e2, amount="10.00", requested_by=cls.student, status="rejected"
        )

    def get(self):
        self.as_user("admin")
        with at_now():
            return self.client.get("/api/dashboard/")

    def test_the_figures(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["date"], "2026-11-14")
        states = {lec["id"]: lec["state"] for lec in data["lectures"]}
        self.assertEqual(
            states,
            {
                self.taken.pk: "taken",
                self.missed.pk: "missed",
                self.open.pk: "open",
                self.later.pk: "not_open",
            },
        )
        taken = next(lec for lec in data["lectures"] if lec["id"] == self.taken.pk)
        self.assertEqual(taken["counts"], {"total": 2, "present": 2, "absent": 0, "unmarked": 0})
        self.assertEqual(taken["course"]["name"], "تجويد")
        later = next(lec for lec in data["lectures"] if lec["id"] == self.later.pk)
        self.assertEqual(later["counts"], {"total": 2, "present": 0, "absent": 0, "unmarked": 2})
        for lec in data["lectures"]:
            counts = lec["counts"]
            self.assertEqual(
                counts["total"], counts["present"] + counts["absent"] + counts["unmarked"]
            )
        staff = {
            (row["lecture"]["id"], row["status"]) for row in data["instructors_late_or_absent"]
        }
        self.assertEqual(staff, {(self.missed.pk, "absent"), (self.open.pk, "late")})
        late = next(row for row in data["instructors_late_or_absent"] if row["status"] == "late")
        # The same {id, name} references as lectures[].course.
        self.assertEqual(late["course"], {"id": self.open.course_id, "name": self.open.course.name})
        self.assertEqual(set(late["lecture"]), {"id", "name"})
        self.assertEqual(late["check_in_at"], "2026-11-14T17:15:00+02:00")  # Cairo, like §4
        self.assertEqual(data["pending"], {"enrollment_requests": 1, "refund_requests": 1})
        self.assertEqual(data["season"]["id"], self.now_season.pk)
        self.assertEqual(
            [(w["week"], w["present"], w["marked"], w["rate"]) for w in data["weekly_attendance"]],
            [(1, 1, 2, 0.5), (2, 2, 2, 1.0)],
        )

    def test_constant_queries_for_2_and_20_lectures(self):
        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                response = self.get()
            self.assertEqual(response.status_code, 200)
            return len(ctx), len(response.json()["lectures"])

        small, n_small = count()
        course = CourseFactory(season=self.now_season)
        for lec in make_lectures(course, [(D(2026, 11, 14), 8 + i % 12) for i in range(16)]):
            LectureRowFactory(lecture=lec, status="absent")
        large, n_large = count()
        self.assertEqual((n_small, n_large), (4, 20))
        self.assertEqual(small, large)

    def test_permissions(self):
        with at_now():
            self.assertMatrix(
                "get",
                "/api/dashboard/",
                {
                    "anonymous": 401,
                    "parent": 403,
                    "student": 403,
                    "instructor": 403,
                    "other_instructor": 403,
                    "admin": 200,
                },
            )

    def test_admin_index_shows_today_the_chart_and_the_model_list(self):
        client = Client()
        client.force_login(make_admin(is_superuser=True))
        with at_now():
            response = client.get("/courses-admin/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('id="center-dashboard"', html)
        self.assertIn('<svg xmlns="http://www.w3.org/2000/svg" id="weekly-attendance-chart"', html)
        self.assertEqual(html.count('class="bar"'), 2)
        self.assertIn("تجويد", html)
        self.assertIn("lecture-missed", html)
        self.assertIn("أُغلقت المهلة دون تسجيل الحضور", html)
        # The ISO date keeps its order inside the Arabic heading (unisolated, the Arabic
        # before it turned 2026-11-14 into 14-11-2026 on screen).
        self.assertIn('<bdi dir="ltr">2026-11-14</bdi>', html)
        # Each bar carries its figure and each week an Arabic label.
        self.assertIn(">50%</text>", html)
        self.assertIn(">الأسبوع 1</text>", html)
        self.assertIn("<title>نسبة الحضور الأسبوعية</title>", html)
        self.assertIn("app-courses", html)  # the model list is still there
        dashboard = html[html.index('id="center-dashboard"') : html.index("</section>")]
        self.assertNotIn("<script", dashboard)
        self.assertNotIn("http://", dashboard.replace("http://www.w3.org/2000/svg", ""))

    def test_admin_index_queries_do_not_grow_with_lectures(self):
        client = Client()
        client.force_login(make_admin(is_superuser=True))

        def count():
            with at_now(), CaptureQueriesContext(connection) as ctx:
                self.assertEqual(client.get("/courses-admin/").status_code, 200)
            return len(ctx)

        small = count()
        course = CourseFactory(season=self.now_season)
        make_lectures(course, [(D(2026, 11, 14), 8 + i % 12) for i in range(16)])
        self.assertEqual(count(), small)


class ChartTests(PersonaTestCase):
    def test_bars_follow_the_rates_and_text_is_escaped(self):
        weeks = [
            {"week": 1, "rate": 1.0},
            {"week": 2, "rate": None},
            {"week": 3, "rate": 0.25},
        ]
        svg = weekly_chart_svg(weeks, title="<b>&")
        self.assertEqual(svg.count('class="bar"'), 2)
        self.assertIn("<title>&lt;b&gt;&amp;</title>", svg)
        self.assertIn('height="156.0"', svg)  # 100% of the 156-pixel plot
        self.assertIn('height="39.0"', svg)  # 25%
        self.assertNotIn("<script", svg)

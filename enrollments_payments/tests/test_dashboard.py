"""The dashboard (SPEC §6.6): the admin index page and GET /api/dashboard/."""

from __future__ import annotations

import datetime
from unittest import mock

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from attendance.tests.factories import LectureRowFactory
from courses.models import Season
from courses.rules import CENTER_TZ
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory, SeasonFactory
from enrollments_payments.dashboard import (
    current_season,
    weekly_chart_narrow_svg,
    weekly_chart_svg,
)
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


class SeasonOfTheChartTests(PersonaTestCase):
    """The chart shows the season running today, not the newest one created; a picker
    (``?season=``) shows another."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.running = SeasonFactory(
            name="الخريف", start_date=D(2026, 11, 1), end_date=D(2026, 12, 31)
        )
        # Made after the running one, and starting later: the newest, not today's.
        cls.next_term = SeasonFactory(
            name="الربيع", start_date=D(2027, 2, 1), end_date=D(2027, 5, 31)
        )
        cls.past = SeasonFactory(name="الصيف", start_date=D(2026, 7, 1), end_date=D(2026, 8, 31))
        course = CourseFactory(season=cls.past, instructor=cls.instructor_profile)
        (lecture,) = make_lectures(course, [(D(2026, 7, 4), 17)])
        make_enrollment(participant=cls.child, course=course, now=NOW)
        mark(lecture, cls.child, True)
        cls.admin_client = Client()
        cls.admin = make_admin(is_superuser=True)

    def setUp(self):
        self.admin_client.force_login(self.admin)

    def test_the_running_season_is_shown_not_the_newest(self):
        self.assertEqual(current_season(D(2026, 11, 14)), self.running)
        with at_now():
            self.as_user("admin")
            data = self.client.get("/api/dashboard/").json()
        self.assertEqual(data["season"], {"id": self.running.pk, "name": "الخريف"})

    def test_with_none_running_the_past_active_season_that_started_last(self):
        Season.objects.filter(pk=self.season.pk).update(is_active=False, end_date=D(2026, 10, 1))
        Season.objects.filter(pk=self.running.pk).update(end_date=D(2026, 11, 10))
        self.assertEqual(current_season(D(2026, 11, 14)), self.running)
        Season.objects.filter(pk=self.running.pk).update(is_active=False)
        self.assertEqual(current_season(D(2026, 11, 14)), self.past)
        self.assertIsNone(current_season(D(2026, 6, 1)))

    def test_an_inactive_running_season_gives_way_to_an_active_running_one(self):
        quiet = SeasonFactory(start_date=D(2026, 11, 10), end_date=D(2026, 11, 30), is_active=False)
        self.assertEqual(current_season(D(2026, 11, 14)), self.running)
        Season.objects.filter(pk__in=[self.running.pk, self.season.pk]).update(is_active=False)
        self.assertEqual(current_season(D(2026, 11, 14)), quiet)

    def test_the_api_honours_the_season_parameter(self):
        self.as_user("admin")
        with at_now():
            data = self.client.get(f"/api/dashboard/?season={self.past.pk}").json()
            missing = self.client.get("/api/dashboard/?season=999999")
            bad = self.client.get("/api/dashboard/?season=abc")
        self.assertEqual(data["season"]["id"], self.past.pk)
        self.assertEqual(
            [(w["week"], w["present"], w["marked"]) for w in data["weekly_attendance"]][:1],
            [(1, 1, 1)],
        )
        self.assertEqual(missing.status_code, 404)
        self.assertEqual(bad.status_code, 400)

    def test_the_admin_page_has_a_picker_that_shows_the_season_picked(self):
        with at_now():
            default = self.admin_client.get("/courses-admin/").content.decode()
            picked = self.admin_client.get(f"/courses-admin/?season={self.past.pk}")
            unknown = self.admin_client.get("/courses-admin/?season=999999")
        self.assertIn('<form id="dashboard-season" method="get"', default)
        self.assertIn('<select id="dashboard-season-select" name="season">', default)
        self.assertIn("موسم الرسم البياني", default)
        self.assertIn(f'<option value="{self.running.pk}" selected>', default)
        self.assertIn("جارٍ اليوم", default)
        self.assertIn("الأسبوعية — الخريف", default)
        html = picked.content.decode()
        self.assertIn(f'<option value="{self.past.pk}" selected>', html)
        self.assertIn("الأسبوعية — الصيف", html)
        self.assertEqual(html.count('class="bar"'), 1)  # the summer's one marked week
        self.assertIn("هذا الموسم غير موجود", unknown.content.decode())
        self.assertIn(f'<option value="{self.running.pk}" selected>', unknown.content.decode())

    def test_the_picker_costs_the_same_queries_whatever_the_season(self):
        def count(query: str) -> int:
            with at_now(), CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.admin_client.get(f"/courses-admin/{query}").status_code, 200)
            return len(ctx)

        self.assertEqual(count(f"?season={self.past.pk}"), count(f"?season={self.running.pk}"))
        SeasonFactory.create_batch(5)
        self.assertEqual(count(f"?season={self.past.pk}"), count(f"?season={self.running.pk}"))


class PhoneLayoutTests(PersonaTestCase):
    def test_lecture_cells_carry_their_labels_for_the_phone_cards(self):
        season = SeasonFactory(start_date=D(2026, 11, 1), end_date=D(2026, 12, 31))
        course = CourseFactory(season=season, instructor=self.instructor_profile)
        make_lectures(course, [(D(2026, 11, 14), 17)])
        client = Client()
        client.force_login(make_admin(is_superuser=True))
        with at_now():
            html = client.get("/courses-admin/").content.decode()
        for label in ("الحضور", "حاضر", "غائب", "لم يُسجَّل"):
            self.assertIn(f'data-label="{label}"', html)
        self.assertIn('href="/static/enrollments_payments/dashboard.css"', html)
        # The phone's chart: a line per week, text drawn about as wide as it is shown.
        self.assertIn('id="weekly-attendance-chart-narrow"', html)
        dashboard = html[html.index('id="center-dashboard"') : html.index("</section>")]
        self.assertNotIn("<script", dashboard)
        self.assertNotIn(" style=", dashboard.split("<svg")[0])


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

    def test_the_phone_chart_has_a_line_per_week_with_its_figure(self):
        weeks = [{"week": 1, "rate": 1.0}, {"week": 2, "rate": None}, {"week": 3, "rate": 0.5}]
        svg = weekly_chart_narrow_svg(weeks, title="t")
        self.assertEqual(svg.count('class="hbar"'), 2)
        self.assertEqual(svg.count('class="track"'), 3)
        self.assertIn(">100%</text>", svg)
        self.assertIn(">—</text>", svg)
        self.assertIn('viewBox="0 0 340 98"', svg)
        self.assertIn('font-size="13"', svg)

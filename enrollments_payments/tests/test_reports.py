"""Admin reports (SPEC §6.6): contents against small hand-made fixtures, the downloads read
back, a query count that does not grow with the rows, and who may ask."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from attendance.models import LectureAttendance
from attendance.tests.factories import LectureRowFactory, ShiftRowFactory
from courses.rules import CENTER_TZ
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory
from enrollments_payments.models import Payment, RefundRequest
from enrollments_payments.tests.factories import make_enrollment, make_lectures
from users.tests.factories import make_child, make_student

D = datetime.date


def mark(lecture, participant, present, rating=None):
    field = "child" if participant.__class__.__name__ == "Child" else "student"
    LectureAttendance.objects.update_or_create(
        lecture=lecture,
        **{field: participant},
        defaults={"present": present, "rating": rating, "source": "admin"},
    )


class ReportBase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.child.first_name = "عمر"
        cls.child.last_name = "حسن"
        cls.child.save()
        cls.lectures = make_lectures(
            cls.course, [(D(2026, 11, 7), 17), (D(2026, 11, 14), 17), (D(2026, 11, 21), 17)]
        )
        cls.e_child = make_enrollment(participant=cls.child, course=cls.course, paid="100.00")
        cls.e_student = make_enrollment(participant=cls.student_profile, course=cls.course)
        l1, l2, _l3 = cls.lectures
        mark(l1, cls.child, True, Decimal("9.00"))
        mark(l2, cls.child, False)
        mark(l1, cls.student_profile, False)

    def url(self, course=None, fmt=None):
        url = f"/api/reports/courses/{(course or self.course).pk}/attendance/"
        return f"{url}?format={fmt}" if fmt else url


class CourseAttendanceReportTests(ReportBase):
    def test_the_matrix(self):
        self.as_user("admin")
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        data = response.json()
        l1, l2, l3 = self.lectures
        self.assertEqual([lec["id"] for lec in data["lectures"]], [l1.pk, l2.pk, l3.pk])
        counts = [lec["counts"] for lec in data["lectures"]]
        self.assertEqual(
            counts,
            [
                {"present": 1, "absent": 1, "unmarked": 0, "not_enrolled": 0},
                {"present": 0, "absent": 1, "unmarked": 1, "not_enrolled": 0},
                {"present": 0, "absent": 0, "unmarked": 2, "not_enrolled": 0},
            ],
        )
        rows = {p["code"]: p for p in data["participants"]}
        child = rows[self.child.code]
        self.assertEqual(child["type"], "child")
        self.assertEqual(child["name"], "عمر حسن")
        self.assertEqual(
            [(c["state"], c["rating"]) for c in child["cells"]],
            [("present", "9.00"), ("absent", None), ("unmarked", None)],
        )
        self.assertEqual(
            child["totals"],
            {"present": 1, "absent": 1, "unmarked": 1, "not_enrolled": 0, "rate": 0.5},
        )
        student = rows[self.student_profile.code]
        self.assertEqual([c["state"] for c in student["cells"]], ["absent", "unmarked", "unmarked"])
        self.assertEqual(student["totals"]["rate"], 0.0)

    def test_lectures_before_a_late_joiner_enrolled_are_not_enrolled_not_unmarked(self):
        # Approved after the first two lectures: roster rows for the third only.
        late = make_child(first_name="Laila")
        make_enrollment(
            participant=late,
            course=self.course,
            now=datetime.datetime(2026, 11, 15, 12, 0, tzinfo=CENTER_TZ),
        )
        self.as_user("admin")

        data = self.client.get(self.url()).json()

        row = next(p for p in data["participants"] if p["code"] == late.code)
        self.assertEqual(
            [c["state"] for c in row["cells"]], ["not_enrolled", "not_enrolled", "unmarked"]
        )
        self.assertEqual((row["totals"]["not_enrolled"], row["totals"]["unmarked"]), (2, 1))
        self.assertIsNone(row["totals"]["rate"])
        self.assertEqual([lec["counts"]["not_enrolled"] for lec in data["lectures"]], [1, 1, 0])
        body = b"".join(self.client.get(self.url(fmt="csv")).streaming_content)
        csv_row = next(
            r for r in csv.reader(io.StringIO(body.decode("utf-8-sig"))) if r[0] == late.code
        )
        # The center's language (Arabic) unless the request asks for another.
        self.assertEqual(csv_row[2:5], ["لم يكن مسجلًا بعد", "لم يكن مسجلًا بعد", ""])

    def test_csv_has_a_bom_keeps_arabic_and_is_streamed(self):
        self.as_user("admin")
        response = self.client.get(self.url(fmt="csv"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(
            response["Content-Disposition"],
            f'attachment; filename="course-{self.course.pk}-attendance.csv"',
        )
        body = b"".join(response.streaming_content)
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        self.assertEqual(len(rows[0]), 2 + 3 + 4)
        by_code = {row[0]: row for row in rows[1:] if row[0]}
        child = by_code[self.child.code]
        self.assertEqual(child[1], "عمر حسن")
        self.assertIn("(9.00)", child[2])
        self.assertEqual(child[4], "")
        self.assertEqual(child[5:], ["1", "1", "1", "50.0%"])

    def test_xlsx_reads_back(self):
        self.as_user("admin")
        response = self.client.get(self.url(fmt="xlsx"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        self.assertIn(".xlsx", response["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        by_code = {row[0]: row for row in rows[1:] if row[0]}
        self.assertEqual(by_code[self.child.code][1], "عمر حسن")
        self.assertEqual(list(by_code[self.child.code][5:8]), [1, 1, 1])

    def test_bad_format_and_unknown_course(self):
        self.as_user("admin")
        response = self.client.get(self.url(fmt="pdf"))
        self.assertEqual(
            (response.status_code, response.json()["code"]), (400, "invalid_query_parameter")
        )
        response = self.client.get("/api/reports/courses/999999/attendance/")
        self.assertEqual(response.status_code, 404)

    def test_query_count_does_not_grow_with_rows(self):
        self.as_user("admin")
        big = CourseFactory(instructor=self.instructor_profile, season=self.season)
        lectures = make_lectures(big, [(D(2026, 11, 1 + i), 10) for i in range(8)])
        kids = [make_child(self.parent_profile, first_name=f"K{i}") for i in range(6)]
        for kid in kids:
            make_enrollment(participant=kid, course=big)
            for lec in lectures[:4]:
                mark(lec, kid, True, Decimal("7.00"))
        counts = []
        for course in (self.course, big):
            for fmt in (None, "csv", "xlsx"):
                with CaptureQueriesContext(connection) as ctx:
                    response = self.client.get(self.url(course, fmt))
                    if fmt == "csv":
                        b"".join(response.streaming_content)
                self.assertEqual(response.status_code, 200)
                counts.append(len(ctx))
        self.assertEqual(counts[:3], counts[3:])

    def test_permissions(self):
        url = self.url()
        expected = {
            "anonymous": 401,
            "parent": 403,
            "student": 403,
            "instructor": 403,
            "other_instructor": 403,
            "admin": 200,
        }
        self.assertMatrix("get", url, expected)
        self.assertMatrix("get", url + "?format=csv", expected)


class InstructorAttendanceReportTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lectures = make_lectures(
            cls.course, [(D(2026, 11, 7), 17), (D(2026, 11, 14), 17), (D(2026, 11, 21), 17)]
        )
        l1, l2, l3 = cls.lectures
        at = datetime.datetime

        def row(lecture, status, check_in=None, rating=None):
            LectureRowFactory(lecture=lecture, status=status, check_in_at=check_in, rating=rating)

        row(l1, "present", at(2026, 11, 7, 16, 55, tzinfo=CENTER_TZ), 8)
        row(l2, "late", at(2026, 11, 14, 17, 20, tzinfo=CENTER_TZ), 6)
        row(l3, "absent")
        ShiftRowFactory(
            status="late",
            date=D(2026, 11, 7),
            check_in_at=at(2026, 11, 7, 8, 10, tzinfo=CENTER_TZ),
        )
        # Another month: left out.
        LectureRowFactory(
            lecture=make_lectures(CourseFactory(), [(D(2026, 12, 5), 10)])[0], status="absent"
        )

    def test_the_month(self):
        self.as_user("admin")
        response = self.client.get("/api/reports/instructor-attendance/?month=2026-11")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["month"], "2026-11")
        rows = {e["instructor"]["id"]: e for e in data["instructors"]}
        mine = rows[self.instructor_profile.pk]
        self.assertEqual(
            {k: mine[k] for k in ("sessions", "present", "late", "absent")},
            {"sessions": 3, "present": 1, "late": 1, "absent": 1},
        )
        self.assertEqual(mine["average_minutes_late"], 20.0)
        self.assertEqual(mine["average_rating"], 7.0)
        supervisor = [e for pk, e in rows.items() if pk != self.instructor_profile.pk]
        self.assertEqual(len(supervisor), 1)
        self.assertEqual(supervisor[0]["average_minutes_late"], 10.0)
        self.assertIsNone(supervisor[0]["average_rating"])

    def test_month_is_required_and_checked(self):
        self.as_user("admin")
        for bad in ("", "?month=2026-13", "?month=nov"):
            response = self.client.get(f"/api/reports/instructor-attendance/{bad}")
            self.assertEqual(
                (response.status_code, response.json()["code"]), (400, "invalid_query_parameter")
            )

    def test_downloads_and_query_count(self):
        self.as_user("admin")
        url = "/api/reports/instructor-attendance/?month=2026-11"
        response = self.client.get(url + "&format=csv")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            'filename="instructor-attendance-2026-11.csv"', response["Content-Disposition"]
        )
        rows = list(
            csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
        )
        self.assertEqual(len(rows), 3)
        with CaptureQueriesContext(connection) as small:
            self.client.get(url)
        for day in range(1, 7):
            lec = make_lectures(CourseFactory(), [(D(2026, 11, day), 9)])[0]
            LectureRowFactory(
                lecture=lec,
                status="late",
                check_in_at=datetime.datetime(2026, 11, day, 9, 5, tzinfo=CENTER_TZ),
                rating=5,
            )
        with CaptureQueriesContext(connection) as large:
            response = self.client.get(url)
        self.assertGreater(len(response.json()["instructors"]), 2)
        self.assertEqual(len(small), len(large))
        response = self.client.get(url + "&format=xlsx")
        sheet = load_workbook(io.BytesIO(response.content)).active
        self.assertEqual(sheet.max_row, 1 + len(self.client.get(url).json()["instructors"]))

    def test_permissions(self):
        self.assertMatrix(
            "get",
            "/api/reports/instructor-attendance/?month=2026-11",
            {
                "anonymous": 401,
                "parent": 403,
                "student": 403,
                "instructor": 403,
                "other_instructor": 403,
                "admin": 200,
            },
        )


class FinanceReportTests(ReportBase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # e_child: price 350, paid 100; e_student: price 350, paid 0.
        Payment.objects.create(
            enrollment=cls.e_student,
            amount=Decimal("350.00"),
            method="cash",
            received_by=cls.admin,
            paid_at=datetime.datetime(2026, 11, 2, tzinfo=CENTER_TZ),
        )
        Payment.objects.create(
            enrollment=cls.e_student,
            amount=Decimal("50.00"),
            method="cash",
            received_by=cls.admin,
            paid_at=datetime.datetime(2026, 11, 2, tzinfo=CENTER_TZ),
            status="void",
            voided_at=datetime.datetime(2026, 11, 3, tzinfo=CENTER_TZ),
        )
        RefundRequest.objects.create(
            enrollment=cls.e_student,
            amount=Decimal("40.00"),
            status="approved",
            requested_by=cls.student,
        )
        RefundRequest.objects.create(
            enrollment=cls.e_child,
            amount=Decimal("30.00"),
            status="pending",
            requested_by=cls.parent,
        )

    def test_the_season(self):
        self.as_user("admin")
        response = self.client.get(f"/api/reports/finance/?season={self.season.pk}")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        rows = {c["course"]["id"]: c for c in data["courses"]}
        self.assertEqual(
            rows[self.course.pk],
            {
                "course": {"id": self.course.pk, "name": self.course.name},
                "active_enrollments": 2,
                "billed": "700.00",
                "paid": "450.00",
                "refunded": "40.00",
                "outstanding": "290.00",
            },
        )
        self.assertEqual(rows[self.draft.pk]["billed"], "0.00")
        self.assertEqual(
            data["totals"],
            {
                "active_enrollments": 2,
                "billed": "700.00",
                "paid": "450.00",
                "refunded": "40.00",
                "outstanding": "290.00",
            },
        )

    def test_downloads(self):
        self.as_user("admin")
        url = f"/api/reports/finance/?season={self.season.pk}"
        response = self.client.get(url + "&format=csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(f'finance-season-{self.season.pk}.csv"', response["Content-Disposition"])
        rows = list(
            csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
        )
        self.assertEqual(rows[-1][1:], ["2", "700.00", "450.00", "40.00", "290.00"])
        response = self.client.get(url + "&format=xlsx")
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        last = list(sheet.iter_rows(values_only=True))[-1]
        self.assertEqual(last[5], 290)

    def test_season_is_checked(self):
        self.as_user("admin")
        for bad, status in (("", 400), ("?season=x", 400), ("?season=99999", 404)):
            response = self.client.get(f"/api/reports/finance/{bad}")
            self.assertEqual(response.status_code, status)

    def test_query_count_does_not_grow_with_courses(self):
        self.as_user("admin")
        url = f"/api/reports/finance/?season={self.season.pk}"
        with CaptureQueriesContext(connection) as small:
            self.client.get(url)
        for _ in range(5):
            course = CourseFactory(season=self.season)
            make_enrollment(participant=make_student(), course=course, paid="10.00")
        with CaptureQueriesContext(connection) as large:
            response = self.client.get(url)
        self.assertEqual(len(response.json()["courses"]), 7)
        self.assertEqual(len(small), len(large))

    def test_permissions(self):
        self.assertMatrix(
            "get",
            f"/api/reports/finance/?season={self.season.pk}&format=xlsx",
            {
                "anonymous": 401,
                "parent": 403,
                "student": 403,
                "instructor": 403,
                "other_instructor": 403,
                "admin": 200,
            },
        )


class ReportLanguageTests(ReportBase):
    def test_headers_and_errors_are_arabic(self):
        self.as_user("admin")
        response = self.client.get(self.url(fmt="csv"))
        header = next(
            csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
        )
        self.assertEqual(header[:2], ["الرمز", "الاسم"])
        self.assertEqual(header[-1], "نسبة الحضور")
        response = self.client.get("/api/reports/instructor-attendance/?month=x")
        self.assertEqual(
            response.json()["detail"],
            "اكتب الشهر بالصيغة سنة-شهر (مثل 2026-11) من 2000-01 إلى 2100-12.",
        )


class AdminExportTests(ReportBase):
    """The course admin's "attendance report" and the lecture admin's "export attendance"
    give the API's file."""

    def setUp(self):
        from django.test import Client

        from users.tests.factories import make_admin

        # The admin takes form posts (the API client would send JSON).
        self.client = Client()
        self.client.force_login(make_admin(is_superuser=True))

    def api_file(self, fmt):
        from enrollments_payments.reports import course_attendance_file

        response = course_attendance_file(course=self.course, fmt=fmt)
        return b"".join(response.streaming_content) if fmt == "csv" else response.content

    def test_course_action_gives_the_api_csv(self):
        response = self.client.post(
            "/courses-admin/courses/course/",
            {"action": "attendance_report_csv", "_selected_action": [self.course.pk]},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Disposition"],
            f'attachment; filename="course-{self.course.pk}-attendance.csv"',
        )
        body = b"".join(response.streaming_content)
        self.assertEqual(body, self.api_file("csv"))
        self.assertIn("عمر حسن".encode(), body)

    def test_lecture_action_with_every_lecture_gives_the_same_file(self):
        response = self.client.post(
            "/courses-admin/courses/lecture/",
            {
                "action": "export_attendance_csv",
                "_selected_action": [lec.pk for lec in self.lectures],
            },
        )
        self.assertEqual(b"".join(response.streaming_content), self.api_file("csv"))

    def test_lecture_action_limits_to_the_selection_and_xlsx_reads_back(self):
        response = self.client.post(
            "/courses-admin/courses/lecture/",
            {"action": "export_attendance_xlsx", "_selected_action": [self.lectures[0].pk]},
        )
        self.assertIn(".xlsx", response["Content-Disposition"])
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        self.assertEqual(len(rows[0]), 2 + 1 + 4)

    def test_lectures_of_two_courses_are_refused(self):
        other = make_lectures(CourseFactory(), [(D(2026, 11, 8), 10)])[0]
        response = self.client.post(
            "/courses-admin/courses/lecture/",
            {
                "action": "export_attendance_csv",
                "_selected_action": [self.lectures[0].pk, other.pk],
            },
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Content-Disposition", response)
        self.assertEqual(len(list(response.context["messages"])), 1)


class FormulaInjectionTests(ReportBase):
    def test_a_name_that_looks_like_a_formula_stays_text(self):
        self.child.first_name = '=HYPERLINK("http://x.example","y")'
        self.child.last_name = ""
        self.child.save()
        self.as_user("admin")
        response = self.client.get(self.url(fmt="csv"))
        rows = list(
            csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
        )
        names = {row[0]: row[1] for row in rows[1:] if row[0]}
        self.assertEqual(names[self.child.code], '\'=HYPERLINK("http://x.example","y")')
        response = self.client.get(self.url(fmt="xlsx"))
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2) if row[0].value}
        self.assertEqual(cells[self.child.code].data_type, "s")
        self.assertTrue(cells[self.child.code].value.startswith("'="))

    def test_negative_amounts_stay_numbers(self):
        from enrollments_payments.exports import safe_cell

        self.assertEqual(safe_cell("-40.00"), "-40.00")
        self.assertEqual(safe_cell("@SUM(A1)"), "'@SUM(A1)")
        self.assertEqual(safe_cell(3), 3)

"""The admin site's Reports page (SPEC §6.6, §6.7): every report downloads from the admin,
as the same file the API gives; staff only; a bad choice is a message, not an error page."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from attendance.tests.factories import LectureRowFactory
from courses.rules import CENTER_TZ
from courses.tests.factories import SeasonFactory
from enrollments_payments.models import Payment
from enrollments_payments.tests.test_reports import ReportBase
from users.tests.factories import make_admin, make_parent, make_student

D = datetime.date


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class ReportsPageBase(ReportBase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        l1, l2, _l3 = cls.lectures
        at = datetime.datetime
        LectureRowFactory(lecture=l1, status="present", rating=8)
        LectureRowFactory(
            lecture=l2, status="late", check_in_at=at(2026, 11, 14, 17, 20, tzinfo=CENTER_TZ)
        )
        Payment.objects.create(
            enrollment=cls.e_student,
            amount=Decimal("120.50"),
            method="cash",
            received_by=cls.admin,
            paid_at=at(2026, 11, 2, tzinfo=CENTER_TZ),
        )
        cls.page = reverse("admin:reports")

    def setUp(self):
        self.browser = Client()
        self.browser.force_login(make_admin())

    def api(self, path: str):
        self.as_user("admin")
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200, path)
        return response

    def download(self, **params):
        response = self.browser.get(self.page, params)
        self.assertEqual(response.status_code, 200, params)
        self.assertIn("attachment", response.get("Content-Disposition", ""), params)
        return response


class SameFileAsTheApiTests(ReportsPageBase):
    def cases(self):
        return [
            (
                {"report": "course", "course": self.course.pk},
                f"/api/reports/courses/{self.course.pk}/attendance/?",
            ),
            (
                {"report": "instructors", "month": "2026-11"},
                "/api/reports/instructor-attendance/?month=2026-11&",
            ),
            (
                {"report": "finance", "season": self.season.pk},
                f"/api/reports/finance/?season={self.season.pk}&",
            ),
        ]

    def test_every_report_downloads_the_api_bytes_in_both_formats(self):
        for params, api_path in self.cases():
            for fmt in ("csv", "xlsx"):
                with self.subTest(report=params["report"], fmt=fmt):
                    mine = self.download(**params, format=fmt)
                    theirs = self.api(f"{api_path}format={fmt}")
                    mine_bytes = body(mine)
                    self.assertGreater(len(mine_bytes), 100)
                    self.assertEqual(mine_bytes, body(theirs))
                    self.assertEqual(mine["Content-Type"], theirs["Content-Type"])
                    self.assertEqual(mine["Content-Disposition"], theirs["Content-Disposition"])

    def test_an_xlsx_made_at_another_moment_is_the_same_file(self):
        path = f"/api/reports/finance/?season={self.season.pk}&format=xlsx"
        first = body(self.api(path))
        with time_machine.travel(datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=CENTER_TZ)):
            later = body(self.api(path))
        self.assertEqual(first, later)
        dates = {info.date_time for info in zipfile.ZipFile(io.BytesIO(first)).infolist()}
        self.assertEqual(dates, {(1980, 1, 1, 0, 0, 0)})


class PageTests(ReportsPageBase):
    def test_the_page_is_arabic_with_todays_month_and_season_chosen(self):
        running = SeasonFactory(
            name="موسم الشتاء", start_date=D(2026, 12, 1), end_date=D(2027, 2, 28)
        )
        with time_machine.travel(datetime.datetime(2026, 12, 6, 10, tzinfo=CENTER_TZ)):
            self.browser.force_login(make_admin())
            html = self.browser.get(self.page).content.decode()
        for text in ("التقارير", "حضور دورة", "حضور المحاضرين في شهر", "تنزيل CSV", "تنزيل Excel"):
            self.assertIn(text, html)
        self.assertIn('value="2026-12"', html)
        self.assertIn(f'<option value="{running.pk}" selected>', html)
        self.assertIn(self.course.name, html)

    def test_the_page_is_linked_from_the_index_and_the_sidebar(self):
        index = self.browser.get(reverse("admin:index")).content.decode()
        self.assertIn(f'href="{self.page}"', index)
        sidebar = self.browser.get("/courses-admin/courses/course/").content.decode()
        self.assertIn(f'href="{self.page}"', sidebar)
        self.assertIn("التقارير", sidebar)

    def test_the_month_defaults_to_this_month_in_cairo(self):
        # 23:30 on 31 December in UTC is already 1 January in Cairo.
        with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)):
            self.browser.force_login(make_admin())  # a session of that day
            html = self.browser.get(self.page).content.decode()
        self.assertIn('value="2027-01"', html)


class BadChoiceTests(ReportsPageBase):
    def assertMessage(self, params: dict, text: str):
        response = self.browser.get(self.page, params)
        self.assertEqual(response.status_code, 200, params)
        self.assertNotIn("Content-Disposition", response)
        self.assertIn(text, response.content.decode())

    def test_an_unknown_course_or_season_is_a_message(self):
        for value in ("999999", "x", "99999999999999999999999", ""):
            with self.subTest(value=value):
                self.assertMessage(
                    {"report": "course", "course": value, "format": "csv"},
                    "هذه الدورة غير موجودة" if value else "اختر دورة.",
                )
        self.assertMessage(
            {"report": "finance", "season": "424242", "format": "xlsx"}, "هذا الموسم غير موجود"
        )

    def test_a_bad_month_is_a_message(self):
        for value in ("2026-13", "nov", "1999-12", "2026-1-1"):
            with self.subTest(value=value):
                self.assertMessage(
                    {"report": "instructors", "month": value, "format": "csv"},
                    "اكتب الشهر بالصيغة سنة-شهر (مثل 2026-11) من 2000-01 إلى 2100-12.",
                )

    def test_a_bad_format_or_report_is_a_message(self):
        self.assertMessage(
            {"report": "course", "course": self.course.pk, "format": "pdf"}, "اختر CSV أو Excel."
        )
        self.assertMessage({"report": "payroll"}, "هذا التقرير غير موجود")


class PermissionTests(ReportsPageBase):
    def test_only_staff_see_the_page_or_download(self):
        download = {"report": "finance", "season": self.season.pk, "format": "csv"}
        for user in (None, make_parent().user, make_student().user, self.instructor):
            browser = Client()
            if user is not None:
                browser.force_login(user)
            for params in ({}, download):
                with self.subTest(user=user, params=params):
                    response = browser.get(self.page, params)
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(response["Location"].startswith("/courses-admin/login/"))
        self.assertEqual(self.browser.get(self.page).status_code, 200)
        self.assertEqual(self.browser.get(self.page, download).status_code, 200)


class TypedCellsTests(ReportsPageBase):
    def sheet(self, **params):
        response = self.download(**params, format="xlsx")
        return load_workbook(io.BytesIO(body(response))).active

    def test_finance_money_is_numbers_formatted_to_two_places(self):
        sheet = self.sheet(report="finance", season=self.season.pk)
        self.assertTrue(sheet.sheet_view.rightToLeft)
        rows = list(sheet.iter_rows(min_row=2))
        total = rows[-1]
        self.assertEqual(total[0].value, "الإجمالي")
        self.assertEqual(total[1].value, 2)
        self.assertEqual(total[1].data_type, "n")
        self.assertEqual([c.value for c in total[2:]], [700, 220.5, 0, 479.5])
        self.assertTrue(all(c.data_type == "n" for c in total[2:]))
        self.assertEqual({c.number_format for c in total[2:]}, {"0.00"})
        self.assertGreaterEqual(sheet.column_dimensions["A"].width, 8)

    def test_course_counts_are_integers_and_rates_percentages(self):
        sheet = self.sheet(report="course", course=self.course.pk)
        by_code = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
        child = by_code[self.child.code]
        self.assertEqual([c.value for c in child[5:8]], [1, 1, 1])
        self.assertEqual(child[8].value, 0.5)
        self.assertEqual(child[8].number_format, "0.0%")
        self.assertTrue(child[8].data_type == "n")

    def test_instructor_figures_are_numbers_and_empty_figures_empty(self):
        sheet = self.sheet(report="instructors", month="2026-11")
        (row,) = list(sheet.iter_rows(min_row=2, values_only=True))
        self.assertEqual(row[1:5], (2, 1, 1, 0))
        self.assertEqual(row[5], 20)
        self.assertEqual(row[6], 8)

    def test_the_csv_keeps_its_text(self):
        response = self.download(report="finance", season=self.season.pk, format="csv")
        text = body(response).decode("utf-8-sig").splitlines()
        self.assertEqual(text[-1], "الإجمالي,2,700.00,220.50,0.00,479.50")
        response = self.download(report="course", course=self.course.pk, format="csv")
        self.assertIn(",1,1,1,50.0%", body(response).decode("utf-8-sig"))


class CellTypesTests(ReportsPageBase):
    def test_each_type_has_its_csv_text_and_its_xlsx_format(self):
        from enrollments_payments.exports import Percent, csv_text, xlsx_bytes

        row = [7, Decimal("-40.5"), Percent(0.125), 7.25, D(2026, 11, 7), None, "=1+1"]
        self.assertEqual(
            [csv_text(v) for v in row], [7, "-40.50", "12.5%", 7.25, "2026-11-07", None, "'=1+1"]
        )
        sheet = load_workbook(io.BytesIO(xlsx_bytes(title="t", header=["h"] * 7, rows=[row])))
        cells = list(sheet.active.iter_rows(min_row=2))[0]
        self.assertEqual(
            [c.value for c in cells[:5]],
            [7, -40.5, 0.125, 7.25, datetime.datetime(2026, 11, 7)],
        )
        self.assertEqual(
            [c.number_format for c in cells[:5]],
            ["General", "0.00", "0.0%", "General", "yyyy-mm-dd"],
        )
        self.assertIsNone(cells[5].value)
        self.assertEqual(cells[6].value, "'=1+1")

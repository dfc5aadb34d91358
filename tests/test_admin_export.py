"""Every admin list exports its filtered rows to Excel and CSV (SPEC §6.11 "Export")."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from unittest import mock

from django.contrib import admin
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Lecture, LectureStatus
from courses.tests.factories import CourseFactory, LectureFactory
from enrollments_payments import payment_services, services
from enrollments_payments.demo import seed_demo
from enrollments_payments.models import Enrollment, Payment
from enrollments_payments.tests.factories import make_enrollment
from users import demo as people
from users.models import CustomUser
from users.tests.factories import make_admin, make_child, make_parent

CAIRO = timezone.get_default_timezone()
BOM = "\ufeff"


def export_url(model, fmt: str, query: str = "") -> str:
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_export", kwargs={"fmt": fmt})
    return f"{url}?{query}" if query else url


def changelist_url(model) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def has_arabic(text: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in text)


class ExportTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin(first_name="Staff")

    def setUp(self):
        self.client.force_login(self.staff)

    def xlsx(self, model, query: str = ""):
        response = self.client.get(export_url(model, "xlsx", query))
        self.assertEqual(response.status_code, 200, response.get("Location"))
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        return sheet, [list(row) for row in sheet.iter_rows()]

    def csv(self, model, query: str = "") -> list[list[str]]:
        response = self.client.get(export_url(model, "csv", query))
        self.assertEqual(response.status_code, 200, response.get("Location"))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        text = b"".join(response.streaming_content).decode("utf-8")
        self.assertTrue(text.startswith(BOM))
        return list(csv.reader(io.StringIO(text[len(BOM) :])))

    def column(self, header_row, label: str) -> int:
        labels = [cell.value if hasattr(cell, "value") else cell for cell in header_row]
        self.assertIn(label, labels)
        return labels.index(label)


class PaymentExportTests(ExportTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.alpha = CourseFactory(name="Alpha Math")
        beta = CourseFactory(name="Beta Art")
        cls.enrollment = make_enrollment(
            participant=make_child(), course=cls.alpha, admin=cls.staff, paid="100.00"
        )
        make_enrollment(participant=make_child(), course=beta, admin=cls.staff, paid="150.00")
        payment_services.payment_record(
            enrollment=cls.enrollment,
            actor=cls.staff,
            data=payment_services.PaymentInput(amount=Decimal("50.25"), method="instapay"),
        )
        cls.cash = Payment.objects.get(enrollment=cls.enrollment, method="cash")

    def test_xlsx_holds_only_the_filtered_and_searched_rows_with_typed_cells(self):
        sheet, rows = self.xlsx(Payment, "method__exact=cash&q=Alpha")

        self.assertTrue(sheet.sheet_view.rightToLeft)
        header, *body = rows
        self.assertEqual(len(body), 1)
        self.assertTrue(all(has_arabic(cell.value) for cell in header))
        amount = body[0][self.column(header, "المبلغ")]
        self.assertEqual(amount.data_type, "n")
        self.assertEqual(amount.value, 100)
        self.assertEqual(amount.number_format, "0.00")
        paid_at = body[0][self.column(header, "تاريخ الدفع")]
        self.assertTrue(paid_at.is_date)
        self.assertIsNone(paid_at.value.tzinfo)
        expected = timezone.localtime(self.cash.paid_at, CAIRO).replace(
            tzinfo=None, second=0, microsecond=0
        )
        self.assertEqual(paid_at.value, expected)
        self.assertEqual(body[0][self.column(header, "طريقة الدفع")].value, "نقدًا")
        self.assertEqual(body[0][0].value, self.cash.pk)

    def test_csv_holds_the_same_rows_money_with_two_places(self):
        header, *body = self.csv(Payment, "method__exact=cash&q=Alpha")

        self.assertEqual(len(body), 1)
        self.assertEqual(body[0][self.column(header, "المبلغ")], "100.00")
        paid_at = timezone.localtime(self.cash.paid_at, CAIRO)
        self.assertEqual(body[0][self.column(header, "تاريخ الدفع")], f"{paid_at:%Y-%m-%d %H:%M}")

    def test_the_lists_ordering_is_the_files(self):
        _sheet, rows = self.xlsx(Payment, "o=2")  # the amount column, ascending
        amounts = [row[2].value for row in rows[1:]]

        self.assertEqual(amounts, [Decimal("50.25"), 100, 150])

    def test_every_page_is_exported_not_only_the_one_shown(self):
        _sheet, rows = self.xlsx(Payment, "p=2")

        self.assertEqual(len(rows) - 1, Payment.objects.count())

    def test_the_file_is_named_after_the_list_and_the_day(self):
        response = self.client.get(export_url(Payment, "xlsx"))

        day = f"{timezone.localdate():%Y-%m-%d}"
        disposition = response["Content-Disposition"]
        self.assertIn(f'filename="payment-{day}.xlsx"', disposition)
        self.assertIn("%D8%A7%D9%84%D9%85%D8%AF%D9%81%D9%88%D8%B9%D8%A7%D8%AA", disposition)


class LectureExportTests(ExportTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        alpha = CourseFactory(name="Alpha Math")
        beta = CourseFactory(name="Beta Art")
        cls.kept = LectureFactory(course=alpha, number=1, date=datetime.date(2026, 11, 7))
        LectureFactory(
            course=alpha, number=2, date=datetime.date(2026, 11, 14), status=LectureStatus.CANCELLED
        )
        LectureFactory(course=beta, number=1, date=datetime.date(2026, 11, 8))

    def test_dates_are_date_cells_and_only_filtered_lectures_are_written(self):
        sheet, rows = self.xlsx(Lecture, "status__exact=scheduled&q=Alpha")

        self.assertTrue(sheet.sheet_view.rightToLeft)
        header, *body = rows
        self.assertEqual(len(body), 1)
        date = body[0][self.column(header, "التاريخ")]
        self.assertTrue(date.is_date)
        self.assertEqual(date.number_format, "yyyy-mm-dd")
        self.assertEqual(date.value.date(), self.kept.date)
        self.assertEqual(body[0][self.column(header, "الحالة")].value, "مجدولة")

    def test_the_ordering_counts_columns_as_the_page_does(self):
        # The lecture list has actions: column 0 is the checkbox, 3 the date.
        header, *body = self.csv(Lecture, "o=-3")

        dates = [row[self.column(header, "التاريخ")] for row in body]
        self.assertEqual(dates, ["2026-11-14", "2026-11-08", "2026-11-07"])

    def test_the_date_drill_down_applies(self):
        header, *body = self.csv(Lecture, "date__year=2026&date__month=11&date__day=8")

        self.assertEqual(len(body), 1)
        self.assertEqual(body[0][self.column(header, "التاريخ")], "2026-11-08")


class EnrollmentExportTests(ExportTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        course = CourseFactory(name="Alpha Math")
        cls.active = make_enrollment(
            participant=make_child(first_name="Karim"), course=course, paid="100.00"
        )
        dropped = make_enrollment(participant=make_child(first_name="Karim"), course=course)
        services.enrollment_drop(enrollment=dropped, actor=cls.staff)
        make_enrollment(participant=make_child(first_name="Nour"), course=course)

    def test_choices_are_their_arabic_labels_and_money_is_numeric(self):
        _sheet, rows = self.xlsx(Enrollment, "status__exact=active&q=Karim")

        header, *body = rows
        self.assertEqual(len(body), 1)
        row = body[0]
        self.assertEqual(row[self.column(header, "الحالة")].value, "نشط")
        for label, amount in (
            ("السعر", 350),
            ("المدفوع", 100),
            ("الرصيد", 250),
        ):
            with self.subTest(label=label):
                cell = row[self.column(header, label)]
                self.assertEqual((cell.data_type, cell.value), ("n", amount))
                self.assertEqual(cell.number_format, "0.00")

    def test_csv_choices_and_search(self):
        header, *body = self.csv(Enrollment, "status__exact=dropped&q=Karim")

        self.assertEqual(len(body), 1)
        self.assertEqual(body[0][self.column(header, "الحالة")], "منسحب")


class UserExportTests(ExportTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.parent = make_parent(first_name="Samira", last_name="=HYPERLINK(1)").user
        make_parent(first_name="Samira", is_active=False)
        make_parent(first_name="Mona")

    def test_booleans_are_yes_or_no_and_phones_plain_text(self):
        _sheet, rows = self.xlsx(CustomUser, "role__exact=parent&is_active__exact=1&q=Samira")

        header, *body = rows
        self.assertEqual(len(body), 1)
        row = body[0]
        self.assertEqual(row[self.column(header, "نشط")].value, "نعم")
        phone = row[self.column(header, "رقم الهاتف")].value
        self.assertEqual(phone, str(self.parent.phone_number1))

    def test_text_that_looks_like_a_formula_stays_text(self):
        _sheet, rows = self.xlsx(CustomUser, "q=Samira&is_active__exact=1")
        header, *body = rows
        cell = body[0][self.column(header, "اسم العائلة")]
        self.assertEqual((cell.data_type, cell.value), ("s", "=HYPERLINK(1)"))

        header, *body = self.csv(CustomUser, "q=Samira&is_active__exact=1")
        self.assertEqual(body[0][self.column(header, "اسم العائلة")], "'=HYPERLINK(1)")

    def test_control_characters_in_a_name_do_not_break_the_excel_file(self):
        make_parent(first_name="Bell\x07Tab\x0b")

        _sheet, rows = self.xlsx(CustomUser, "q=Bell")

        header, *body = rows
        self.assertEqual(body[0][self.column(header, "الاسم الأول")].value, "BellTab")

    def test_an_inactive_filter_gives_no(self):
        header, *body = self.csv(CustomUser, "is_active__exact=0")

        self.assertEqual([row[self.column(header, "نشط")] for row in body], ["لا"])


class ExportQueryCountTests(ExportTestCase):
    """An export runs as many queries for 4 rows as for 1."""

    def _queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    def _add_rows(self):
        course = CourseFactory()
        enrollment = make_enrollment(participant=make_child(), course=course, paid="10.00")
        payment_services.payment_record(
            enrollment=enrollment,
            actor=self.staff,
            data=payment_services.PaymentInput(amount=Decimal("5.00"), method="card"),
        )
        LectureFactory(course=course)
        make_parent()

    def test_exports_do_not_grow_with_rows(self):
        self._add_rows()
        urls = [
            export_url(model, fmt)
            for model in (Payment, Enrollment, Lecture, CustomUser)
            for fmt in ("xlsx", "csv")
        ]
        few = {url: self._queries(url) for url in urls}
        for _ in range(3):
            self._add_rows()
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self._queries(url), few[url])


class ExportAccessTests(ExportTestCase):
    def test_a_parent_is_sent_to_the_login_page(self):
        self.client.force_login(make_parent().user)

        response = self.client.get(export_url(Payment, "xlsx"))

        self.assertEqual(response.status_code, 302)
        self.assertIn("/courses-admin/login/", response["Location"])

    def test_an_anonymous_visitor_is_sent_to_the_login_page(self):
        self.client.logout()

        response = self.client.get(export_url(Payment, "csv"))

        self.assertEqual(response.status_code, 302)
        self.assertIn("/courses-admin/login/", response["Location"])

    def test_staff_the_admin_refuses_to_show_the_list_is_refused(self):
        payments = admin.site._registry[Payment]
        with (
            mock.patch.object(type(payments), "has_view_permission", return_value=False),
            mock.patch.object(type(payments), "has_change_permission", return_value=False),
        ):
            response = self.client.get(export_url(Payment, "xlsx"))

        self.assertEqual(response.status_code, 403)

    def test_parameters_the_list_refuses_lead_back_to_the_list(self):
        for query in ("nope=1", "paid_at__year=abc", "method__exact=cash&id__exact=x"):
            with self.subTest(query=query):
                response = self.client.get(export_url(Payment, "xlsx", query))
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(changelist_url(Payment)))

    def test_odd_parameters_the_list_ignores_still_export(self):
        for query in ("o=zz", "p=999", "p=x", "q=%00", "_popup=1", "e=1"):
            with self.subTest(query=query):
                response = self.client.get(export_url(Payment, "csv", query))
                self.assertLess(response.status_code, 500)

    def test_an_unknown_format_is_no_file(self):
        url = export_url(Payment, "csv").replace("/csv/", "/pdf/")

        response = self.client.get(url)

        self.assertEqual(response.status_code, 302)  # the change page's "no such object"
        self.assertNotIn("Content-Disposition", response)


class EveryListExportsTests(ExportTestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo()  # rows in (nearly) every list: people, courses, money, attendance
        cls.staff = CustomUser.objects.get(phone_number1=people.ADMIN_PHONE)

    def test_every_registered_admin_has_both_export_links_and_both_files(self):
        request = self.client.get(changelist_url(Payment)).wsgi_request
        for model, model_admin in admin.site._registry.items():
            with self.subTest(model=model._meta.label):
                page = self.client.get(changelist_url(model))
                self.assertEqual(page.status_code, 200)
                html = page.content.decode()
                for fmt, label in (("xlsx", "تصدير إلى Excel"), ("csv", "تصدير إلى CSV")):
                    self.assertIn(f'href="{export_url(model, fmt)}"', html)
                    self.assertIn(label, html)
                rows = model_admin.get_queryset(request).count()
                _sheet, sheet_rows = self.xlsx(model)
                self.assertEqual(len(sheet_rows) - 1, rows)
                self.assertEqual(len(self.csv(model)) - 1, rows)

    def test_the_links_carry_the_lists_filters_search_and_ordering(self):
        page = self.client.get(
            changelist_url(Payment), {"method__exact": "cash", "q": "Al", "o": "2"}
        )

        html = page.content.decode()
        for fmt in ("xlsx", "csv"):
            self.assertIn(
                f'href="{export_url(Payment, fmt, "method__exact=cash&amp;q=Al&amp;o=2")}"', html
            )

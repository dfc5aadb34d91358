"""Exam results are entered in the admin, on the exam's page: one line per participant of
the course, marks checked by the exam-result service, saved in bulk."""

from decimal import Decimal

from django.contrib import messages
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from courses import exam_services
from courses.models import ExamResult
from courses.tests.factories import ExamFactory
from enrollments_payments.tests.factories import make_enrollment
from testkit.admin import admin_form_data
from users.tests.factories import make_admin, make_child, make_student

EXAMS = "/courses-admin/courses/exam/"


def _page_data(page, **marks) -> dict:
    """The POST data of an exam page as shown, with marks typed in by participant code."""
    form = page.context["adminform"].form
    data = admin_form_data(form)
    table = form.marks_table
    for key, value in table.formset.management_form.initial.items():
        data[f"marks-{key}"] = value
    for index, (row, line) in enumerate(table.lines):
        prefix = f"marks-{index}-"
        data.update(admin_form_data(line, prefix=prefix))
        if row.code in marks:
            data[f"{prefix}marks"] = marks[row.code]
    return data


class ExamResultsTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)
        cls.exam = ExamFactory()  # out of 50, pass mark 25
        cls.child = make_child(first_name="Amina")
        cls.student = make_student()
        make_enrollment(participant=cls.child, course=cls.exam.course, admin=cls.admin)
        make_enrollment(participant=cls.student, course=cls.exam.course, admin=cls.admin)
        cls.url = f"{EXAMS}{cls.exam.pk}/change/"

    def setUp(self):
        self.client.force_login(self.admin)

    def test_the_exam_page_lists_the_course_participants_with_a_marks_field(self):
        outsider = make_child(first_name="Zeinab")

        page = self.client.get(self.url)

        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "النتائج")
        self.assertContains(page, self.child.code)
        self.assertContains(page, self.student.code)
        self.assertNotContains(page, outsider.code)
        self.assertContains(page, 'name="marks-0-marks"')
        self.assertContains(page, 'name="marks-1-marks"')
        self.assertNotContains(page, 'name="marks-2-marks"')

    def test_valid_marks_are_saved_through_the_service(self):
        page = self.client.get(self.url)

        response = self.client.post(
            self.url,
            _page_data(page, **{self.child.code: "40", self.student.code: "12.5"}),
            follow=True,
        )

        self.assertEqual(response.status_code, 200)
        child_result = ExamResult.objects.get(exam=self.exam, child=self.child)
        student_result = ExamResult.objects.get(exam=self.exam, student=self.student)
        self.assertEqual(
            (child_result.marks, child_result.percentage, child_result.passed),
            (Decimal("40.00"), Decimal("80.00"), True),
        )
        self.assertEqual(
            (student_result.percentage, student_result.passed), (Decimal("25.00"), False)
        )
        self.assertEqual(child_result.entered_by, self.admin)
        texts = [str(m) for m in response.context["messages"]]
        self.assertIn("حُفظت النتائج: 2 جديدة، و0 معدّلة.", texts)

    def test_a_changed_mark_updates_the_result_and_the_others_stay(self):
        exam_services.exam_result_save(exam=self.exam, child=self.child, marks=Decimal("10"))
        exam_services.exam_result_save(exam=self.exam, student=self.student, marks=Decimal("5"))
        page = self.client.get(self.url)

        response = self.client.post(self.url, _page_data(page, **{self.child.code: "45"}))

        self.assertEqual(response.status_code, 302)
        marks = dict(ExamResult.objects.filter(exam=self.exam).values_list("child", "marks"))
        self.assertEqual(marks[self.child.pk], Decimal("45.00"))
        self.assertEqual(marks[None], Decimal("5.00"))

    def test_marks_above_the_total_or_negative_or_not_numbers_are_refused_in_arabic(self):
        page = self.client.get(self.url)
        cases = {
            "51": "الدرجة أعلى من الدرجة الكلية للامتحان",
            "-1": "لا يمكن أن تكون الدرجة سالبة.",
            "abc": "اكتب الدرجة أرقامًا فقط، مثل 42.5.",
        }
        for typed, error in cases.items():
            with self.subTest(typed):
                data = _page_data(page, **{self.child.code: typed, self.student.code: "30"})

                response = self.client.post(self.url, data)

                self.assertEqual(response.status_code, 200)
                self.assertContains(response, error)
                self.assertContains(response, "صحّح الدرجات في جدول النتائج.")
                self.assertFalse(ExamResult.objects.filter(exam=self.exam).exists())

    def test_every_refused_line_says_why_at_once(self):
        page = self.client.get(self.url)
        data = _page_data(page, **{self.child.code: "abc", self.student.code: "70"})

        response = self.client.post(self.url, data)

        table = response.context["adminform"].form.marks_table
        errors = {row.code: form.errors.get("marks") for row, form in table.lines}
        self.assertIn("اكتب الدرجة أرقامًا فقط، مثل 42.5.", errors[self.child.code])
        self.assertIn("الدرجة أعلى من الدرجة الكلية للامتحان", str(errors[self.student.code]))
        self.assertFalse(ExamResult.objects.filter(exam=self.exam).exists())

    def test_marks_are_checked_against_the_total_the_same_page_submits(self):
        page = self.client.get(self.url)
        data = _page_data(page, **{self.child.code: "45"})
        data["total_marks"] = "40"

        response = self.client.post(self.url, data)

        self.assertEqual(response.status_code, 200)
        self.assertFalse(ExamResult.objects.filter(exam=self.exam).exists())
        self.exam.refresh_from_db()
        self.assertEqual(self.exam.total_marks, Decimal("50.00"))

    def test_the_api_refuses_negative_marks_with_the_service_rule(self):
        with self.assertRaises(exam_services.Invalid) as caught:
            exam_services.exam_result_save(exam=self.exam, child=self.child, marks=Decimal("-1"))

        self.assertEqual(caught.exception.code, "marks_negative")
        api = APIClient()
        api.force_authenticate(self.admin)
        response = api.post(
            f"/api/exams/{self.exam.pk}/results/",
            {"child": self.child.pk, "marks": "60"},
            format="json",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json()["code"], "marks_exceed_total")

    def test_the_bulk_service_refuses_a_participant_outside_the_course(self):
        outsider = make_child()
        entry = exam_services.MarksEntry(marks=Decimal("1"), child_id=outsider.pk)

        with self.assertRaises(exam_services.Invalid) as caught:
            exam_services.exam_results_save_many(exam=self.exam, entries=[entry])

        self.assertEqual(caught.exception.code, "participant_not_enrolled")
        self.assertFalse(ExamResult.objects.exists())

    def test_the_exam_page_runs_the_same_queries_whatever_the_number_of_participants(self):
        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            return len(ctx.captured_queries)

        exam_services.exam_result_save(exam=self.exam, child=self.child, marks=Decimal("10"))
        before = queries()
        for _ in range(4):
            child = make_child()
            make_enrollment(participant=child, course=self.exam.course, admin=self.admin)
            exam_services.exam_result_save(exam=self.exam, child=child, marks=Decimal("20"))
            make_enrollment(participant=make_student(), course=self.exam.course, admin=self.admin)

        self.assertEqual(queries(), before)


class ExamResultAddTests(TestCase):
    def test_adding_a_result_leads_to_the_exams_with_an_arabic_explanation(self):
        self.client.force_login(make_admin(is_superuser=True))

        response = self.client.get("/courses-admin/courses/examresult/add/", follow=True)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.redirect_chain[-1][0], EXAMS)
        [(level, text)] = [(m.level, str(m)) for m in response.context["messages"]]
        self.assertEqual(level, messages.INFO)
        self.assertIn("تُسجَّل النتائج من صفحة الامتحان", text)
        self.assertNotContains(response, "Forbidden")

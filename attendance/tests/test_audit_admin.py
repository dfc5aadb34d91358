"""The staff's attendance pages: the audit of submissions by participant name (old ← new
in words, Cairo time), a lecture's rows, and rating an instructor's session."""

from __future__ import annotations

import datetime
import re

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceSubmission
from attendance.submission import attendance_submit
from attendance.tests.factories import LectureRowFactory
from courses.rules import CENTER_TZ
from courses.tests.factories import LectureFactory, make_attendance
from users.tests.factories import make_admin, make_child, make_student

BASE = "/courses-admin/attendance"
# 14:05 UTC is 16:05 in Cairo (winter, UTC+2).
SUBMITTED = datetime.datetime(2026, 11, 7, 14, 5, tzinfo=datetime.UTC)


def submit(lecture, admin, records, *, at=SUBMITTED):
    return attendance_submit(lecture=lecture, actor=admin, records=records, now=at)


class AuditPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True, first_name="Mona", last_name="Adel")
        cls.lecture = LectureFactory()
        cls.child = make_child(first_name="Yousef", last_name="Samir")
        cls.student = make_student(first_name="Salma", last_name="Nabil")
        make_attendance(cls.lecture, child=cls.child)
        make_attendance(cls.lecture, student=cls.student)
        submit(
            cls.lecture,
            cls.admin,
            [
                {"child": cls.child.pk, "present": True, "rating": 9},
                {"student": cls.student.pk, "present": False, "rating": "5.50"},
            ],
        )
        submit(
            cls.lecture,
            cls.admin,
            [
                {"child": cls.child.pk, "present": False, "rating": 4, "notes": "مريض"},
                {"student": cls.student.pk, "present": False, "rating": "5.50"},
            ],
            at=SUBMITTED + datetime.timedelta(hours=1),
        )
        cls.second = AttendanceSubmission.objects.order_by("-at").first()

    def setUp(self):
        self.client.force_login(self.admin)

    def test_the_list_names_participants_and_shows_old_to_new_in_words(self):
        page = self.client.get(f"{BASE}/attendancesubmission/")
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn(str(self.child), html)
        self.assertIn(str(self.student), html)
        self.assertIn("لم يُسجَّل ← حاضر", html)  # first submission: unmarked → present
        self.assertIn("حاضر ← غائب", html)  # second: present → absent
        self.assertIn("9.00 ← 4.00", html)
        self.assertIn('<bdi dir="ltr">2026-11-07 16:05</bdi>', html)  # Cairo time
        self.assertIn("مدير", html)  # the source in words
        table = html[html.index('id="result_list"') :]
        table = table[: table.index("</table>")]
        self.assertNotIn("{", table)
        self.assertNotIn('"participant"', table)

    def test_the_submission_page_is_a_table_of_names_old_to_new(self):
        page = self.client.get(f"{BASE}/attendancesubmission/{self.second.pk}/change/")
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn('class="audit-changes"', html)
        table = html[html.index('class="audit-changes"') :]
        table = table[: table.index("</table>")]
        self.assertIn(str(self.child), table)
        self.assertIn("حاضر ← غائب", table)
        self.assertIn("— ← مريض", table)  # notes: none → the new note
        # Only the child changed the second time: the student's row is left out.
        self.assertNotIn(str(self.student), table)
        self.assertNotIn("{", table)
        self.assertIn("2026-11-07 17:05", html)  # the title, in Cairo time
        self.assertNotIn(f"lecture {self.lecture.pk} at", html)

    def test_the_list_runs_the_same_queries_for_more_submissions_and_names(self):
        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(f"{BASE}/attendancesubmission/").status_code, 200)
            return len(ctx)

        small = count()
        for i in range(5):
            lecture = LectureFactory()
            kids = [make_child(first_name=f"Kid{i}{j}") for j in range(3)]
            for kid in kids:
                make_attendance(lecture, child=kid)
            student = make_student()
            make_attendance(lecture, student=student)
            records = [{"child": kid.pk, "present": True, "rating": 8} for kid in kids]
            submit(
                lecture,
                self.admin,
                [*records, {"student": student.pk, "present": True, "rating": 7}],
            )
        self.assertEqual(AttendanceSubmission.objects.count(), 7)
        self.assertEqual(count(), small)


class LectureRowsPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)
        cls.lecture = LectureFactory()
        cls.child = make_child(first_name="Adam")
        make_attendance(cls.lecture, child=cls.child, present=False)
        make_attendance(cls.lecture, child=make_child(first_name="Laila"))

    def setUp(self):
        self.client.force_login(self.admin)

    def test_a_lectures_rows_have_arabic_labels_and_the_lecture_as_title(self):
        page = self.client.get(f"{BASE}/lectureattendance/?lecture__id__exact={self.lecture.pk}")
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        head = html[html.index('id="result_list"') :]
        head = head[: head.index("</thead>")]
        for label in ("المشارك", "الحضور", "التقييم", "ملاحظات", "رصده", "وقت رصد الحضور"):
            self.assertIn(label, head)
        # Every header is Arabic; the lecture is the page's title, not a column.
        self.assertNotRegex(re.sub(r"<[^>]*>", "", head.split(">", 1)[1]), "[A-Za-z]")
        self.assertNotIn("column-lecture_text", head)
        self.assertIn(f"<h1>حضور {self.lecture}</h1>", html)
        self.assertIn("presence-absent", html)
        self.assertIn("لم يُسجَّل", html)  # the unmarked row, in words
        self.assertIn('href="/static/attendance/admin.css"', html)

    def test_a_rows_page_is_titled_and_labelled_in_arabic(self):
        row = self.lecture.attendance.get(child=self.child)
        page = self.client.get(f"{BASE}/lectureattendance/{row.pk}/change/")
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn(f"{self.child} في {self.lecture}", html)
        labels = re.findall(r"<label>([^<]*)</label>", html)
        self.assertGreaterEqual(len(labels), 8)
        for label in labels:
            self.assertNotRegex(label, "[A-Za-z]")

    def test_the_presence_filter_speaks_arabic(self):
        page = self.client.get(f"{BASE}/lectureattendance/?presence=unmarked")
        self.assertEqual(page.context["cl"].result_count, 1)


class RateInstructorSessionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)
        cls.attended = LectureRowFactory(
            status="present",
            check_in_at=datetime.datetime(2026, 11, 7, 16, 55, tzinfo=CENTER_TZ),
            check_in_method="manual",
        )
        cls.pending = LectureRowFactory()

    def setUp(self):
        self.client.force_login(self.admin)

    def url(self, row) -> str:
        return f"{BASE}/instructorattendance/{row.pk}/change/"

    def test_an_attended_session_is_rated_from_its_page(self):
        page = self.client.get(self.url(self.attended))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, '<bdi dir="ltr">16:55</bdi>')
        response = self.client.post(self.url(self.attended), {"rating": "8", "notes": "ممتاز"})
        self.assertEqual(response.status_code, 302)
        self.attended.refresh_from_db()
        self.assertEqual((self.attended.rating, self.attended.notes), (8, "ممتاز"))
        self.assertEqual(self.attended.rated_by, self.admin)
        listing = self.client.get(f"{BASE}/instructorattendance/")
        self.assertContains(listing, f'href="{self.url(self.attended)}">8</a>')
        self.assertContains(listing, f'href="{self.url(self.attended)}"')

    def test_a_session_not_attended_is_refused_in_arabic(self):
        response = self.client.post(self.url(self.pending), {"rating": "8", "notes": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errornote")
        self.pending.refresh_from_db()
        self.assertIsNone(self.pending.rating)
        errors = response.context["adminform"].form.non_field_errors()
        self.assertTrue(errors)
        self.assertRegex(" ".join(errors), "[\u0600-\u06ff]")

    def test_a_rating_is_required_and_within_1_to_10(self):
        for value in ("", "11", "0"):
            with self.subTest(rating=value):
                response = self.client.post(self.url(self.attended), {"rating": value})
                self.assertEqual(response.status_code, 200)
                errors = response.context["adminform"].form.errors["rating"]
                self.assertRegex(" ".join(errors), "[\u0600-\u06ff]")
        self.attended.refresh_from_db()
        self.assertIsNone(self.attended.rating)

    def test_sessions_are_neither_added_nor_deleted_here(self):
        self.assertEqual(self.client.get(f"{BASE}/instructorattendance/add/").status_code, 403)
        delete = self.client.get(f"{BASE}/instructorattendance/{self.pending.pk}/delete/")
        self.assertEqual(delete.status_code, 403)

"""The admin shows participants' attendance, submissions and ratings read-only; the lecture
page links to its rows and history (attendance is taken through the submission service)."""

from __future__ import annotations

from django.test import TestCase

from attendance.models import AttendanceSubmission
from courses.tests.factories import LectureFactory, make_attendance
from users.tests.factories import make_admin, make_child

BASE = "/courses-admin/attendance"


class MarksAdminTests(TestCase):
    def setUp(self):
        self.client.force_login(make_admin(is_superuser=True))
        self.lecture = LectureFactory()
        self.other = LectureFactory()
        self.child = make_child(first_name="Shown")
        make_attendance(self.lecture, child=self.child, present=True)
        make_attendance(self.other, child=make_child(first_name="Hidden"), present=False)
        AttendanceSubmission.objects.create(
            lecture=self.lecture, at=self.lecture.starts_at, source="admin", changes=[]
        )

    def test_the_lecture_page_links_to_its_rows_and_history(self):
        page = self.client.get(f"/courses-admin/courses/lecture/{self.lecture.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, f"{BASE}/lectureattendance/?lecture__id__exact={self.lecture.pk}")
        self.assertContains(
            page, f"{BASE}/attendancesubmission/?lecture__id__exact={self.lecture.pk}"
        )

    def test_the_rows_of_one_lecture_are_listed_read_only(self):
        page = self.client.get(f"{BASE}/lectureattendance/?lecture__id__exact={self.lecture.pk}")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["cl"].result_count, 1)
        self.assertEqual(self.client.get(f"{BASE}/lectureattendance/add/").status_code, 403)
        history = self.client.get(
            f"{BASE}/attendancesubmission/?lecture__id__exact={self.lecture.pk}"
        )
        self.assertEqual(history.context["cl"].result_count, 1)
        self.assertEqual(self.client.get(f"{BASE}/studentinstructorrating/").status_code, 200)

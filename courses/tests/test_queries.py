"""Every list runs the same number of queries for a page of 1 as for a page of 50."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from courses.tests.factories import (
    CourseFactory,
    ExamFactory,
    LectureFactory,
    ScheduleFactory,
    SeasonFactory,
    TagFactory,
    make_result,
)
from users.tests.factories import make_admin, make_child, make_instructor, make_student

ROWS = 6


class ListQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        cls.instructor = make_instructor()
        tags = [TagFactory() for _ in range(3)]
        cls.course = None
        for i in range(ROWS):
            SeasonFactory()
            course = CourseFactory(instructor=make_instructor())
            course.tags.set(tags)
            for weekday in range(3):
                ScheduleFactory(course=course, weekday=weekday)
            cls.course = cls.course or course
            LectureFactory(
                course=cls.course,
                number=i + 1,
                date=date(2026, 11, 1) + timedelta(i),
                instructor=make_instructor(),
            )
            exam = ExamFactory(course=course)
            make_result(exam=exam, child=make_child(), marks=Decimal("3"))
            make_result(exam=ExamFactory(course=cls.course), child=make_child(), marks=Decimal("4"))
        cls.exam = cls.course.exams.first()
        for i in range(ROWS):
            make_result(exam=cls.exam, child=make_child(), marks=Decimal(i))

    def count(self, url: str, user, page_size: int) -> tuple[int, int]:
        client = APIClient()
        client.force_authenticate(user)
        sep = "&" if "?" in url else "?"
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{url}{sep}page_size={page_size}")
        self.assertEqual(response.status_code, 200, response.data)
        return len(ctx.captured_queries), len(response.data["results"])

    def assertFlat(self, url, user=None):
        user = user or self.admin
        one, rows_one = self.count(url, user, 1)
        many, rows_many = self.count(url, user, 50)
        self.assertEqual(rows_one, 1)
        self.assertGreater(rows_many, 2, url)
        self.assertEqual(one, many, url)

    def test_courses(self):
        self.assertFlat("/api/courses/")
        self.assertFlat("/api/courses/", self.instructor.user)
        self.assertFlat("/api/courses/", make_student().user)

    def test_seasons_and_tags(self):
        self.assertFlat("/api/seasons/")
        self.assertFlat("/api/tags/")

    def test_schedule(self):
        self.assertFlat(f"/api/courses/{self.course.pk}/schedule/")

    def test_lectures(self):
        self.assertFlat("/api/lectures/")

    def test_exams_and_results(self):
        self.assertFlat("/api/exams/")
        self.assertFlat(f"/api/exams/{self.exam.pk}/results/")

"""/api/instructor-ratings/ and the instructors list's rating_average / rating_count."""

from __future__ import annotations

from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import StudentInstructorRating
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from enrollments_payments.tests.factories import make_enrollment
from users.tests.factories import make_instructor

URL = "/api/instructor-ratings/"


class InstructorRatingTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_enrollment(participant=cls.child, course=cls.course)
        make_enrollment(participant=cls.student_profile, course=cls.course)
        # A past course: no enrollment any more, but the child attended a lecture of it.
        cls.past = CourseFactory(instructor=cls.instructor_profile, status="archived")
        make_attendance(LectureFactory(course=cls.past), child=cls.child, present=True)
        cls.elsewhere = CourseFactory(instructor=cls.other_instructor_profile)

    def rate(self, who, **data):
        return self.call(who, "post", URL, data)

    def test_a_parent_rates_for_their_child_and_a_second_post_updates(self):
        response = self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["instructor"], self.instructor_profile.pk)
        response = self.rate(
            "parent", course=self.course.pk, child=self.child.pk, rating=9, comment="great"
        )
        self.assertEqual(response.status_code, 200, response.data)
        row = StudentInstructorRating.objects.get()
        self.assertEqual((row.rating, row.comment, row.rater), (9, "great", self.parent))

    def test_a_linked_parent_rates_separately(self):
        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        response = self.rate("linked_parent", course=self.course.pk, child=self.child.pk, rating=4)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(StudentInstructorRating.objects.count(), 2)

    def test_a_student_rates_for_themself(self):
        response = self.rate("student", course=self.course.pk, rating=10)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(StudentInstructorRating.objects.get().student, self.student_profile)

    def test_a_course_the_participant_was_in_may_be_rated(self):
        response = self.rate("parent", course=self.past.pk, child=self.child.pk, rating=7)
        self.assertEqual(response.status_code, 201, response.data)

    def test_a_course_the_participant_never_took_is_refused(self):
        response = self.rate("parent", course=self.elsewhere.pk, child=self.child.pk, rating=7)
        self.assertEqual(
            (response.status_code, response.data["code"]), (400, "participant_not_enrolled")
        )
        self.assertFalse(StudentInstructorRating.objects.exists())

    def test_the_error_table_lists_the_codes_ratings_answer(self):
        answered = {
            self.rate("parent", course=self.elsewhere.pk, child=self.child.pk, rating=7),
            self.rate("parent", course=self.course.pk, rating=7),
            self.rate("instructor", course=self.course.pk, rating=7),
        }
        codes = {response.data["code"] for response in answered}
        readme = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
        row = next(line for line in readme.splitlines() if line.endswith("never took) |"))
        self.assertIn("instructor ratings", row)
        for code in codes:
            self.assertIn(f"`{code}`", row)

    def test_who_may_not_rate(self):
        cases = [
            ("other_parent", {"child": self.child.pk}, 400),  # not their child: unknown id
            ("parent", {}, 400),  # a parent must name the child
            ("instructor", {}, 403),
            ("admin", {"child": self.child.pk}, 403),
            ("anonymous", {}, 401),
        ]
        for who, extra, status in cases:
            with self.subTest(who=who):
                response = self.rate(who, course=self.course.pk, rating=5, **extra)
                self.assertEqual(response.status_code, status, response.data)
        self.assertFalse(StudentInstructorRating.objects.exists())

    def test_the_rating_must_be_1_to_10(self):
        for rating in (0, 11, "x", None):
            with self.subTest(rating=rating):
                response = self.rate(
                    "parent", course=self.course.pk, child=self.child.pk, rating=rating
                )
                self.assertEqual(response.status_code, 400)
        self.assertFalse(StudentInstructorRating.objects.exists())

    def test_who_reads_which_ratings(self):
        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.rate("student", course=self.course.pk, rating=6)
        seen = {}
        for who in ("parent", "student", "instructor", "other_instructor", "admin"):
            response = self.call(who, "get", URL)
            self.assertEqual(response.status_code, 200)
            seen[who] = sorted(row["rating"] for row in response.data["results"])
        self.assertEqual(
            seen,
            {
                "parent": [8],
                "student": [6],
                "instructor": [6, 8],
                "other_instructor": [],
                "admin": [6, 8],
            },
        )
        # The instructor reads what was said, not who said it.
        row = self.call("instructor", "get", URL).data["results"][0]
        self.assertNotIn("rater", row)
        self.assertNotIn("participant", row)
        self.assertEqual(self.call("anonymous", "get", URL).status_code, 401)

    def test_the_instructors_list_shows_the_average_and_count(self):
        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.rate("linked_parent", course=self.course.pk, child=self.child.pk, rating=5)
        self.rate("student", course=self.course.pk, rating=10)
        for who in ("anonymous", "admin"):
            response = self.call(who, "get", "/api/instructors/?page_size=100")
            rows = {row["id"]: row for row in response.data["results"]}
            mine = rows[self.instructor_profile.pk]
            self.assertEqual((mine["rating_average"], mine["rating_count"]), ("7.67", 3))
            other = rows[self.other_instructor_profile.pk]
            self.assertEqual((other["rating_average"], other["rating_count"]), (None, 0))

    def test_the_instructors_list_costs_no_query_per_row(self):
        def count(extra: int) -> int:
            for _ in range(extra):
                make_instructor()
            with CaptureQueriesContext(connection) as queries:
                response = self.call("anonymous", "get", "/api/instructors/?page_size=100")
            self.assertEqual(response.status_code, 200)
            return len(queries)

        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.assertEqual(count(0), count(20))

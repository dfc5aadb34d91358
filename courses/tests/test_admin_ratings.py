"""Course ratings in the admin: read-only pages in Arabic, filters, and the average on the
course list — each change list in a number of queries that does not grow with its rows."""

from __future__ import annotations

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from courses.models import CourseRating
from courses.rating_services import course_rating_save
from courses.tests.factories import CourseFactory
from enrollments_payments.models import Enrollment
from enrollments_payments.tests.factories import NOW, make_enrollment
from online_courses.tests.factories import OnlineCourseFactory
from tests.test_admin_arabic import english_words, visible_text
from users.models import Child, CustomUser
from users.tests.factories import make_admin, make_child, make_student

RATINGS = "/courses-admin/courses/courserating/"
COURSES = "/courses-admin/courses/course/"


def rate_course(course, rating: int, comment: str = "") -> CourseRating:
    child = make_child()
    make_enrollment(participant=child, course=course)
    row, _ = course_rating_save(
        rater=child.primary_parent.user, child=child, course=course, rating=rating, comment=comment
    )
    return row


def rate_online(online, rating: int) -> CourseRating:
    student = make_student()
    Enrollment.objects.create(
        online_course=online, student=student, price=online.price, enrolled_at=NOW
    )
    row, _ = course_rating_save(rater=student.user, online_course=online, rating=rating)
    return row


class CourseRatingAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)
        cls.course = CourseFactory(name="Robots")
        cls.online = OnlineCourseFactory(title="Drawing")
        cls.first = rate_course(cls.course, 8, comment="ممتاز")
        rate_course(cls.course, 5)
        rate_course(cls.course, 10)
        cls.online_rating = rate_online(cls.online, 6)

    def setUp(self):
        self.client.force_login(self.admin)

    def get(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response

    def queries(self, url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            self.get(url)
        return len(ctx.captured_queries)

    def test_the_ratings_are_listed_and_shown_in_arabic(self):
        # The data's own names (the factories' people have English ones).
        people = [*CustomUser.objects.values_list("first_name", "last_name")]
        people += [*Child.objects.values_list("first_name", "last_name")]
        people = [name for pair in people for name in pair]
        names = tuple(sorted({"Robots", "Drawing", *people}, key=len, reverse=True))
        for url in (RATINGS, f"{RATINGS}{self.first.pk}/change/"):
            with self.subTest(url=url):
                text = visible_text(self.get(url).content.decode())
                self.assertEqual(english_words(text, names), [], text)
                self.assertIn("ممتاز", text)

    def test_the_ratings_cannot_be_added_changed_or_deleted(self):
        self.assertEqual(self.client.get(f"{RATINGS}add/").status_code, 403)
        response = self.client.post(
            f"{RATINGS}{self.first.pk}/change/", {"rating": 1, "comment": "x"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.post(f"{RATINGS}{self.first.pk}/delete/").status_code, 403)
        self.first.refresh_from_db()
        self.assertEqual((self.first.rating, self.first.comment), (8, "ممتاز"))

    def test_the_list_filters(self):
        cases = [
            ("?kind=online", {self.online_rating.pk}),
            (
                "?kind=course",
                set(CourseRating.objects.filter(course=self.course).values_list("pk", flat=True)),
            ),
            (f"?course__id__exact={self.course.pk}&rating=8", {self.first.pk}),
            (f"?online_course__id__exact={self.online.pk}", {self.online_rating.pk}),
        ]
        for query, expected in cases:
            with self.subTest(query=query):
                shown = self.get(RATINGS + query).context["cl"].result_list
                self.assertEqual({row.pk for row in shown}, expected)

    def test_the_course_list_shows_the_average_and_count(self):
        rows = {row.pk: row for row in self.get(COURSES).context["cl"].result_list}
        self.assertEqual(
            (f"{rows[self.course.pk].rating_average:.2f}", rows[self.course.pk].rating_count),
            ("7.67", 3),
        )
        text = visible_text(self.get(COURSES).content.decode())
        self.assertIn("7.67 (3 تقييمات)", text)

    def test_the_change_lists_do_not_grow_with_rows(self):
        for url in (RATINGS, COURSES):
            with self.subTest(url=url):
                before = self.queries(url)
                for rating in (3, 4, 9):
                    rate_course(CourseFactory(), rating)
                    rate_online(OnlineCourseFactory(), rating)
                self.assertEqual(self.queries(url), before)

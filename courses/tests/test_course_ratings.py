"""/api/course-ratings/ (§6.10 Course ratings) and the rating summary of the catalogues."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import translation

from courses.models import CourseRating
from courses.rating_services import course_rating_save
from courses.selectors import with_rating_summary
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory
from enrollments_payments.models import Enrollment, EnrollmentStatus
from enrollments_payments.tests.factories import NOW, make_enrollment, make_request
from online_courses.models import OnlineCourse
from online_courses.tests.factories import OnlineCourseFactory
from users.tests.factories import make_child, make_parent, make_student

URL = "/api/course-ratings/"


def enroll_online(participant, online_course, *, status=EnrollmentStatus.ACTIVE) -> Enrollment:
    """An online enrollment as the approval writes it (its service is the online courses'
    own; the rating rule only reads the row)."""
    who = {"child": participant} if hasattr(participant, "primary_parent") else {}
    who = who or {"student": participant}
    return Enrollment.objects.create(
        online_course=online_course,
        price=online_course.price,
        enrolled_at=NOW,
        status=status,
        **who,
    )


class CourseRatingTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_enrollment(participant=cls.child, course=cls.course)
        make_enrollment(participant=cls.student_profile, course=cls.course)
        cls.online = OnlineCourseFactory(instructor=cls.instructor_profile)
        enroll_online(cls.student_profile, cls.online)
        enroll_online(cls.child, cls.online)
        cls.elsewhere = CourseFactory(instructor=cls.other_instructor_profile)

    def rate(self, who, **data):
        return self.call(who, "post", URL, data)

    # --- rating ------------------------------------------------------------------------

    def test_a_parent_rates_for_their_child_and_a_second_post_updates(self):
        response = self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(
            (response.data["course"], response.data["online_course"], response.data["rating"]),
            (self.course.pk, None, 8),
        )
        self.assertEqual(
            response.data["participant"],
            {
                "type": "child",
                "id": self.child.pk,
                "name": self.child.full_name,
                "code": self.child.code,
            },
        )
        response = self.rate(
            "parent", course=self.course.pk, child=self.child.pk, rating=9, comment="great"
        )
        self.assertEqual(response.status_code, 200, response.data)
        row = CourseRating.objects.get()
        self.assertEqual((row.rating, row.comment, row.rater), (9, "great", self.parent))
        self.assertEqual(row.child, self.child)

    def test_a_linked_parent_rates_separately(self):
        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        response = self.rate("linked_parent", course=self.course.pk, child=self.child.pk, rating=4)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(CourseRating.objects.count(), 2)

    def test_a_student_rates_for_themself(self):
        response = self.rate("student", course=self.course.pk, rating=10)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(CourseRating.objects.get().student, self.student_profile)

    def test_an_online_course_is_rated_apart_from_a_course(self):
        first = self.rate("student", online_course=self.online.pk, rating=7, comment="clear")
        self.assertEqual(first.status_code, 201, first.data)
        self.assertEqual(
            (first.data["course"], first.data["online_course"]), (None, self.online.pk)
        )
        # The same rater and participant rating an on-site course: a row of its own.
        second = self.rate("student", course=self.course.pk, rating=5)
        self.assertEqual(second.status_code, 201, second.data)
        again = self.rate("student", online_course=self.online.pk, rating=6)
        self.assertEqual(again.status_code, 200, again.data)
        self.assertEqual(sorted(CourseRating.objects.values_list("rating", flat=True)), [5, 6])

    def test_exactly_one_of_course_and_online_course(self):
        for extra in ({}, {"course": self.course.pk, "online_course": self.online.pk}):
            with self.subTest(extra=extra):
                response = self.rate("student", rating=5, **extra)
                self.assertEqual(
                    (response.status_code, response.data["code"]), (400, "one_course_required")
                )
        self.assertFalse(CourseRating.objects.exists())

    def test_a_course_the_participant_never_took_is_refused(self):
        for who, extra in (("parent", {"child": self.child.pk}), ("student", {})):
            with self.subTest(who=who):
                response = self.rate(who, course=self.elsewhere.pk, rating=7, **extra)
                self.assertEqual(
                    (response.status_code, response.data["code"]),
                    (400, "participant_not_enrolled"),
                )
        other_online = OnlineCourseFactory()
        response = self.rate("student", online_course=other_online.pk, rating=7)
        self.assertEqual(response.data["code"], "participant_not_enrolled")
        self.assertFalse(CourseRating.objects.exists())

    def test_a_request_that_was_never_approved_is_no_enrollment(self):
        make_request(participant=self.child, course=self.elsewhere)
        response = self.rate("parent", course=self.elsewhere.pk, child=self.child.pk, rating=7)
        self.assertEqual(
            (response.status_code, response.data["code"]), (400, "participant_not_enrolled")
        )

    def test_a_participant_who_left_or_finished_still_rates(self):
        enrollment = Enrollment.objects.get(child=self.child, course=self.course)
        for status in ("completed", "dropped", "refunded"):
            with self.subTest(status=status):
                Enrollment.objects.filter(pk=enrollment.pk).update(status=status)
                response = self.rate("parent", course=self.course.pk, child=self.child.pk, rating=3)
                self.assertIn(response.status_code, (200, 201), response.data)
        self.assertEqual(CourseRating.objects.count(), 1)

    def test_an_archived_course_the_child_took_may_be_rated(self):
        self.course.status = "archived"
        self.course.save(update_fields=["status"])
        response = self.rate("parent", course=self.course.pk, child=self.child.pk, rating=6)
        self.assertEqual(response.status_code, 201, response.data)

    def test_a_course_the_family_cannot_see_is_an_unknown_id(self):
        # The instructor's draft: the child never took it, so its id answers exactly as an
        # id that does not exist (a field error), not as a course the child did not take.
        for course_id in (self.draft.pk, 10**9):
            with self.subTest(course=course_id):
                response = self.rate("parent", course=course_id, child=self.child.pk, rating=6)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.data["code"], "invalid")
                self.assertIn("course", response.data)

    def test_who_may_not_rate(self):
        cases = [
            ("other_parent", {"child": self.child.pk}, 400, "invalid"),  # not their child
            ("parent", {}, 400, "child_required"),
            ("student", {"child": self.child.pk}, 400, "invalid"),
            ("instructor", {}, 403, "not_a_rater"),
            ("supervisor", {}, 403, "not_a_rater"),
            ("admin", {"child": self.child.pk}, 403, "not_a_rater"),
            ("anonymous", {}, 401, "not_authenticated"),
        ]
        for who, extra, status, code in cases:
            with self.subTest(who=who):
                response = self.rate(who, course=self.course.pk, rating=5, **extra)
                self.assertEqual((response.status_code, response.data["code"]), (status, code))
        self.assertFalse(CourseRating.objects.exists())

    def test_the_rating_must_be_1_to_10(self):
        for rating in (0, 11, "x", None, 5.5):
            with self.subTest(rating=rating):
                response = self.rate(
                    "parent", course=self.course.pk, child=self.child.pk, rating=rating
                )
                self.assertEqual(response.status_code, 400)
        self.assertFalse(CourseRating.objects.exists())

    def test_the_service_refuses_what_the_api_refuses(self):
        cases = [
            ({"rating": 0, "course": self.course}, "rating_out_of_range"),
            ({"rating": 5}, "one_course_required"),
            ({"rating": 5, "course": self.elsewhere}, "participant_not_enrolled"),
        ]
        for kwargs, code in cases:
            with self.subTest(code=code):
                with self.assertRaises(Exception) as raised:
                    course_rating_save(rater=self.student, **kwargs)
                self.assertEqual(raised.exception.code, code)
        self.assertFalse(CourseRating.objects.exists())

    # --- reading -----------------------------------------------------------------------

    def test_who_reads_which_ratings(self):
        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.rate("student", online_course=self.online.pk, rating=6)
        seen = {}
        for who in (
            "parent",
            "linked_parent",
            "student",
            "instructor",
            "other_instructor",
            "admin",
        ):
            response = self.call(who, "get", URL)
            self.assertEqual(response.status_code, 200)
            seen[who] = sorted(row["rating"] for row in response.data["results"])
        self.assertEqual(
            seen,
            {
                "parent": [8],
                "linked_parent": [],
                "student": [6],
                "instructor": [6, 8],
                "other_instructor": [],
                "admin": [6, 8],
            },
        )
        # The instructor reads what was said, not who said it.
        for row in self.call("instructor", "get", URL).data["results"]:
            self.assertNotIn("rater", row)
            self.assertNotIn("participant", row)
        self.assertIn("participant", self.call("admin", "get", URL).data["results"][0])
        self.assertEqual(self.call("anonymous", "get", URL).status_code, 401)

    def test_a_rating_of_someone_else_is_not_found(self):
        rating = self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8).data
        detail = f"{URL}{rating['id']}/"
        for who, status in (
            ("parent", 200),
            ("instructor", 200),
            ("admin", 200),
            ("linked_parent", 404),
            ("other_parent", 404),
            ("student", 404),
            ("other_instructor", 404),
        ):
            with self.subTest(who=who):
                self.assertEqual(self.call(who, "get", detail).status_code, status)

    def test_the_list_filters(self):
        self.rate("student", online_course=self.online.pk, rating=6)
        self.rate("student", course=self.course.pk, rating=9)
        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=4)
        cases = [
            (f"?course={self.course.pk}", [4, 9]),
            (f"?online_course={self.online.pk}", [6]),
            (f"?child={self.child.pk}", [4]),
            (f"?student={self.student_profile.pk}", [6, 9]),
            (f"?course={self.elsewhere.pk}", []),
        ]
        for query, ratings in cases:
            with self.subTest(query=query):
                response = self.call("admin", "get", URL + query)
                self.assertEqual(sorted(r["rating"] for r in response.data["results"]), ratings)
        response = self.call("admin", "get", URL + "?course=abc")
        self.assertEqual(
            (response.status_code, response.data["code"]), (400, "invalid_query_parameter")
        )

    # --- the catalogue ---------------------------------------------------------------------

    def test_courses_show_their_average_and_count(self):
        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.rate("linked_parent", course=self.course.pk, child=self.child.pk, rating=5)
        self.rate("student", course=self.course.pk, rating=10)
        self.rate("student", online_course=self.online.pk, rating=2)  # not the course's
        for who in ("anonymous", "parent", "admin"):
            with self.subTest(who=who):
                rows = self.call(who, "get", "/api/courses/?page_size=100").data["results"]
                by_id = {row["id"]: row for row in rows}
                mine, other = by_id[self.course.pk], by_id[self.elsewhere.pk]
                self.assertEqual((mine["rating_average"], mine["rating_count"]), ("7.67", 3))
                self.assertEqual((other["rating_average"], other["rating_count"]), (None, 0))
                detail = self.call(who, "get", f"/api/courses/{self.course.pk}/").data
                self.assertEqual((detail["rating_average"], detail["rating_count"]), ("7.67", 3))

    def test_online_courses_are_summarised_by_the_same_selector(self):
        self.rate("student", online_course=self.online.pk, rating=9)
        self.rate("parent", online_course=self.online.pk, child=self.child.pk, rating=6)
        self.rate("student", course=self.course.pk, rating=1)  # not the online course's
        unrated = OnlineCourseFactory()
        with self.assertNumQueries(1):
            rows = {row.pk: row for row in with_rating_summary(OnlineCourse.objects.all())}
        self.assertEqual(
            (rows[self.online.pk].rating_average, rows[self.online.pk].rating_count), (7.5, 2)
        )
        self.assertEqual(
            (rows[unrated.pk].rating_average, rows[unrated.pk].rating_count), (None, 0)
        )

    def test_the_course_list_costs_no_query_per_row(self):
        def page(size: int):
            self.as_user("parent")
            return self.client.get(f"/api/courses/?page_size={size}&ordering=id")

        self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        for _ in range(12):
            course = CourseFactory()
            for rating in (3, 9):
                child = make_child(make_parent())
                make_enrollment(participant=child, course=course)
                course_rating_save(
                    rater=child.primary_parent.user, child=child, course=course, rating=rating
                )
        with self.assertNumQueries(self.count_queries(lambda: page(1))):
            response = page(100)
        self.assertGreater(len(response.data["results"]), 12)
        self.assertTrue(all(row["rating_count"] in (0, 1, 2) for row in response.data["results"]))

    def count_queries(self, call) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(call().status_code, 200)
        return len(queries)

    def test_the_ratings_list_costs_no_query_per_row(self):
        for _ in range(5):
            student = make_student()
            make_enrollment(participant=student, course=self.course)
            course_rating_save(rater=student.user, course=self.course, rating=7)
        child_rating = self.rate("parent", course=self.course.pk, child=self.child.pk, rating=8)
        self.assertEqual(child_rating.status_code, 201)
        self.as_user("admin")
        one = self.count_queries(lambda: self.client.get(f"{URL}?page_size=1"))
        with self.assertNumQueries(one):
            response = self.client.get(f"{URL}?page_size=100")
        self.assertEqual(len(response.data["results"]), 6)

    def test_the_error_table_lists_the_codes_ratings_answer(self):
        answered = [
            self.rate("parent", course=self.elsewhere.pk, child=self.child.pk, rating=7),
            self.rate("parent", course=self.course.pk, rating=7),
            self.rate("instructor", course=self.course.pk, rating=7),
            self.rate("student", rating=7),
        ]
        codes = {response.data["code"] for response in answered}
        self.assertEqual(
            codes,
            {"participant_not_enrolled", "child_required", "not_a_rater", "one_course_required"},
        )
        api = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
        row = next(
            line for line in api.splitlines() if line.startswith("| 400 / 403 | `one_course")
        )
        self.assertIn("| course ratings", row)
        for code in codes:
            self.assertIn(f"`{code}`", row)


class CourseRatingModelTests(TestCase):
    """What the database holds whatever the caller."""

    @classmethod
    def setUpTestData(cls):
        cls.student = make_student()
        cls.course = CourseFactory()
        cls.online = OnlineCourseFactory()

    def row(self, **kwargs) -> CourseRating:
        values = {"rater": self.student.user, "student": self.student, "rating": 5}
        return CourseRating(**{**values, **kwargs})

    def test_the_database_refuses_a_row_with_both_or_no_course(self):
        for kwargs in ({}, {"course": self.course, "online_course": self.online}):
            with self.subTest(kwargs=kwargs), self.assertRaises(IntegrityError):
                with transaction.atomic():
                    self.row(**kwargs).save()

    def test_the_database_refuses_a_rating_out_of_range(self):
        for rating in (0, 11):
            with self.subTest(rating=rating), self.assertRaises(IntegrityError):
                with transaction.atomic():
                    self.row(course=self.course, rating=rating).save()

    def test_one_row_per_rater_participant_and_course(self):
        self.row(course=self.course).save()
        self.row(online_course=self.online).save()
        for kwargs in ({"course": self.course}, {"online_course": self.online}):
            with self.subTest(kwargs=kwargs), self.assertRaises(IntegrityError):
                with transaction.atomic():
                    self.row(**kwargs).save()

    def test_the_constraints_explain_themselves_in_arabic(self):
        self.row(course=self.course).save()
        cases = [
            self.row(),  # no course
            self.row(course=self.course, online_course=self.online),
            self.row(course=self.course, rating=11),
            self.row(course=self.course),  # the same again
            self.row(
                course=self.course, child=make_child(), student=None, rater=make_parent().user
            ),
        ]
        cases[-1].student = self.student  # both participants
        with translation.override("ar"):
            for row in cases:
                with self.subTest(row=row.__dict__), self.assertRaises(ValidationError) as raised:
                    row.validate_constraints()
                text = " ".join(raised.exception.messages)
                self.assertRegex(text, r"[\u0600-\u06FF]")
                self.assertNotRegex(text, r"[A-Za-z]{4,}")

"""§10 visibility of enrollments, payments and refunds, and the gaps courses left open."""

from __future__ import annotations

import datetime
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from core.errors import Conflict
from courses import exam_services
from courses import services as course_services
from courses.tests.factories import CourseFactory, ExamFactory, make_attendance
from enrollments_payments import payment_services, services
from enrollments_payments.tests.factories import NOW, make_enrollment, make_lectures, make_request
from users import services as user_services
from users.tests.factories import make_child
from users.tests.personas import PersonasMixin

MONEY_FIELDS = {"price", "amount_paid", "amount_refunded", "balance"}


@time_machine.travel(NOW, tick=False)
class VisibilityTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(instructor=cls.instructor_profile)
        cls.lectures = make_lectures(
            cls.course, [(datetime.date(2026, 11, 3), 17), (datetime.date(2026, 11, 20), 17)]
        )
        cls.mine = make_enrollment(
            participant=cls.child, course=cls.course, admin=cls.admin, paid="100.00"
        )
        cls.theirs = make_enrollment(
            participant=cls.other_child, course=cls.course, admin=cls.admin, paid="50.00"
        )
        cls.own = make_enrollment(
            participant=cls.student_profile, course=CourseFactory(), admin=cls.admin, paid="10.00"
        )
        cls.refund = payment_services.refund_request_create(
            enrollment=cls.mine, actor=cls.parent, amount=Decimal("10.00")
        )

    def ids(self, who, url):
        self.as_user(who)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return {row["id"] for row in response.data["results"]}

    def test_enrollments_are_scoped(self):
        expected = {
            "parent": {self.mine.pk},
            "linked_parent": {self.mine.pk},
            "other_parent": {self.theirs.pk},
            "student": {self.own.pk},
            "instructor": {self.mine.pk, self.theirs.pk},
            "other_instructor": set(),
            "admin": {self.mine.pk, self.theirs.pk, self.own.pk},
        }
        for who, ids in expected.items():
            with self.subTest(who=who):
                self.assertEqual(self.ids(who, "/api/enrollments/"), ids)

    def test_payments_and_refunds_are_scoped(self):
        payments = {
            p.enrollment_id: p.pk
            for p in self.mine.payments.all() | self.own.payments.all() | self.theirs.payments.all()
        }
        self.assertEqual(self.ids("linked_parent", "/api/payments/"), {payments[self.mine.pk]})
        self.assertEqual(self.ids("student", "/api/payments/"), {payments[self.own.pk]})
        self.assertEqual(self.ids("instructor", "/api/payments/"), set())
        self.assertEqual(len(self.ids("admin", "/api/payments/")), 3)
        self.assertEqual(self.ids("parent", "/api/refund-requests/"), {self.refund.pk})
        self.assertEqual(self.ids("other_parent", "/api/refund-requests/"), set())

    def test_others_get_404_on_details(self):
        for who in ("other_parent", "student", "other_instructor", "anonymous"):
            with self.subTest(who=who):
                self.as_user(who)
                expected = 401 if who == "anonymous" else 404
                self.assertEqual(
                    self.client.get(f"/api/enrollments/{self.mine.pk}/").status_code, expected
                )
                payment = self.mine.payments.get()
                self.assertEqual(
                    self.client.get(f"/api/payments/{payment.pk}/").status_code, expected
                )

    def test_instructors_see_no_money(self):
        self.as_user("instructor")
        row = self.client.get(f"/api/enrollments/{self.mine.pk}/").data
        self.assertFalse(MONEY_FIELDS & set(row))
        self.assertIn("progress", row)
        self.as_user("parent")
        row = self.client.get(f"/api/enrollments/{self.mine.pk}/").data
        self.assertEqual(row["amount_paid"], "100.00")
        self.assertEqual(row["balance"], "250.00")

    def test_progress(self):
        past, future = self.lectures
        make_attendance(past, child=self.child, present=True)
        self.as_user("parent")
        progress = self.client.get(f"/api/enrollments/{self.mine.pk}/").data["progress"]
        self.assertEqual(
            progress,
            {
                "lectures_total": 2,
                "lectures_held": 1,
                "attended": 1,
                "absent": 0,
                "attendance_rate": 1.0,
                "average_rating": "8.00",
            },
        )
        other = self.client.get(f"/api/enrollments/{self.mine.pk}/").data
        self.assertEqual(other["progress"]["attended"], 1)
        self.as_user("other_parent")
        theirs = self.client.get(f"/api/enrollments/{self.theirs.pk}/").data["progress"]
        self.assertEqual((theirs["attended"], theirs["attendance_rate"]), (0, None))

    def test_the_family_may_drop_while_nothing_was_attended(self):
        self.as_user("other_parent")
        self.assertEqual(
            self.client.post(f"/api/enrollments/{self.mine.pk}/drop/").status_code, 404
        )
        make_attendance(self.lectures[0], child=self.child, present=True)
        self.as_user("linked_parent")
        refused = self.client.post(f"/api/enrollments/{self.mine.pk}/drop/")
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.data["code"], "enrollment_attended")
        self.as_user("other_parent")
        dropped = self.client.post(f"/api/enrollments/{self.theirs.pk}/drop/")
        self.assertEqual(dropped.status_code, 200, dropped.data)
        self.assertEqual(dropped.data["status"], "dropped")
        self.as_user("admin")
        self.assertEqual(
            self.client.post(f"/api/enrollments/{self.mine.pk}/drop/").status_code, 200
        )
        self.assertEqual(
            self.client.post(f"/api/enrollments/{self.mine.pk}/drop/").status_code, 409
        )

    def test_list_queries_do_not_grow_with_the_page(self):
        for i in range(4):
            make_enrollment(
                participant=make_child(), course=self.course, admin=self.admin, paid="5.00"
            )
        for url in (
            "/api/enrollments/",
            "/api/payments/",
            "/api/refund-requests/",
            "/api/enrollment-requests/",
        ):
            counts = []
            for size in (1, 100):
                self.as_user("admin")
                with CaptureQueriesContext(connection) as ctx:
                    response = self.client.get(url, {"page_size": size})
                self.assertEqual(response.status_code, 200)
                counts.append(len(ctx.captured_queries))
            with self.subTest(url=url):
                self.assertEqual(counts[0], counts[1])


@time_machine.travel(NOW, tick=False)
class GapsClosedTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(instructor=cls.instructor_profile, capacity=3)
        (cls.lecture,) = make_lectures(cls.course, [(datetime.date(2026, 11, 20), 17)])

    def test_parents_and_students_see_the_lectures_of_their_courses(self):
        self.as_user("parent")
        self.assertEqual(self.client.get(f"/api/lectures/{self.lecture.pk}/").status_code, 404)
        make_enrollment(participant=self.child, course=self.course, admin=self.admin)
        for who, status in (
            ("parent", 200),
            ("linked_parent", 200),
            ("other_parent", 404),
            ("student", 404),
        ):
            with self.subTest(who=who):
                self.as_user(who)
                self.assertEqual(
                    self.client.get(f"/api/lectures/{self.lecture.pk}/").status_code, status
                )

    def test_families_see_the_exams_of_their_courses(self):
        exam = ExamFactory(course=self.course, total_marks=Decimal("20"), pass_mark=Decimal("10"))
        self.as_user("parent")
        self.assertEqual(self.client.get(f"/api/exams/{exam.pk}/").status_code, 404)
        make_enrollment(participant=self.child, course=self.course, admin=self.admin)
        self.assertEqual(self.client.get(f"/api/exams/{exam.pk}/").status_code, 200)
        self.as_user("other_parent")
        self.assertEqual(self.client.get(f"/api/exams/{exam.pk}/").status_code, 404)

    def test_seats_left_counts_active_enrollments(self):
        enrollment = make_enrollment(participant=self.child, course=self.course, admin=self.admin)
        make_enrollment(participant=self.student_profile, course=self.course, admin=self.admin)
        make_request(participant=self.other_child, course=self.course)  # pending: no seat
        response = self.client.get(f"/api/courses/{self.course.pk}/")
        self.assertEqual(response.data["seats_left"], 1)
        services.enrollment_drop(enrollment=enrollment, actor=self.admin, now=NOW)
        self.assertEqual(self.client.get(f"/api/courses/{self.course.pk}/").data["seats_left"], 2)

    def test_a_course_or_child_with_enrollment_history_is_not_deleted(self):
        child = make_child(self.parent_profile)
        self.assertFalse(course_services.course_has_history(self.course))
        make_request(participant=child, course=self.course)
        self.assertTrue(course_services.course_has_history(self.course))
        self.assertTrue(user_services.child_has_history(child))
        with self.assertRaises(Conflict):
            user_services.child_delete(child=child, actor=self.parent)
        self.as_user("admin")
        response = self.client.delete(f"/api/courses/{self.course.pk}/")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "course_has_history")

    def test_exam_results_accept_only_enrolled_participants(self):
        exam = ExamFactory(course=self.course, total_marks=Decimal("20"), pass_mark=Decimal("10"))
        url = f"/api/exams/{exam.pk}/results/"
        self.as_user("instructor")
        refused = self.client.post(url, {"child": self.child.pk, "marks": "15"}, format="json")
        self.assertEqual(refused.status_code, 400)
        make_enrollment(participant=self.child, course=self.course, admin=self.admin)
        accepted = self.client.post(url, {"child": self.child.pk, "marks": "15"}, format="json")
        self.assertIn(accepted.status_code, (200, 201), accepted.data)
        self.assertTrue(exam_services.ExamResult.objects.filter(child=self.child).exists())

    def test_instructors_see_their_enrolled_participants(self):
        from users.selectors import participants_visible_to

        make_enrollment(participant=self.child, course=self.course, admin=self.admin)
        self.assertTrue(participants_visible_to(self.instructor).contains(self.child))
        self.assertFalse(participants_visible_to(self.other_instructor).contains(self.child))
        self.assertTrue(participants_visible_to(self.supervisor).contains(self.child))


@time_machine.travel(NOW, tick=False)
class SearchTests(PersonasMixin, APITestCase):
    """SPEC §4: ?search= where a name is searched — the participant's name or code."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(name="Calligraphy")
        cls.omar = make_enrollment(
            participant=cls.child, course=cls.course, admin=cls.admin, paid="100.00"
        )
        cls.salma = make_enrollment(
            participant=cls.other_child, course=cls.course, admin=cls.admin, paid="50.00"
        )
        cls.student_row = make_enrollment(
            participant=cls.student_profile, course=cls.course, admin=cls.admin, paid="10.00"
        )
        cls.refund = payment_services.refund_request_create(
            enrollment=cls.salma, actor=cls.other_parent, amount=Decimal("10.00")
        )
        cls.pending = make_request(participant=cls.child, course=CourseFactory())

    def search(self, url, term, who="admin"):
        self.as_user(who)
        response = self.client.get(url, {"search": term})
        self.assertEqual(response.status_code, 200)
        return response.data["results"]

    def test_enrollments_are_searched_by_the_participants_name_or_code(self):
        by_name = self.search("/api/enrollments/", "salma")
        by_code = self.search("/api/enrollments/", self.student_profile.code)
        self.assertEqual([row["id"] for row in by_name], [self.salma.pk])
        self.assertEqual([row["id"] for row in by_code], [self.student_row.pk])
        self.assertEqual(len(self.search("/api/enrollments/", "calligraphy")), 3)

    def test_requests_payments_and_refunds_are_searched_too(self):
        requests = self.search("/api/enrollment-requests/", "omar")
        payments = self.search("/api/payments/", "salma")
        refunds = self.search("/api/refund-requests/", "salma")
        self.assertEqual({row["participant"]["id"] for row in requests}, {self.child.pk})
        self.assertEqual(len(requests), 2)  # the approved one and the pending one
        self.assertEqual([row["enrollment"] for row in payments], [self.salma.pk])
        self.assertEqual([row["id"] for row in refunds], [self.refund.pk])

    def test_search_stays_inside_what_the_caller_may_see(self):
        self.assertEqual(self.search("/api/enrollments/", "salma", who="parent"), [])
        self.assertEqual(self.search("/api/payments/", "salma", who="parent"), [])

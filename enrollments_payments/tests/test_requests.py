"""Enrollment requests through the API: who may ask, what is refused, cancel keeps the row."""

from __future__ import annotations

import datetime

import time_machine
from rest_framework.test import APITestCase

from courses.tests.factories import CourseFactory
from enrollments_payments import services
from enrollments_payments.models import Enrollment, EnrollmentRequest, RequestStatus
from enrollments_payments.tests.factories import NOW, make_enrollment, make_request
from users.tests.factories import make_child
from users.tests.personas import PersonasMixin

URL = "/api/enrollment-requests/"


@time_machine.travel(NOW, tick=False)
class RequestCreateTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory()

    def post(self, who, data):
        self.as_user(who)
        return self.client.post(URL, data, format="json")

    def test_a_parent_requests_a_seat_for_their_child(self):
        response = self.post(
            "parent", {"course": self.course.pk, "child": self.child.pk, "note": "hi"}
        )

        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["status"], "pending")
        self.assertEqual(response.data["participant"]["code"], self.child.code)
        request = EnrollmentRequest.objects.get(pk=response.data["id"])
        self.assertEqual(request.expires_at, NOW + datetime.timedelta(days=7))
        self.assertEqual(request.note, "hi")

    def test_a_linked_parent_may_request_too(self):
        response = self.post("linked_parent", {"course": self.course.pk, "child": self.child.pk})
        self.assertEqual(response.status_code, 201, response.data)

    def test_a_student_requests_for_themself(self):
        response = self.post("student", {"course": self.course.pk, "note": ""})

        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["student"], self.student_profile.pk)

    def test_another_parents_child_is_refused_with_a_code(self):
        # SPEC §6.3: "Refused at creation (400 with a code): ... not the requester's child".
        response = self.post("other_parent", {"course": self.course.pk, "child": self.child.pk})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "child_not_yours")
        self.assertFalse(EnrollmentRequest.objects.exists())

    def test_an_unknown_child_gets_the_same_answer_as_another_familys(self):
        foreign = self.post("other_parent", {"course": self.course.pk, "child": self.child.pk})
        unknown = self.post("other_parent", {"course": self.course.pk, "child": 999999})
        self.assertEqual(unknown.status_code, 400)
        self.assertEqual(unknown.json(), foreign.json())

    def test_a_student_naming_a_child_and_staff_are_still_refused_as_before(self):
        student = self.post("student", {"course": self.course.pk, "child": 999999})
        admin = self.post("admin", {"course": self.course.pk, "child": 999999})
        self.assertEqual((student.status_code, student.data["code"]), (400, "invalid"))
        self.assertEqual(admin.status_code, 403)

    def test_a_parent_must_name_a_child(self):
        response = self.post("parent", {"course": self.course.pk})
        self.assertEqual(response.status_code, 400)

    def test_instructors_and_admins_do_not_request(self):
        for who in ("instructor", "admin"):
            with self.subTest(who=who):
                self.assertEqual(self.post(who, {"course": self.course.pk}).status_code, 403)
        self.assertEqual(self.post("anonymous", {"course": self.course.pk}).status_code, 401)

    def test_a_draft_course_is_refused(self):
        draft = CourseFactory(status="draft")
        response = self.post("parent", {"course": draft.pk, "child": self.child.pk})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "course_not_published")

    def test_an_ended_course_is_refused(self):
        ended = CourseFactory(
            start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2026, 10, 30)
        )
        response = self.post("parent", {"course": ended.pk, "child": self.child.pk})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "course_ended")

    def test_an_unknown_course_is_a_validation_error(self):
        for course in (999999, 2**70, "x"):
            with self.subTest(course=course):
                response = self.post("parent", {"course": course, "child": self.child.pk})
                self.assertEqual(response.status_code, 400)

    def test_age_is_checked_on_the_course_start_date(self):
        # Born 1 Nov 2016: 9 on 31 Oct 2026, 10 on 1 Nov 2026 (the course's first day).
        child = make_child(self.parent_profile, dob=datetime.date(2016, 11, 1))
        ten_plus = CourseFactory(min_age=10, max_age=12, audience="children")
        eleven_plus = CourseFactory(min_age=11, audience="children")

        ok = self.post("parent", {"course": ten_plus.pk, "child": child.pk})
        young = self.post("parent", {"course": eleven_plus.pk, "child": child.pk})

        self.assertEqual(ok.status_code, 201, ok.data)
        self.assertEqual(young.status_code, 400)
        self.assertEqual(young.data["code"], "participant_ineligible")

    def test_audience_is_checked(self):
        adults = CourseFactory(audience="adults")
        children = CourseFactory(audience="children")

        child_in_adults = self.post("parent", {"course": adults.pk, "child": self.child.pk})
        student_in_children = self.post("student", {"course": children.pk})

        self.assertEqual(child_in_adults.data["code"], "participant_ineligible")
        self.assertEqual(student_in_children.data["code"], "participant_ineligible")

    def test_a_second_pending_request_is_a_conflict(self):
        self.assertEqual(
            self.post("parent", {"course": self.course.pk, "child": self.child.pk}).status_code, 201
        )
        again = self.post("linked_parent", {"course": self.course.pk, "child": self.child.pk})
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.data["code"], "request_pending")

    def test_an_actively_enrolled_participant_is_refused(self):
        make_enrollment(participant=self.child, course=self.course)
        response = self.post("parent", {"course": self.course.pk, "child": self.child.pk})
        # SPEC §6.3 lists "already actively enrolled" among the 400 refusals at creation.
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "already_enrolled")
        self.assertEqual(EnrollmentRequest.objects.count(), 1)  # the approved one only

    def test_a_completed_enrollment_is_refused_too(self):
        enrollment = make_enrollment(participant=self.child, course=self.course)
        Enrollment.objects.filter(pk=enrollment.pk).update(status="completed")
        response = self.post("parent", {"course": self.course.pk, "child": self.child.pk})
        self.assertEqual((response.status_code, response.data["code"]), (400, "already_enrolled"))


@time_machine.travel(NOW, tick=False)
class RequestCancelAndListTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory()
        cls.request = make_request(participant=cls.child, course=cls.course)
        cls.student_request = make_request(participant=cls.student_profile, course=cls.course)

    def test_cancel_keeps_the_row(self):
        self.as_user("linked_parent")
        response = self.client.post(f"{URL}{self.request.pk}/cancel/")

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "cancelled")
        self.request.refresh_from_db()
        self.assertEqual(self.request.status, RequestStatus.CANCELLED)

    def test_a_cancelled_request_cannot_be_cancelled_again(self):
        services.enrollment_request_cancel(request=self.request, actor=self.parent)
        self.as_user("parent")
        response = self.client.post(f"{URL}{self.request.pk}/cancel/")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "request_not_pending")

    def test_strangers_cannot_see_or_cancel(self):
        for who in ("other_parent", "instructor", "student"):
            with self.subTest(who=who):
                self.as_user(who)
                self.assertEqual(
                    self.client.post(f"{URL}{self.request.pk}/cancel/").status_code, 404
                )
                self.assertEqual(self.client.get(f"{URL}{self.request.pk}/").status_code, 404)
        self.request.refresh_from_db()
        self.assertEqual(self.request.status, RequestStatus.PENDING)

    def test_each_sees_their_own_requests(self):
        expected = {
            "parent": {self.request.pk},
            "linked_parent": {self.request.pk},
            "other_parent": set(),
            "student": {self.student_request.pk},
            "instructor": set(),
            "admin": {self.request.pk, self.student_request.pk},
        }
        for who, ids in expected.items():
            with self.subTest(who=who):
                self.as_user(who)
                response = self.client.get(URL)
                self.assertEqual({row["id"] for row in response.data["results"]}, ids)

    def test_filters_by_status_course_and_child(self):
        self.as_user("admin")
        by_child = self.client.get(URL, {"child": self.child.pk})
        by_status = self.client.get(URL, {"status": "approved"})
        by_course = self.client.get(URL, {"course": self.course.pk})

        self.assertEqual([r["id"] for r in by_child.data["results"]], [self.request.pk])
        self.assertEqual(by_status.data["count"], 0)
        self.assertEqual(by_course.data["count"], 2)

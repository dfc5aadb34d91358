"""Identical requests racing (SPEC §10): five copies of one delete or one decision, each on
its own thread and database connection, released together. Exactly one takes effect; the
others answer 404 (the object is gone) or 409 (already decided) — never a 500.

PostgreSQL only: SQLite serialises whole transactions, so nothing races there.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import TransactionTestCase
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import InstructorAttendance, SupervisorShift
from attendance.tests.factories import LectureRowFactory, ShiftFactory
from courses import services as course_services
from courses.models import Course, CourseSchedule, Exam, Lecture, Season, Tag
from courses.rules import CENTER_TZ
from courses.tests.factories import (
    CourseFactory,
    ExamFactory,
    LectureFactory,
    ScheduleFactory,
    SeasonFactory,
    TagFactory,
)
from enrollments_payments import payment_services
from enrollments_payments.models import Enrollment, Payment
from enrollments_payments.tests.factories import make_enrollment, make_request
from notifications.models import Notification
from notifications.services import notification_create
from testkit.db import requires_postgres, run_concurrently
from users import services as user_services
from users.models import Child, ParentLinkRequest
from users.tests.factories import make_admin, make_child, make_instructor, make_parent

BURST = 5
# A course that has not started whatever the real date is when the suite runs.
LATER = datetime.date(2099, 1, 3)


def _call(user, method: str, url: str, body: dict | None = None):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        response = getattr(client, method)(url, body or {}, format="json")
        code = response.data.get("code") if isinstance(response.data, dict) else None
        return response.status_code, code

    return call


def _burst(user, method: str, url: str, body: dict | None = None) -> list[tuple[int, str]]:
    results = run_concurrently(*[_call(user, method, url, body) for _ in range(BURST)])
    for result in results:
        # A 500 reaches the test client as the exception the view raised.
        assert isinstance(result, tuple), f"{method.upper()} {url}: {result!r}"
    return results


@pytest.mark.postgres
@requires_postgres
class DeleteRaceTests(TransactionTestCase):
    """Five deletes of one object: one 204, four 404."""

    def setUp(self):
        self.admin = make_admin()

    def assertOneDeleted(self, results, model, pk):
        self.assertEqual(sorted(status for status, _ in results), [204] + [404] * 4, results)
        self.assertFalse(model.objects.filter(pk=pk).exists())

    def test_the_primary_parent_deleting_a_child_five_times_at_once(self):
        parent = make_parent()
        child = make_child(parent)

        results = _burst(parent.user, "delete", f"/api/children/{child.pk}/")

        self.assertOneDeleted(results, Child, child.pk)

    def test_a_course(self):
        course = CourseFactory(start_date=LATER, end_date=LATER + datetime.timedelta(days=30))
        LectureFactory(course=course, date=LATER)

        self.assertOneDeleted(
            _burst(self.admin, "delete", f"/api/courses/{course.pk}/"), Course, course.pk
        )

    def test_a_lecture(self):
        lecture = LectureFactory(date=LATER)

        self.assertOneDeleted(
            _burst(self.admin, "delete", f"/api/lectures/{lecture.pk}/"), Lecture, lecture.pk
        )

    def test_a_weekly_slot(self):
        slot = ScheduleFactory()

        results = _burst(self.admin, "delete", f"/api/courses/{slot.course_id}/schedule/{slot.pk}/")

        self.assertOneDeleted(results, CourseSchedule, slot.pk)

    def test_a_season_a_tag_an_exam_and_a_shift(self):
        for model, obj, url in [
            (Season, SeasonFactory(), "/api/seasons/{}/"),
            (Tag, TagFactory(), "/api/tags/{}/"),
            (Exam, ExamFactory(), "/api/exams/{}/"),
            (SupervisorShift, ShiftFactory(), "/api/supervisor-shifts/{}/"),
        ]:
            with self.subTest(model=model.__name__):
                results = _burst(self.admin, "delete", url.format(obj.pk))
                self.assertOneDeleted(results, model, obj.pk)

    def test_a_child_deleted_while_a_link_request_is_approved(self):
        parent = make_parent()
        child = make_child(parent)
        link = user_services.parent_link_request_create(
            requester=make_parent(), child_code=child.code
        )

        results = run_concurrently(
            _call(parent.user, "delete", f"/api/children/{child.pk}/"),
            _call(parent.user, "post", f"/api/parent-links/{link.pk}/approve/"),
        )

        self.assertTrue(all(isinstance(r, tuple) for r in results), results)
        (deleted, _), (approved, _) = results
        self.assertEqual(deleted, 204, results)
        # Approved first (then deleted with the child), or found gone.
        self.assertIn(approved, (200, 404), results)
        self.assertFalse(ParentLinkRequest.objects.filter(pk=link.pk).exists())


@pytest.mark.postgres
@requires_postgres
class DecideOnceRaceTests(TransactionTestCase):
    """Five identical decisions: one applies, four are told it was already decided."""

    def setUp(self):
        self.admin = make_admin()
        self.course = CourseFactory(start_date=LATER, end_date=LATER + datetime.timedelta(days=30))

    def assertOneApplied(self, results, code: str, status: int = 200):
        self.assertEqual(sorted(s for s, _ in results), [status] + [409] * 4, results)
        self.assertEqual({c for s, c in results if s == 409}, {code}, results)

    def test_enrollment_request_approve_reject_and_cancel(self):
        for action, user in [("approve", self.admin), ("reject", self.admin), ("cancel", None)]:
            with self.subTest(action=action):
                child = make_child()
                request = make_request(participant=child, course=self.course, now=None)
                actor = user or child.primary_parent.user
                results = _burst(actor, "post", f"/api/enrollment-requests/{request.pk}/{action}/")
                self.assertOneApplied(results, "request_not_pending")
        self.assertEqual(Enrollment.objects.filter(course=self.course).count(), 1)

    def test_bulk_approve_of_the_same_ids(self):
        requests = [
            make_request(participant=make_child(), course=self.course, now=None) for _ in range(2)
        ]
        ids = [r.pk for r in requests]

        def call():
            client = APIClient()
            client.force_authenticate(self.admin)
            response = client.post(
                "/api/enrollment-requests/bulk-approve/", {"ids": ids}, format="json"
            )
            return response.status_code, [r["status"] for r in response.data["results"]]

        results = run_concurrently(*[call for _ in range(BURST)])

        self.assertTrue(all(isinstance(r, tuple) for r in results), results)
        per_id = list(zip(*(statuses for _, statuses in results), strict=True))
        for statuses in per_id:
            self.assertEqual(sorted(statuses), [200] + [409] * 4, results)
        self.assertEqual(Enrollment.objects.filter(course=self.course).count(), 2)

    def _paid_enrollment(self):
        return make_enrollment(
            participant=make_child(), course=self.course, admin=self.admin, now=None, paid="100"
        )

    def test_payment_void(self):
        payment = Payment.objects.get(enrollment=self._paid_enrollment())

        results = _burst(self.admin, "post", f"/api/payments/{payment.pk}/void/", {"reason": "x"})

        self.assertOneApplied(results, "payment_void")

    def test_payments_racing_for_one_balance(self):
        enrollment = self._paid_enrollment()  # 350.00 price, 100.00 paid: 250.00 owed
        body = {"enrollment": enrollment.pk, "amount": "200.00", "method": "cash"}

        results = _burst(self.admin, "post", "/api/payments/", body)

        self.assertEqual(sorted(s for s, _ in results), [201] + [400] * 4, results)
        self.assertEqual({c for s, c in results if s == 400}, {"payment_exceeds_balance"})
        self.assertEqual(Payment.objects.filter(enrollment=enrollment).count(), 2)

    def test_refund_approve_and_reject(self):
        for action in ("approve", "reject"):
            with self.subTest(action=action):
                enrollment = self._paid_enrollment()
                refund = payment_services.refund_request_create(
                    enrollment=enrollment, actor=self.admin, amount=Decimal("40")
                )
                results = _burst(self.admin, "post", f"/api/refund-requests/{refund.pk}/{action}/")
                self.assertOneApplied(results, "refund_not_pending")
                refund.refresh_from_db()
                expected = {"approve": "approved", "reject": "rejected"}[action]
                self.assertEqual(refund.status, expected)

    def test_parent_link_approve_and_reject(self):
        for action in ("approve", "reject"):
            with self.subTest(action=action):
                parent = make_parent()
                child = make_child(parent)
                link = user_services.parent_link_request_create(
                    requester=make_parent(), child_code=child.code
                )
                results = _burst(parent.user, "post", f"/api/parent-links/{link.pk}/{action}/")
                self.assertOneApplied(results, "link_request_decided")
                self.assertEqual(child.other_parents.count(), 1 if action == "approve" else 0)

    def _proposal(self, day: int) -> Lecture:
        return course_services.lecture_propose(
            actor=self.course.instructor.user,
            course=self.course,
            date=LATER + datetime.timedelta(days=day),
            start_time=datetime.time(9, 0),
            end_time=datetime.time(10, 0),
        )

    def test_proposed_lecture_approve_and_reject_bursts(self):
        for day, action in enumerate(("approve", "reject")):
            with self.subTest(action=action):
                proposal = self._proposal(day)
                url = f"/api/lectures/{proposal.pk}/{action}/"
                results = _burst(self.admin, "post", url, {"reason": "no room"})
                self.assertOneApplied(results, "lecture_already_decided")
                proposal.refresh_from_db()
                self.assertEqual(proposal.status, {"approve": "scheduled"}.get(action, "rejected"))

    def test_proposed_lecture_approved_and_rejected_at_once(self):
        """Approve ∥ reject of one proposal: exactly one decision, one 409."""
        for day in range(3):  # a few rounds: either side may win
            with self.subTest(round=day):
                proposal = self._proposal(day)
                base = f"/api/lectures/{proposal.pk}"
                results = run_concurrently(
                    _call(self.admin, "post", f"{base}/approve/"),
                    _call(self.admin, "post", f"{base}/reject/", {"reason": "no room"}),
                )
                self.assertTrue(all(isinstance(r, tuple) for r in results), results)
                self.assertEqual(sorted(s for s, _ in results), [200, 409], results)
                self.assertEqual({c for s, c in results if s == 409}, {"lecture_already_decided"})
                proposal.refresh_from_db()
                approved = results[0][0] == 200
                self.assertEqual(proposal.status, "scheduled" if approved else "rejected")
                rows = proposal.attendance.exists()
                self.assertEqual(rows, approved and Enrollment.objects.exists())
                decisions = Notification.objects.filter(
                    kind__in=["lecture_approved", "lecture_rejected"], data__lecture=proposal.pk
                )
                self.assertEqual(decisions.count(), 1)

    def test_instructor_check_in(self):
        today = timezone.localdate()
        lecture = LectureFactory(
            date=today, start_time=datetime.time(0, 0), end_time=datetime.time(23, 59)
        )
        row = LectureRowFactory(lecture=lecture)
        at = datetime.datetime.combine(today, datetime.time(0, 1), tzinfo=CENTER_TZ)

        results = _burst(
            self.admin,
            "post",
            f"/api/instructor-attendance/{row.pk}/check-in/",
            {"at": at.isoformat()},
        )

        self.assertOneApplied(results, "already_checked_in")
        row.refresh_from_db()
        self.assertEqual(row.status, "present")

    def test_instructor_mark_absent_is_applied_once(self):
        row = LectureRowFactory(lecture=LectureFactory(date=datetime.date(2026, 11, 7)))

        results = _burst(self.admin, "post", f"/api/instructor-attendance/{row.pk}/mark-absent/")

        self.assertEqual([s for s, _ in results], [200] * BURST, results)
        self.assertEqual(InstructorAttendance.objects.get(pk=row.pk).status, "absent")

    def test_reading_a_notification_keeps_the_first_time(self):
        user = make_instructor().user
        note = notification_create(recipient=user, kind="info", title="t", body="b")

        def read():
            client = APIClient()
            client.force_authenticate(user)
            response = client.post(f"/api/notifications/{note.pk}/read/")
            return response.status_code, response.data["read_at"]

        results = run_concurrently(*[read for _ in range(BURST)])

        self.assertEqual({status for status, _ in results}, {200}, results)
        stored = Notification.objects.get(pk=note.pk).read_at
        # Every caller is told the one time it was read, the time that was kept.
        self.assertEqual(len({read_at for _, read_at in results}), 1, results)
        self.assertIsNotNone(stored)

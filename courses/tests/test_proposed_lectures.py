"""Proposed lectures (SPEC §6.11): the course's instructor proposes an extra lecture, an
admin approves it (scheduled, numbered, roster rows) or rejects it with a reason; families
never see it before approval, and each proposal is decided once."""

from __future__ import annotations

import datetime

import time_machine
from django.test import Client
from django.urls import reverse

from attendance.models import LectureAttendance
from courses import services
from courses.generation import lectures_generate
from courses.models import Lecture, LectureStatus
from courses.rules import CENTER_TZ
from courses.tests.base import PersonaTestCase, matrix
from courses.tests.factories import LectureFactory, ScheduleFactory
from enrollments_payments.tests.factories import make_enrollment
from notifications.models import Notification
from users.tests.factories import make_admin

NOW = datetime.datetime(2026, 10, 20, 12, 0, tzinfo=CENTER_TZ)
BODY = {"course": None, "date": "2026-11-04", "start_time": "09:00", "end_time": "10:00"}


@time_machine.travel(NOW, tick=False)
class ProposedLectureTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.first = LectureFactory(course=cls.course, number=1, date=datetime.date(2026, 11, 2))
        cls.last = LectureFactory(course=cls.course, number=2, date=datetime.date(2026, 11, 9))
        cls.enrollment = make_enrollment(
            participant=cls.child, course=cls.course, admin=cls.admin, now=NOW
        )
        cls.student_enrollment = make_enrollment(
            participant=cls.student_profile, course=cls.course, admin=cls.admin, now=NOW
        )

    def propose(self, **changes) -> dict:
        response = self.call("instructor", "post", "/api/lectures/", self.body(**changes))
        self.assertEqual(response.status_code, 201, response.data)
        return response.data

    def body(self, **changes) -> dict:
        return {**BODY, "course": self.course.pk, **changes}

    def test_the_courses_instructor_proposes_and_others_are_refused(self):
        self.assertMatrix(
            "post", "/api/lectures/", matrix(401, 403, 403, 201, 404, 201), self.body()
        )

    def test_a_family_is_told_who_adds_lectures(self):
        response = self.call("parent", "post", "/api/lectures/", self.body())

        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.data["detail"], "المسؤولون والمحاضرون وحدهم يضيفون المحاضرات.")

    def test_a_proposal_is_proposed_unnumbered_and_has_no_roster(self):
        data = self.propose(title="Revision")

        self.assertEqual(data["status"], "proposed")
        self.assertIsNone(data["number"])
        lecture = Lecture.objects.get(pk=data["id"])
        self.assertEqual(lecture.instructor_id, self.instructor_profile.pk)
        self.assertFalse(LectureAttendance.objects.filter(lecture=lecture).exists())
        # The course's own numbers are untouched.
        self.assertEqual(
            list(self.course.lectures.exclude(pk=lecture.pk).values_list("number", flat=True)),
            [1, 2],
        )

    def test_families_and_other_instructors_never_see_a_proposal(self):
        pk = self.propose()["id"]

        for who in ("parent", "student", "other_instructor", "supervisor"):
            with self.subTest(who=who):
                listed = self.call(who, "get", "/api/lectures/").data["results"]
                self.assertNotIn(pk, [row["id"] for row in listed])
                self.assertEqual(self.call(who, "get", f"/api/lectures/{pk}/").status_code, 404)
                roster = self.call(who, "get", f"/api/lectures/{pk}/attendance/")
                self.assertEqual(roster.status_code, 404)
        for who in ("instructor", "admin"):
            with self.subTest(who=who):
                self.assertEqual(self.call(who, "get", f"/api/lectures/{pk}/").status_code, 200)

    def test_a_rejected_lecture_stays_hidden_from_families(self):
        pk = self.propose()["id"]
        self.call("admin", "post", f"/api/lectures/{pk}/reject/", {"reason": "No room"})

        self.assertEqual(self.call("parent", "get", f"/api/lectures/{pk}/").status_code, 404)
        self.assertEqual(self.call("instructor", "get", f"/api/lectures/{pk}/").status_code, 200)

    def test_every_admin_is_notified_of_a_proposal(self):
        pk = self.propose()["id"]

        notes = Notification.objects.filter(kind="lecture_proposed")
        self.assertEqual([n.recipient_id for n in notes], [self.admin.pk])
        self.assertEqual(notes[0].data, {"lecture": pk, "course": self.course.pk})
        self.assertEqual(notes[0].kind_text, "اقتراح محاضرة إضافية")

    def test_approval_schedules_numbers_in_date_order_and_creates_roster_rows(self):
        pk = self.propose()["id"]

        response = self.call("admin", "post", f"/api/lectures/{pk}/approve/")

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "scheduled")
        # 2 Nov, 4 Nov (the proposal), 9 Nov: numbered as a lecture an admin adds.
        self.assertEqual(response.data["number"], 2)
        self.last.refresh_from_db()
        self.assertEqual(self.last.number, 3)
        rows = LectureAttendance.objects.filter(lecture_id=pk)
        self.assertEqual(rows.count(), 2)
        told = Notification.objects.get(kind="lecture_approved")
        self.assertEqual(told.recipient_id, self.instructor.pk)
        self.assertEqual(self.call("parent", "get", f"/api/lectures/{pk}/").status_code, 200)

    def test_rejection_needs_a_reason_and_keeps_it(self):
        pk = self.propose()["id"]
        url = f"/api/lectures/{pk}/reject/"

        for body in ({}, {"reason": ""}, {"reason": "   "}):
            with self.subTest(body=body):
                response = self.call("admin", "post", url, body)
                self.assertEqual(response.status_code, 400, response.data)
                self.assertEqual(response.data["code"], "invalid")
        response = self.call("admin", "post", url, {"reason": "The room is booked"})

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "rejected")
        self.assertEqual(response.data["rejection_reason"], "The room is booked")
        self.assertFalse(LectureAttendance.objects.filter(lecture_id=pk).exists())
        told = Notification.objects.get(kind="lecture_rejected")
        self.assertEqual(told.recipient_id, self.instructor.pk)
        self.assertIn("The room is booked", told.body)

    def test_a_proposal_is_decided_once(self):
        pairs = (("approve", "reject"), ("reject", "approve"), ("approve", "approve"))
        for day, (first, second) in enumerate(pairs, start=20):
            with self.subTest(first=first, second=second):
                pk = self.propose(date=f"2026-11-{day}")["id"]
                reason = {"reason": "no"}
                ok = self.call("admin", "post", f"/api/lectures/{pk}/{first}/", reason)
                self.assertEqual(ok.status_code, 200, ok.data)
                again = self.call("admin", "post", f"/api/lectures/{pk}/{second}/", reason)
                self.assertEqual(again.status_code, 409, again.data)
                self.assertEqual(again.data["code"], "lecture_already_decided")

    def test_a_scheduled_lecture_cannot_be_approved(self):
        response = self.call("admin", "post", f"/api/lectures/{self.first.pk}/approve/")

        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "lecture_already_decided")

    def test_only_admins_decide(self):
        pk = self.propose()["id"]
        for action in ("approve", "reject"):
            with self.subTest(action=action):
                # Who cannot see the proposal gets 404; its instructor sees it: 403.
                self.assertMatrix(
                    "post",
                    f"/api/lectures/{pk}/{action}/",
                    matrix(401, 404, 404, 403, 404, 200),
                    {"reason": "no"},
                )

    def test_a_proposal_takes_no_attendance_and_changes_status_only_by_decision(self):
        pk = self.propose()["id"]

        submit = self.call(
            "admin",
            "post",
            f"/api/lectures/{pk}/attendance/",
            {"records": [{"child": self.child.pk, "present": True, "rating": 9}]},
        )
        self.assertEqual(submit.status_code, 409, submit.data)
        self.assertEqual(submit.data["code"], "lecture_not_approved")
        for status in ("scheduled", "cancelled"):
            with self.subTest(status=status):
                patch = self.call("admin", "patch", f"/api/lectures/{pk}/", {"status": status})
                self.assertEqual(patch.status_code, 409, patch.data)
                self.assertEqual(patch.data["code"], "lecture_not_approved")
        patch = self.call(
            "admin", "patch", f"/api/lectures/{self.first.pk}/", {"status": "proposed"}
        )
        self.assertEqual(patch.status_code, 400, patch.data)
        self.assertFalse(LectureAttendance.objects.filter(lecture_id=pk).exists())

    def test_a_proposal_holds_its_time_and_a_rejected_one_frees_it(self):
        pk = self.propose()["id"]
        clash = self.call("admin", "post", "/api/lectures/", self.body(start_time="09:30"))
        self.assertEqual(clash.status_code, 400)
        self.assertEqual(clash.data["code"], "lecture_time_taken")

        self.call("admin", "post", f"/api/lectures/{pk}/reject/", {"reason": "no"})

        again = self.call("admin", "post", "/api/lectures/", self.body(start_time="09:30"))
        self.assertEqual(again.status_code, 201, again.data)

    def test_a_new_enrollment_gets_no_row_for_a_proposal(self):
        pk = self.propose()["id"]
        make_enrollment(participant=self.other_child, course=self.course, admin=self.admin, now=NOW)

        self.assertFalse(LectureAttendance.objects.filter(lecture_id=pk).exists())


@time_machine.travel(NOW, tick=False)
class ProposalAndGenerationTests(PersonaTestCase):
    def test_regeneration_neither_counts_nor_renumbers_a_proposal(self):
        self.course.num_lectures, self.course.end_date = 3, None
        self.course.save()
        ScheduleFactory(course=self.course, weekday=3)  # Tuesdays
        lectures_generate(course=self.course, now=NOW)
        proposal = services.lecture_propose(
            actor=self.instructor,
            course=self.course,
            date=datetime.date(2026, 11, 1),
            start_time=datetime.time(9, 0),
            end_time=datetime.time(10, 0),
        )

        result = lectures_generate(course=self.course, now=NOW)

        self.assertEqual((result.created, result.removed), (0, 0))
        scheduled = self.course.lectures.filter(status=LectureStatus.SCHEDULED)
        self.assertEqual(sorted(scheduled.values_list("number", flat=True)), [1, 2, 3])
        proposal.refresh_from_db()
        self.assertEqual(proposal.status, LectureStatus.PROPOSED)
        self.assertGreater(proposal.number, 3)


@time_machine.travel(NOW, tick=False)
class ProposalAdminTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.superuser = make_admin(is_superuser=True)

    def setUp(self):
        self.client = Client()  # the admin site's forms, not the API's client
        self.client.force_login(self.superuser)
        self.proposal = services.lecture_propose(
            actor=self.instructor,
            course=self.course,
            date=datetime.date(2026, 11, 4),
            start_time=datetime.time(9, 0),
            end_time=datetime.time(10, 0),
        )
        self.url = reverse("admin:courses_lecture_changelist")

    def test_the_list_of_proposals_offers_both_decisions_in_arabic(self):
        page = self.client.get(self.url, {"status__exact": "proposed"})

        self.assertContains(page, "مقترحة")
        self.assertContains(page, 'value="approve_proposals"')
        self.assertContains(page, 'value="reject_proposals"')

    def test_approving_from_the_admin(self):
        self.client.post(
            self.url, {"action": "approve_proposals", "_selected_action": [self.proposal.pk]}
        )

        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, LectureStatus.SCHEDULED)
        self.assertEqual(self.proposal.number, 1)

    def test_a_rejected_lectures_page_shows_the_reason(self):
        services.lecture_reject(lecture=self.proposal, actor=self.superuser, reason="لا توجد قاعة")
        url = reverse("admin:courses_lecture_change", args=[self.proposal.pk])

        page = self.client.get(url)

        self.assertContains(page, "لا توجد قاعة")
        self.assertContains(page, "محاضرة مقترحة")

    def test_rejecting_from_the_admin_asks_for_the_reason_first(self):
        chosen = {"action": "reject_proposals", "_selected_action": [self.proposal.pk]}

        page = self.client.post(self.url, chosen)

        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'name="reason"')
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, LectureStatus.PROPOSED)
        self.client.post(self.url, {**chosen, "reason": "القاعة محجوزة"})
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, LectureStatus.REJECTED)
        self.assertEqual(self.proposal.rejection_reason, "القاعة محجوزة")

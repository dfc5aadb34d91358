"""The demo's story (enrollments_payments/demo.py): what a newcomer finds after
``seed_demo`` — enrolled families, attendance taken, alerts, a dashboard with figures —
made through the services, on the real clock and at the awkward hours of a day."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APITestCase

from attendance.models import (
    AttendanceSource,
    AttendanceSubmission,
    InstructorAttendance,
    LectureAttendance,
)
from core.models import JobLog
from courses.models import Lecture
from courses.rules import CENTER_TZ, center_weekday
from enrollments_payments.dashboard import dashboard_figures
from enrollments_payments.demo import seed_demo
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    Payment,
    RefundRequest,
    RequestStatus,
)
from enrollments_payments.services import enrollment_request_approve
from notifications.models import Notification
from users import demo as people


def _user(phone: str):
    from users.models import CustomUser

    return CustomUser.objects.get(phone_number1=phone)


def _days_back_to(weekday: int, at: time) -> datetime:
    """The latest past day with the center's ``weekday`` (not today) at ``at``, Cairo."""
    day = timezone.localdate() - timedelta(days=1)
    while center_weekday(day) != weekday:
        day -= timedelta(days=1)
    return datetime.combine(day, at, tzinfo=CENTER_TZ)


class DemoStoryTests(APITestCase):
    """On the real clock, as ``./run.sh`` loads it."""

    @classmethod
    def setUpTestData(cls):
        cls.now = timezone.now()
        cls.story = seed_demo(now=cls.now)
        cls.parent = _user(people.PARENT_PHONE)
        cls.student = _user(people.STUDENT_PHONE)

    def test_the_families_are_enrolled_and_have_paid(self):
        enrollments = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
        self.assertEqual(
            sorted(
                ((e.course or e.online_course).slug, e.participant.full_name) for e in enrollments
            ),
            [
                ("arabic-adults", "سارة حسن"),
                ("calligraphy-all", "يوسف محمد"),
                ("quran-kids", "مريم محمد"),
                ("quran-kids", "يوسف محمد"),
                ("tajweed-adults-online", "سارة حسن"),  # online_courses/tests/test_demo.py
            ],
        )
        # Each seat went through a request the admin approved before the course began.
        for enrollment in enrollments:
            request = EnrollmentRequest.objects.get(enrollment=enrollment)
            self.assertEqual(request.status, RequestStatus.APPROVED)
            if enrollment.course is not None:
                self.assertLess(enrollment.enrolled_at.date(), enrollment.course.start_date)
        paid = Payment.objects.aggregate(total=Sum("amount"))["total"]
        self.assertEqual(paid, Decimal("1650.00"))  # calligraphy is 100.00 short

    def test_one_enrollment_and_one_refund_request_wait_for_the_admin(self):
        pending = EnrollmentRequest.objects.get(status=RequestStatus.PENDING)
        self.assertEqual(
            (pending.course.slug, pending.child.first_name), ("calligraphy-all", "مريم")
        )
        refund = RefundRequest.objects.get(status="pending")
        self.assertEqual((refund.amount, refund.requested_by), (Decimal("50.00"), self.parent))

    def test_every_lecture_that_began_was_taken_or_left_to_the_nightly_job(self):
        began = [
            lec
            for lec in Lecture.objects.exclude(status="cancelled").order_by("date", "start_time")
            if lec.starts_at <= self.now
        ]
        self.assertGreaterEqual(len(began), 8)  # two weeks of four weekly slots
        untaken = [lec for lec in began if not lec.attendance_taken]
        self.assertEqual([lec.course.slug for lec in untaken], ["calligraphy-all"])
        # The nightly job marked that one: absences by the system, with nobody's name.
        rows = LectureAttendance.objects.filter(lecture=untaken[0])
        self.assertTrue(rows.exists())
        self.assertTrue(
            all(r.source == AttendanceSource.SYSTEM and r.marked_by is None for r in rows)
        )
        self.assertEqual(
            set(JobLog.objects.values_list("job_name", "status", "run_date")),
            {
                ("generate_instructor_attendance_weekly", "success", self._sunday()),
                ("mark_absent_daily", "success", untaken[0].date),
            },
        )
        # The others through the submission service, by the lecture's instructor, inside
        # the window (ten minutes in).
        for submission in AttendanceSubmission.objects.select_related("lecture"):
            self.assertEqual(submission.submitted_by.phone_number1, people.INSTRUCTOR_PHONE)
            self.assertEqual(submission.source, AttendanceSource.INSTRUCTOR)
            self.assertGreaterEqual(submission.at, submission.lecture.starts_at)
            self.assertLessEqual(submission.at, submission.lecture.ends_at)

    def _sunday(self):
        today = timezone.localdate(self.now)
        return today - timedelta(days=(today.weekday() + 1) % 7)

    def test_absences_alert_the_parent_and_the_student(self):
        alerts = Notification.objects.filter(kind="absence")
        by_recipient = {
            user: alerts.filter(recipient=user).count() for user in (self.parent, self.student)
        }
        # The parent: the younger child once, the elder at calligraphy (the nightly job)
        # and at today's review of the children's course when the demo added one; the
        # student once.
        extra = self.story.extra_lecture
        review = extra is not None and extra.course.slug == "quran-kids"
        self.assertEqual(by_recipient, {self.parent: 2 + review, self.student: 1})

    def test_the_instructor_sessions_are_recorded(self):
        rows = InstructorAttendance.objects.filter(lecture__isnull=False)
        began = [row for row in rows if row.lecture.starts_at <= self.now]
        self.assertEqual({row.status for row in began}, {"present", "late"})
        # Late: at the adults' course's first lecture, and at today's extra lecture when
        # it began more than the grace before the demo was loaded (check-in 15 minutes in).
        first_adults = min(
            (row.lecture for row in began if row.lecture.course.slug == "arabic-adults"),
            key=lambda lec: lec.starts_at,
        )
        expected = {first_adults.pk}
        extra = self.story.extra_lecture
        if extra is not None and self.now > extra.starts_at + timedelta(minutes=10):
            expected.add(extra.pk)
        self.assertEqual({row.lecture_id for row in began if row.status == "late"}, expected)
        ended = [row for row in began if row.lecture.ends_at + timedelta(minutes=3) <= self.now]
        self.assertTrue(ended)
        self.assertTrue(all(row.rating and row.check_out_at for row in ended))
        # Next days' sessions are planned by this week's run of the weekly job.
        self.assertTrue(rows.filter(status="pending").exists())

    def test_the_dashboard_has_figures(self):
        figures = dashboard_figures(now=self.now)
        self.assertEqual(figures["pending"], {"enrollment_requests": 1, "refund_requests": 1})
        self.assertTrue(figures["lectures"], "a lecture today")
        started = [
            lec
            for lec in figures["lectures"]
            if datetime.fromisoformat(lec["starts_at"]) <= self.now
        ]
        for lecture in started:
            self.assertEqual(lecture["state"], "taken")
            self.assertGreater(lecture["counts"]["present"] + lecture["counts"]["absent"], 0)
        weeks = figures["weekly_attendance"]
        self.assertGreaterEqual(len(weeks), 3)
        self.assertTrue(all(week["rate"] is not None for week in weeks[:2]))
        self.assertTrue(all(0 < week["rate"] < 1 for week in weeks[:2]))

    def test_the_parent_sees_attendance_and_progress_through_the_api(self):
        self.client.force_authenticate(self.parent)
        rows = self.client.get("/api/attendance/?page_size=100").json()["results"]
        self.assertEqual({row["participant"]["name"] for row in rows}, {"يوسف محمد", "مريم محمد"})
        # The history: marked rows of the lectures held; the unmarked ones are to come.
        self.assertEqual({row["present"] for row in rows}, {True, False})
        upcoming = self.client.get("/api/attendance/?upcoming=true&page_size=100").json()
        self.assertEqual({row["present"] for row in upcoming["results"]}, {None})
        enrollments = self.client.get("/api/enrollments/").json()["results"]
        self.assertEqual(len(enrollments), 3)
        for enrollment in enrollments:
            progress = enrollment["progress"]
            self.assertGreater(progress["lectures_held"], 0)
            self.assertIsNotNone(progress["attendance_rate"])
            self.assertIsNotNone(progress["average_rating"])


class DemoStoryAtAnyHourTests(APITestCase):
    """The story is told relative to ``now``: at midnight, just before it, and while a
    scheduled lecture is on, it still has a lecture today with its roll call taken."""

    def tell(self, now: datetime):
        story = seed_demo(now=now)
        self.assertTrue(story.written)
        today = timezone.localdate(now, CENTER_TZ)
        running = [lec for lec in Lecture.objects.filter(date=today) if lec.starts_at <= now]
        self.assertTrue(running, "a lecture today has begun")
        self.assertTrue(all(lec.attendance_taken for lec in running))
        return story, running

    def test_just_after_midnight(self):
        now = _days_back_to(2, time(0, 2))  # a Monday: no weekly slot
        story, running = self.tell(now)
        self.assertEqual(running, [story.extra_lecture])
        self.assertEqual(story.extra_lecture.start_time, time(0, 0))

    def test_just_before_midnight(self):
        now = _days_back_to(2, time(23, 58))
        story, running = self.tell(now)
        self.assertEqual(
            (story.extra_lecture.start_time, story.extra_lecture.end_time),
            (time(23, 5), time(23, 59)),
        )

    def test_during_a_scheduled_lecture_no_extra_one_is_added(self):
        now = _days_back_to(0, time(17, 30))  # Saturday, the children's course 17:00–18:30
        story, running = self.tell(now)
        self.assertIsNone(story.extra_lecture)
        self.assertEqual([lec.course.slug for lec in running], ["quran-kids"])
        self.assertFalse(Lecture.objects.filter(is_manual=True).exists())


class DemoStoryOnceTests(APITestCase):
    def test_a_later_run_leaves_the_story_and_the_admins_decisions_alone(self):
        seed_demo()
        pending = EnrollmentRequest.objects.get(status=RequestStatus.PENDING)
        enrollment_request_approve(request=pending, actor=_user(people.ADMIN_PHONE))
        counts = (
            Enrollment.objects.count(),
            EnrollmentRequest.objects.count(),
            LectureAttendance.objects.count(),
            Notification.objects.count(),
        )

        story = seed_demo()

        self.assertFalse(story.written)
        self.assertFalse(EnrollmentRequest.objects.filter(status=RequestStatus.PENDING).exists())
        self.assertEqual(
            counts,
            (
                Enrollment.objects.count(),
                EnrollmentRequest.objects.count(),
                LectureAttendance.objects.count(),
                Notification.objects.count(),
            ),
        )

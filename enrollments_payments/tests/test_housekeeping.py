"""Nightly housekeeping: set-based, idempotent, and a command that exits non-zero on failure."""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from core.models import JobLog, JobStatus
from courses.tests.factories import CourseFactory
from enrollments_payments import services
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    RequestStatus,
)
from enrollments_payments.tests.factories import NOW, make_enrollment, make_lectures, make_request
from users.tests.factories import make_admin, make_child


class ExpireTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.old = [make_request(participant=make_child(), now=NOW) for _ in range(3)]
        cls.fresh = make_request(participant=make_child(), now=NOW + datetime.timedelta(days=5))
        cls.cancelled = make_request(participant=make_child(), now=NOW)
        services.enrollment_request_cancel(request=cls.cancelled, actor=make_admin())

    def test_it_expires_only_pending_requests_past_their_expiry_in_one_update(self):
        later = NOW + datetime.timedelta(days=8)
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(services.enrollment_requests_expire(now=later), 3)
        self.assertEqual(len(ctx.captured_queries), 1)
        statuses = dict(EnrollmentRequest.objects.values_list("pk", "status"))
        self.assertEqual({statuses[r.pk] for r in self.old}, {RequestStatus.EXPIRED})
        self.assertEqual(statuses[self.fresh.pk], RequestStatus.PENDING)
        self.assertEqual(statuses[self.cancelled.pk], RequestStatus.CANCELLED)
        self.assertEqual(services.enrollment_requests_expire(now=later), 0)

    def test_the_command_takes_a_date_and_logs_each_run(self):
        out = StringIO()
        call_command("expire_enrollment_requests", "--date", "2026-11-17", stdout=out)
        self.assertIn('success {"expired": 3}', out.getvalue())
        call_command("expire_enrollment_requests", "--date", "2026-11-17", stdout=out)
        self.assertIn('success {"expired": 0}', out.getvalue())
        logs = JobLog.objects.filter(job_name="expire_enrollment_requests")
        self.assertEqual(
            list(logs.order_by("pk").values_list("status", "counts")),
            [(JobStatus.SUCCESS, {"expired": 3}), (JobStatus.SUCCESS, {"expired": 0})],
        )

    def test_a_date_in_the_past_judges_expiry_at_the_end_of_that_day(self):
        # The requests expire seven days after NOW: not yet at the end of the sixth day.
        sixth = (NOW + datetime.timedelta(days=6)).date()
        call_command("expire_enrollment_requests", "--date", sixth.isoformat(), stdout=StringIO())
        self.assertFalse(EnrollmentRequest.objects.filter(status=RequestStatus.EXPIRED).exists())

    def test_the_command_fails_loudly_and_the_failure_is_logged(self):
        with self.assertRaises(CommandError):
            call_command("expire_enrollment_requests", "--date", "16/11/2026")
        with (
            mock.patch(
                "enrollments_payments.services.enrollment_requests_expire",
                side_effect=RuntimeError("db down"),
            ),
            self.assertRaises(CommandError),
        ):
            call_command("expire_enrollment_requests", stdout=StringIO())
        log = JobLog.objects.get(job_name="expire_enrollment_requests")
        self.assertEqual(log.status, JobStatus.FAILED)
        self.assertIn("db down", log.error)

    def test_the_nightly_job_is_scheduled(self):
        from django.conf import settings

        scheduled = {path for _when, path in settings.CRONJOBS}
        self.assertIn("enrollments_payments.cron.expire_enrollment_requests_nightly", scheduled)
        self.assertIn("enrollments_payments.cron.complete_enrollments_nightly", scheduled)


class CompleteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        admin = make_admin()
        cls.ended = CourseFactory(
            start_date=datetime.date(2026, 11, 1), end_date=datetime.date(2026, 11, 12)
        )
        cls.running = CourseFactory(
            start_date=datetime.date(2026, 11, 1), end_date=datetime.date(2026, 12, 30)
        )
        cls.by_count = CourseFactory(end_date=None, num_lectures=2)
        make_lectures(
            cls.by_count, [(datetime.date(2026, 11, 5), 9), (datetime.date(2026, 11, 11), 9)]
        )
        cls.a = make_enrollment(participant=make_child(), course=cls.ended, admin=admin)
        cls.b = make_enrollment(participant=make_child(), course=cls.running, admin=admin)
        cls.c = make_enrollment(participant=make_child(), course=cls.by_count, admin=admin)
        cls.dropped = make_enrollment(participant=make_child(), course=cls.ended, admin=admin)
        services.enrollment_drop(enrollment=cls.dropped, actor=admin, now=NOW)

    def test_it_completes_active_enrollments_of_ended_courses_in_one_update(self):
        with CaptureQueriesContext(connection) as ctx:
            done = services.enrollments_complete_ended(today=datetime.date(2026, 11, 13))
        self.assertEqual(done, 2)
        self.assertEqual(len(ctx.captured_queries), 1)
        statuses = dict(Enrollment.objects.values_list("pk", "status"))
        self.assertEqual(statuses[self.a.pk], EnrollmentStatus.COMPLETED)
        self.assertEqual(statuses[self.c.pk], EnrollmentStatus.COMPLETED)
        self.assertEqual(statuses[self.b.pk], EnrollmentStatus.ACTIVE)
        self.assertEqual(statuses[self.dropped.pk], EnrollmentStatus.DROPPED)
        self.assertEqual(services.enrollments_complete_ended(today=datetime.date(2026, 11, 13)), 0)

    def test_a_course_is_not_over_on_its_last_day(self):
        self.assertEqual(services.enrollments_complete_ended(today=datetime.date(2026, 11, 12)), 1)
        self.assertEqual(Enrollment.objects.get(pk=self.a.pk).status, EnrollmentStatus.ACTIVE)

    def test_the_command(self):
        out = StringIO()
        call_command("complete_enrollments", "--date", "2026-11-13", stdout=out)
        self.assertIn('success {"completed": 2}', out.getvalue())
        log = JobLog.objects.get(job_name="complete_enrollments")
        self.assertEqual((log.status, log.counts), (JobStatus.SUCCESS, {"completed": 2}))

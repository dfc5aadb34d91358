"""The nightly end of expired online access: set-based, idempotent, logged, by hand too."""

from __future__ import annotations

import datetime
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from core.models import JobLog, JobStatus
from courses.tests.factories import CourseFactory
from enrollments_payments import services
from enrollments_payments.models import Enrollment, EnrollmentStatus
from enrollments_payments.tests.factories import NOW, make_enrollment
from online_courses.tests.enrol import enrol_online
from online_courses.tests.factories import OnlineCourseFactory
from users.tests.factories import make_admin, make_child

DAY = datetime.timedelta(days=1)


class EndOnlineAccessTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        admin = make_admin()
        short = OnlineCourseFactory(access_days=2)
        cls.expired = [
            enrol_online(participant=make_child(), online_course=short, admin=admin)
            for _ in range(2)
        ]
        cls.running = enrol_online(
            participant=make_child(), online_course=OnlineCourseFactory(access_days=30), admin=admin
        )
        cls.forever = enrol_online(
            participant=make_child(),
            online_course=OnlineCourseFactory(access_days=None),
            admin=admin,
        )
        cls.dropped = enrol_online(participant=make_child(), online_course=short, admin=admin)
        services.enrollment_drop(enrollment=cls.dropped, actor=admin, now=NOW)
        cls.onsite = make_enrollment(participant=make_child(), course=CourseFactory(), admin=admin)

    def test_it_completes_only_active_enrollments_whose_access_passed_in_one_update(self):
        later = NOW + 3 * DAY
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(services.enrollments_end_expired_access(now=later), 2)
        self.assertEqual(len(ctx.captured_queries), 1)
        statuses = dict(Enrollment.objects.values_list("pk", "status"))
        self.assertEqual({statuses[e.pk] for e in self.expired}, {EnrollmentStatus.COMPLETED})
        for kept, status in (
            (self.running, EnrollmentStatus.ACTIVE),
            (self.forever, EnrollmentStatus.ACTIVE),
            (self.dropped, EnrollmentStatus.DROPPED),
            (self.onsite, EnrollmentStatus.ACTIVE),
        ):
            self.assertEqual(statuses[kept.pk], status)
        self.assertEqual(Enrollment.objects.get(pk=self.expired[0].pk).ended_at, later)
        self.assertEqual(services.enrollments_end_expired_access(now=later), 0)

    def test_access_still_running_at_the_moment_is_kept(self):
        self.assertEqual(services.enrollments_end_expired_access(now=NOW + DAY), 0)

    def test_the_command_and_its_log(self):
        out = StringIO()
        day = (NOW + 3 * DAY).date().isoformat()
        call_command("end_online_access", "--date", day, stdout=out)
        self.assertIn('success {"access_ended": 2}', out.getvalue())
        log = JobLog.objects.get(job_name="end_online_access")
        self.assertEqual((log.status, log.counts), (JobStatus.SUCCESS, {"access_ended": 2}))

    def test_it_is_scheduled_nightly(self):
        paths = {path for _when, path in settings.CRONJOBS}
        self.assertIn("enrollments_payments.cron.end_online_access_nightly", paths)

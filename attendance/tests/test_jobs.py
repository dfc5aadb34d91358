"""The scheduled jobs (issue #10, points 4 and 8): weekly rows, nightly marking, the log."""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

import time_machine
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from attendance import cron, job_services
from attendance.models import InstructorAttendance, LectureAttendance
from attendance.tests.factories import LectureRowFactory, ShiftFactory, ShiftRowFactory
from attendance.tests.ws_helpers import access_token, open_socket, own_channel_layer
from core.jobs import run_job
from core.models import JobLog
from courses.rules import local_datetime
from courses.tests.factories import CourseFactory, LectureFactory
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_admin, make_child, make_instructor, make_parent

SUNDAY = datetime.date(2026, 11, 8)
DAY = datetime.date(2026, 11, 7)  # Saturday
NIGHT = local_datetime(DAY, datetime.time(23, 59))


class WeeklyJobTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = CourseFactory()
        cls.in_week = [
            LectureFactory(course=cls.course, date=SUNDAY + datetime.timedelta(days=d))
            for d in (0, 3, 6)
        ]
        cls.after = LectureFactory(course=cls.course, date=SUNDAY + datetime.timedelta(days=7))
        cls.before = LectureFactory(course=cls.course, date=DAY)
        cls.cancelled = LectureFactory(
            course=cls.course, date=SUNDAY + datetime.timedelta(days=1), status="cancelled"
        )
        cls.shift = ShiftFactory(weekday=1)  # Sunday
        cls.idle = ShiftFactory(weekday=2, is_active=False)

    def test_it_creates_pending_rows_for_the_seven_days_and_twice_creates_nothing(self):
        log = cron.generate_instructor_attendance_weekly(day=SUNDAY)
        self.assertEqual(log.status, "success", log.error)
        self.assertEqual((log.counts["lecture_rows"], log.counts["shift_rows"]), (3, 1))
        self.assertEqual(
            set(
                InstructorAttendance.objects.filter(lecture__isnull=False).values_list(
                    "lecture_id", flat=True
                )
            ),
            {lecture.pk for lecture in self.in_week},
        )
        shift_row = InstructorAttendance.objects.get(shift=self.shift)
        self.assertEqual((shift_row.date, shift_row.status), (SUNDAY, "pending"))
        self.assertEqual(shift_row.instructor, self.shift.supervisor)

        again = cron.generate_instructor_attendance_weekly(day=SUNDAY)
        self.assertEqual((again.counts["lecture_rows"], again.counts["shift_rows"]), (0, 0))
        self.assertEqual(InstructorAttendance.objects.count(), 4)

    def test_a_substitute_set_after_planning_gets_the_row(self):
        cron.generate_instructor_attendance_weekly(day=SUNDAY)
        substitute = CourseFactory().instructor
        lecture = self.in_week[0]
        lecture.instructor = substitute
        lecture.save(update_fields=["instructor"])
        log = cron.generate_instructor_attendance_weekly(day=SUNDAY)
        self.assertEqual(log.counts["reassigned"], 1)
        self.assertEqual(InstructorAttendance.objects.get(lecture=lecture).instructor, substitute)

    def test_the_command_takes_a_date_and_reports(self):
        out = StringIO()
        call_command("generate_instructor_attendance_weekly", "--date", "2026-11-08", stdout=out)
        self.assertIn("success", out.getvalue())
        self.assertEqual(JobLog.objects.get().run_date, SUNDAY)
        with self.assertRaises(CommandError):
            call_command("generate_instructor_attendance_weekly", "--date", "08/11/2026")


class NightlyJobTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        parent = make_parent()
        cls.children = [make_child(parent) for _ in range(3)]
        cls.course = CourseFactory()
        cls.lecture = LectureFactory(course=cls.course, date=DAY)
        cls.other_day = LectureFactory(course=cls.course, date=DAY + datetime.timedelta(days=1))
        cls.cancelled = LectureFactory(course=cls.course, date=DAY, status="cancelled")
        cls.unmarked = LectureAttendance.objects.create(lecture=cls.lecture, child=cls.children[0])
        cls.marked = LectureAttendance.objects.create(
            lecture=cls.lecture,
            child=cls.children[1],
            present=True,
            rating=9,
            source="instructor",
            marked_by=cls.admin,
        )
        cls.tomorrow = LectureAttendance.objects.create(
            lecture=cls.other_day, child=cls.children[2]
        )
        cls.pending = LectureRowFactory(lecture=cls.lecture)
        cls.present = ShiftRowFactory(date=DAY, status="present", check_in_at=NIGHT)
        cls.pending_shift = ShiftRowFactory(date=DAY)
        cls.pending_tomorrow = LectureRowFactory(lecture=cls.other_day)
        cls.pending_cancelled = LectureRowFactory(lecture=cls.cancelled)

    def run_night(self):
        with time_machine.travel(NIGHT, tick=False):
            return cron.mark_absent_daily(day=DAY)

    def test_it_marks_unmarked_rows_absent_by_the_system_and_keeps_every_mark(self):
        log = self.run_night()
        self.assertEqual(log.status, "success", log.error)
        self.unmarked.refresh_from_db()
        self.assertEqual(
            (self.unmarked.present, self.unmarked.source, self.unmarked.marked_by),
            (False, "system", None),
        )
        self.assertEqual(self.unmarked.marked_at, NIGHT)
        self.assertIsNone(self.unmarked.rating)
        self.marked.refresh_from_db()
        self.assertEqual((self.marked.present, self.marked.source), (True, "instructor"))
        self.assertEqual(self.marked.marked_by, self.admin)
        self.tomorrow.refresh_from_db()
        self.assertIsNone(self.tomorrow.present)
        self.assertEqual(log.counts["participants_absent"], 1)

    def test_it_marks_pending_instructor_rows_of_the_day_absent_only(self):
        log = self.run_night()
        status = dict(InstructorAttendance.objects.values_list("pk", "status"))
        self.assertEqual(status[self.pending.pk], "absent")
        self.assertEqual(status[self.pending_shift.pk], "absent")
        self.assertEqual(status[self.present.pk], "present")
        self.assertEqual(status[self.pending_tomorrow.pk], "pending")
        self.assertNotIn(self.pending_cancelled.pk, status)
        self.assertEqual(log.counts["instructors_absent"], 2)
        self.assertEqual(log.counts["cancelled_removed"], 1)

    def test_a_second_run_changes_nothing(self):
        self.run_night()
        again = self.run_night()
        self.assertEqual(again.counts["participants_absent"], 0)
        self.assertEqual(again.counts["instructors_absent"], 0)

    def test_a_run_that_marks_nothing_announces_nothing(self):
        self.run_night()
        with mock.patch("attendance.live.group_send_many_safely") as send:
            with self.captureOnCommitCallbacks(execute=True):
                log = self.run_night()
        self.assertEqual(log.counts["participants_absent"], 0)
        send.assert_not_called()

    def test_lectures_not_over_yet_are_left_alone(self):
        noon = local_datetime(DAY, datetime.time(12, 0))  # the lecture runs 17:00–18:30
        with time_machine.travel(noon, tick=False):
            log = cron.mark_absent_daily(day=DAY)
        self.unmarked.refresh_from_db()
        self.assertIsNone(self.unmarked.present)
        self.assertEqual(log.counts["participants_absent"], 0)

    def test_it_runs_a_fixed_number_of_statements(self):
        counts = []
        for extra in (0, 40):
            for _ in range(extra):
                LectureAttendance.objects.create(lecture=self.lecture, child=make_child())
            with CaptureQueriesContext(connection) as queries:
                self.run_night()
            counts.append(len(queries))
            LectureAttendance.objects.filter(source="system").update(
                present=None, source="", marked_at=None
            )
        self.assertEqual(counts[0], counts[1])
        # Lock, mark, two alert inserts, instructor steps, log: a handful, whatever the rows.
        self.assertLessEqual(counts[0], 16)

    def test_a_failure_half_way_rolls_back_and_logs_failed(self):
        def boom(**kwargs):
            raise RuntimeError("disk full")

        with (
            mock.patch.object(job_services, "_reassign_substitutes", side_effect=boom),
            time_machine.travel(NIGHT, tick=False),
        ):
            log = cron.mark_absent_daily(day=DAY)
        self.assertEqual(log.status, "failed")
        self.assertIn("disk full", log.error)
        # The roster UPDATE ran before the failure and was rolled back with it.
        self.unmarked.refresh_from_db()
        self.assertIsNone(self.unmarked.present)
        self.assertEqual(JobLog.objects.get().status, "failed")
        # …and the next run still works.
        self.assertEqual(self.run_night().status, "success")

    def test_the_command_exits_non_zero_when_the_job_failed(self):
        with (
            mock.patch.object(job_services, "_reassign_substitutes", side_effect=ValueError("x")),
            self.assertRaises(CommandError),
        ):
            call_command("mark_absent_daily", "--date", DAY.isoformat())
        out = StringIO()
        with time_machine.travel(NIGHT, tick=False):
            call_command("mark_absent_daily", "--date", DAY.isoformat(), stdout=out)
        self.assertIn("mark_absent_daily 2026-11-07: success", out.getvalue())

    def test_a_run_while_another_holds_the_lock_is_skipped(self):
        if connection.vendor == "postgresql":
            # Another session (another container) holds the job's advisory lock.
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_lock(hashtext(%s))", ["redwan:mark_absent_daily"]
                    )
                log = self.run_night()
            finally:
                other.close()
        else:
            # The process-local lock: a run started while one is in progress.
            inner = []

            def step(*, day):
                inner.append(self.run_night())
                return {}

            run_job("mark_absent_daily", step, day=DAY)
            log = inner[0]
        self.assertEqual(log.status, "skipped")
        self.unmarked.refresh_from_db()
        self.assertIsNone(self.unmarked.present)


class FlushTokensJobTests(TestCase):
    def test_it_flushes_expired_tokens_and_logs(self):
        from django.utils import timezone
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        user = make_admin()
        past = timezone.now() - datetime.timedelta(days=1)
        OutstandingToken.objects.create(user=user, jti="a", token="t", expires_at=past)
        OutstandingToken.objects.create(
            user=user, jti="b", token="t", expires_at=timezone.now() + datetime.timedelta(days=1)
        )
        log = cron.flush_expired_tokens_nightly()
        self.assertEqual(
            (log.status, log.counts),
            ("success", {"tokens_flushed": 1, "reset_codes_deleted": 0}),
        )
        self.assertEqual(list(OutstandingToken.objects.values_list("jti", flat=True)), ["b"])

    def test_it_deletes_password_reset_codes_expired_for_a_day(self):
        from django.utils import timezone

        from users.models import CodePurpose, VerificationCode

        now = timezone.now()
        for phone, expired_ago in (("+201000000001", 25), ("+201000000002", 23)):
            VerificationCode.objects.create(
                purpose=CodePurpose.PASSWORD_RESET,
                phone=phone,
                code_hash="x",
                created_at=now - datetime.timedelta(hours=expired_ago, minutes=10),
                expires_at=now - datetime.timedelta(hours=expired_ago),
            )
        log = cron.flush_expired_tokens_nightly()
        self.assertEqual(log.counts["reset_codes_deleted"], 1)
        self.assertEqual(
            list(VerificationCode.objects.values_list("phone", flat=True)), ["+201000000002"]
        )


class CronLogApiTests(APITestCase):
    def test_admins_read_the_job_log_others_do_not(self):
        log = cron.generate_instructor_attendance_weekly(day=SUNDAY)
        self.client.force_authenticate(make_admin())
        response = self.client.get("/api/cron-logs/?job_name=generate_instructor_attendance_weekly")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["results"][0]["id"], log.pk)
        self.assertEqual(response.data["results"][0]["status"], "success")
        self.client.force_authenticate(make_parent().user)
        self.assertEqual(self.client.get("/api/cron-logs/").status_code, 403)
        self.client.force_authenticate(None)
        self.assertEqual(self.client.get("/api/cron-logs/").status_code, 401)


@requires_postgres
class NightlyJobRaceTests(TransactionTestCase):
    """Two nightly runs at once: one marks, the other records ``skipped``."""

    def test_two_runs_at_once_mark_each_row_once_and_one_is_skipped(self):
        lecture = LectureFactory(date=DAY)
        rows = [
            LectureAttendance.objects.create(lecture=lecture, child=make_child()) for _ in range(20)
        ]

        def slow_step(*, day):
            counts = job_services.attendance_mark_absent_day(day=day, now=NIGHT)
            # Hold the lock long enough for the other run to try it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(1)")
            return counts

        def run():
            return run_job("mark_absent_daily", slow_step, day=DAY)

        logs = run_concurrently(run, run)
        self.assertTrue(all(isinstance(log, JobLog) for log in logs), logs)
        self.assertEqual(sorted(log.status for log in logs), ["skipped", "success"])
        done = next(log for log in logs if log.status == "success")
        self.assertEqual(done.counts["participants_absent"], len(rows))
        self.assertEqual(
            LectureAttendance.objects.filter(present=False, source="system").count(), len(rows)
        )
        self.assertEqual(JobLog.objects.count(), 2)


class NightlyPlansMissingRowsTests(TestCase):
    def test_a_lecture_added_after_the_weekly_run_gets_its_instructor_marked_absent(self):
        lecture = LectureFactory(date=DAY)
        with time_machine.travel(NIGHT, tick=False):
            log = cron.mark_absent_daily(day=DAY)
        self.assertEqual(log.counts["instructor_rows_planned"], 1)
        row = InstructorAttendance.objects.get(lecture=lecture)
        self.assertEqual((row.instructor, row.status), (lecture.instructor, "absent"))


class NightlyJobAnnouncesTests(TransactionTestCase):
    """§7: attendance the job marks is announced like a submission — to every admin and
    the lecture's instructor, after the commit — and to nobody else."""

    def setUp(self):
        super().setUp()
        layer = own_channel_layer()
        layer.enable()
        self.addCleanup(layer.disable)
        self.admin = make_admin()
        self.instructor = make_instructor()
        self.other = make_instructor()
        parent = make_parent()
        self.lecture = LectureFactory(course=CourseFactory(instructor=self.instructor), date=DAY)
        LectureAttendance.objects.create(lecture=self.lecture, child=make_child(parent))
        LectureAttendance.objects.create(
            lecture=self.lecture, child=make_child(parent), present=True, rating=9
        )
        # Taken in full by its instructor: the job marks nothing there, so says nothing.
        taken = LectureFactory(course=CourseFactory(instructor=self.other), date=DAY)
        LectureAttendance.objects.create(
            lecture=taken, child=make_child(parent), present=True, rating=8
        )

    def run_night(self):
        with time_machine.travel(NIGHT, tick=False):
            return cron.mark_absent_daily(day=DAY)

    async def connect(self, user):
        socket = await open_socket(f"token={await sync_to_async(access_token)(user)}")
        self.assertEqual((await socket.receive_json())["type"], "connection_established")
        return socket

    async def test_admins_and_the_lectures_instructor_hear_of_each_lecture_it_marked(self):
        admin = await self.connect(self.admin)
        mine = await self.connect(self.instructor.user)
        other = await self.connect(self.other.user)

        log = await sync_to_async(self.run_night)()

        self.assertEqual(log.counts["lectures_announced"], 1)
        expected = {
            "type": "attendance_update",
            "lecture": self.lecture.pk,
            "course": self.lecture.course_id,
            "date": "2026-11-07",
            "attendance_taken": False,
            "counts": {"total": 2, "present": 1, "absent": 1, "unmarked": 0},
            "submitted_by": None,
            "at": "2026-11-07T23:59:00+02:00",
        }
        self.assertEqual(await admin.receive_json(), expected)
        self.assertEqual(await mine.receive_json(), expected)
        self.assertTrue(await other.nothing(timeout=0.5))
        self.assertTrue(await admin.nothing(timeout=0.2))  # one event per lecture marked
        for socket in (admin, mine, other):
            await socket.leave()

    def test_a_failing_channel_layer_is_logged_once_and_the_run_succeeds(self):
        layer = get_channel_layer()
        with (
            mock.patch.object(layer, "group_send", side_effect=ConnectionError("redis down")),
            self.assertLogs("core.realtime", level="WARNING") as logs,
        ):
            log = self.run_night()
        self.assertEqual(log.status, "success", log.error)
        self.assertEqual(len(logs.records), 1)
        self.assertIn("failed for 2 of 2 events: ConnectionError: redis down", logs.output[0])
        self.assertEqual(LectureAttendance.objects.filter(source="system").count(), 1)

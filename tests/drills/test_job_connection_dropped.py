"""Drill: the PostgreSQL connection of a scheduled job is dropped while it runs (issue
#12, point 7; SPEC §8: "a failed run rolls back its own writes and records the error; the
next run still works").

Another session holds a row lock the nightly job needs, waits until the job's session is
stuck behind it, and terminates that session with ``pg_terminate_backend`` — what a
database restart or a failover does to a running job. No code of ours is mocked.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import threading

from django.db import connection, transaction
from django.test import TransactionTestCase

from attendance import cron
from attendance.models import LectureAttendance
from core.jobs import run_job
from core.models import JobLog
from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from testkit.db import requires_postgres
from tests.drills.helpers import lock_row, pg_session, wait_for_backend_blocked_by
from tests.live_server import ROOT, server_env
from users.tests.factories import make_child

TERMINATED = "terminating connection due to administrator command"


class Terminator(threading.Thread):
    """Holds a lock on one roster row; when a session waits for it, terminates that
    session, then lets the lock go. ``victim`` is the terminated backend's pid."""

    def __init__(self, table: str, pk: int) -> None:
        super().__init__(daemon=True)
        self.holder = pg_session(autocommit=False)
        lock_row(self.holder, table, pk)
        self.victim: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with pg_session(autocommit=True) as monitor:
                self.victim = wait_for_backend_blocked_by(monitor, self.holder.info.backend_pid)
                monitor.execute("SELECT pg_terminate_backend(%s)", [self.victim])
        except BaseException as exc:  # reported to the test by finish()
            self.error = exc
        finally:
            self.holder.rollback()
            self.holder.close()

    def finish(self) -> int:
        self.join(timeout=30)
        if self.error is not None:
            raise self.error
        assert self.victim is not None
        return self.victim


@requires_postgres
class JobConnectionDroppedTests(TransactionTestCase):
    def setUp(self):
        # Yesterday (Cairo): the whole day is over, so the nightly job marks every row.
        self.day = datetime.datetime.now(tz=CENTER_TZ).date() - datetime.timedelta(days=1)
        lecture = LectureFactory(course=CourseFactory(), date=self.day)
        self.rows = [make_attendance(lecture, child=make_child()) for _ in range(3)]
        self.table = LectureAttendance._meta.db_table
        # Whatever a drill did to this thread's session, the teardown gets a working one.
        self.addCleanup(connection.close)

    def unmarked(self) -> int:
        return LectureAttendance.objects.filter(pk__in=[r.pk for r in self.rows]).unmarked().count()

    def test_the_run_is_logged_failed_with_the_error_and_the_next_run_succeeds(self):
        terminator = Terminator(self.table, self.rows[0].pk)
        terminator.start()
        with self.assertLogs("core.jobs", level="ERROR") as logs:
            log = cron.mark_absent_daily(day=self.day)  # this thread's connection is killed
        victim = terminator.finish()

        self.assertEqual(log.status, "failed")
        self.assertIn(f"OperationalError: {TERMINATED}", log.error)
        self.assertEqual(logs.records[0].getMessage(), "job mark_absent_daily failed")
        # The row is in the table (written on a new connection), and nothing was marked.
        self.assertEqual(JobLog.objects.get().status, "failed")
        self.assertEqual(self.unmarked(), 3)
        with pg_session(autocommit=True) as monitor:
            gone = monitor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [victim])
            self.assertEqual(gone.fetchone()[0], 0)

        # The next run, in the same thread (a fresh database session), does the work.
        second = cron.mark_absent_daily(day=self.day)
        self.assertEqual(second.status, "success")
        self.assertEqual(second.counts["participants_absent"], 3)
        self.assertEqual(self.unmarked(), 0)
        self.assertEqual(
            list(JobLog.objects.order_by("pk").values_list("status", flat=True)),
            ["failed", "success"],
        )

    def test_the_management_command_exits_1_and_the_next_command_succeeds(self):
        """The same with the job in its own process, as cron starts it."""
        command = [sys.executable, "manage.py", "mark_absent_daily", "--date", str(self.day)]
        env = {**server_env(), "DEBUG": "0"}
        terminator = Terminator(self.table, self.rows[0].pk)
        terminator.start()
        first = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        terminator.finish()

        self.assertEqual(first.returncode, 1, first.stderr)
        self.assertIn(f"mark_absent_daily {self.day}: failed", first.stderr)
        self.assertEqual(JobLog.objects.get().status, "failed")
        self.assertEqual(self.unmarked(), 3)

        second = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn(f"mark_absent_daily {self.day}: success", second.stdout)
        self.assertEqual(self.unmarked(), 0)

    def test_a_connection_dropped_after_the_commit_still_gets_its_log_row(self):
        """Killed between the step's commit and the log write: the work is done, and the
        log must say so rather than the run vanishing from the log."""

        def step(*, day):
            marked = LectureAttendance.objects.filter(pk=self.rows[0].pk).update(present=False)
            pid = connection.connection.info.backend_pid

            def kill_my_session():  # runs right after the commit, before the log write
                with pg_session(autocommit=True) as monitor:
                    monitor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])

            transaction.on_commit(kill_my_session)
            return {"marked": marked}

        with self.assertLogs("core.jobs", level="WARNING") as logs:
            log = run_job("drill_after_commit", step, day=self.day)

        self.assertEqual((log.status, log.counts), ("success", {"marked": 1}))
        self.assertEqual(JobLog.objects.get().status, "success")
        self.assertEqual(self.unmarked(), 2)
        self.assertIn("log write failed", logs.output[0])

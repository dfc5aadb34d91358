"""Drill: a client that goes away in the middle of an attendance submission (issue #12,
point 7; SPEC §6.4 "all or nothing", §10).

A raw socket talks HTTP to a real Daphne (``python -m core.serve``):

- it sends the headers and half of the JSON body, then closes: nothing reaches the
  lecture, and a full submission afterwards works;
- it sends the whole body and closes without reading the answer — while the submission
  waits for the lecture's row lock, so the close surely lands mid-request: the lecture
  ends with all of that submission's rows written or none (never a mix), with exactly one
  audit row when written, and nothing is left locked;
- the same without the lock, closing at once.
"""

from __future__ import annotations

import json
import socket
import time

from django.db import connection, transaction
from django.test import TransactionTestCase

from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.tests.ws_helpers import access_token
from courses.models import Lecture
from testkit.db import requires_postgres
from tests.drills.helpers import lock_row, pg_session, wait_for_backend_blocked_by
from tests.live_server import LiveDaphne
from tests.open_lecture import open_lecture
from users.tests.factories import make_instructor


def records(kids, *, rating: int) -> list[dict]:
    return [{"child": kid.pk, "present": True, "rating": rating} for kid in kids]


@requires_postgres
class ClientDisconnectTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = LiveDaphne().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def setUp(self):
        instructor = make_instructor()
        self.lecture, self.kids = open_lecture(instructor, children=20)
        self.token = access_token(instructor.user)
        self.path = f"/api/lectures/{self.lecture.pk}/attendance/"

    def send_and_hang_up(self, body: bytes, *, sent: int, before_closing=None) -> None:
        """POST with the full Content-Length, send ``sent`` bytes of the body, call
        ``before_closing`` (when given), close without reading a byte of the answer."""
        head = (
            f"POST {self.path} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{self.server.port}\r\n"
            "Content-Type: application/json\r\n"
            f"Authorization: Bearer {self.token}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as sock:
            sock.sendall(head + body[:sent])
            time.sleep(0.2)  # the server reads what came before it sees the close
            if before_closing is not None:
                before_closing()

    def marks(self) -> dict[int, tuple]:
        rows = LectureAttendance.objects.filter(lecture=self.lecture)
        return {row.child_id: (row.present, row.rating) for row in rows}

    def assertAllOrNone(self, rating: int) -> bool:
        """The lecture holds all of the submission's rows or none of them; returns which."""
        with transaction.atomic():  # one snapshot: a commit cannot land between the reads
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            marks = self.marks()
            audits = AttendanceSubmission.objects.filter(lecture=self.lecture).count()
        if all(mark == (None, None) for mark in marks.values()):
            self.assertEqual(audits, 0)
            return False
        self.assertEqual(set(marks.values()), {(True, rating)}, "a mix of rows was written")
        self.assertEqual(audits, 1)
        self.assertTrue(Lecture.objects.get(pk=self.lecture.pk).attendance_taken)
        return True

    def assertAFullSubmissionWorks(self, rating: int) -> None:
        status, body = self.server.request(
            "POST", self.path, {"records": records(self.kids, rating=rating)}, token=self.token
        )
        self.assertEqual(status, 200, body)
        self.assertEqual(set(self.marks().values()), {(True, rating)})

    def test_half_a_body_then_a_hang_up_changes_nothing(self):
        body = json.dumps({"records": records(self.kids, rating=3)}).encode()
        self.send_and_hang_up(body, sent=len(body) // 2)

        self.assertFalse(self.assertAllOrNone(rating=3))
        self.assertAFullSubmissionWorks(rating=9)
        # The audit of that submission starts from unmarked rows: the half never landed.
        (audit,) = AttendanceSubmission.objects.filter(lecture=self.lecture)
        self.assertEqual(len(audit.changes), len(self.kids))
        self.assertTrue(all(change["old"]["present"] is None for change in audit.changes))

    def test_a_hang_up_while_the_submission_waits_for_the_lecture_lock_is_all_or_nothing(self):
        body = json.dumps({"records": records(self.kids, rating=4)}).encode()
        holder = pg_session(autocommit=False)
        try:
            lock_row(holder, Lecture._meta.db_table, self.lecture.pk)
            with pg_session(autocommit=True) as monitor:

                def until_parked():  # the submission's session waits for our lock
                    self.parked = wait_for_backend_blocked_by(monitor, holder.info.backend_pid)

                self.send_and_hang_up(body, sent=len(body), before_closing=until_parked)
                time.sleep(0.3)  # the server notices the hang-up while the request is parked
        finally:
            holder.close()  # rolls back: the lock goes, the parked submission goes on

        self.wait_until_settled()
        written = self.assertAllOrNone(rating=4)
        # The view runs on in its worker thread after the client left; its transaction
        # commits as a whole. The answer is what was lost, not the data.
        self.assertTrue(written)
        self.assertAFullSubmissionWorks(rating=8)  # nothing stayed locked

    def wait_until_settled(self, timeout: float = 15) -> None:
        """Until the parked submission's session has finished its transaction."""
        deadline = time.monotonic() + timeout
        with pg_session(autocommit=True) as monitor:
            while time.monotonic() < deadline:
                row = monitor.execute(
                    "SELECT state FROM pg_stat_activity WHERE pid = %s", [self.parked]
                ).fetchone()
                if row is None or row[0] == "idle":
                    return
                time.sleep(0.05)
        self.fail("the submission's session never finished")

    def test_a_hang_up_right_after_the_whole_body_is_all_or_nothing(self):
        body = json.dumps({"records": records(self.kids, rating=5)}).encode()
        self.send_and_hang_up(body, sent=len(body))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if AttendanceSubmission.objects.filter(lecture=self.lecture).exists():
                break
            time.sleep(0.05)

        self.assertAllOrNone(rating=5)
        self.assertAFullSubmissionWorks(rating=7)

"""Issue #9, point 7: a real HTTP submission to a real Daphne (PostgreSQL + Redis) reaches
the lecture's instructor and an admin over real WebSockets; another instructor hears
nothing."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect

from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.tests.ws_helpers import access_token
from testkit.db import requires_postgres, requires_redis
from tests.live_server import LiveDaphneTestCase, next_event, receives_nothing
from tests.open_lecture import open_lecture
from users.tests.factories import make_admin, make_instructor


@requires_postgres
@requires_redis
class SubmissionOverRealServerTests(LiveDaphneTestCase):
    def people(self):
        instructor, other = make_instructor(), make_instructor()
        admin = make_admin()
        lecture, kids = open_lecture(instructor)
        tokens = {
            "instructor": access_token(instructor.user),
            "other": access_token(other.user),
            "admin": access_token(admin),
        }
        return lecture, kids, instructor, tokens

    async def test_a_real_submission_reaches_the_instructor_and_the_admin_only(self):
        lecture, kids, instructor, tokens = await sync_to_async(self.people)()
        records = [
            {"child": kid.pk, "present": i != 0, "rating": 7 + i} for i, kid in enumerate(kids)
        ]
        async with (
            connect(self.server.ws_url("/ws/attendance/", token=tokens["instructor"])) as mine,
            connect(self.server.ws_url("/ws/attendance/", token=tokens["admin"])) as admin_ws,
            connect(self.server.ws_url("/ws/attendance/", token=tokens["other"])) as other,
        ):
            for ws in (mine, admin_ws, other):
                self.assertEqual((await next_event(ws))["type"], "connection_established")

            status, body = await sync_to_async(self.server.request)(
                "POST",
                f"/api/lectures/{lecture.pk}/attendance/",
                {"records": records},
                token=tokens["instructor"],
            )
            self.assertEqual(status, 200, body)
            counts = {"total": 3, "present": 2, "absent": 1, "unmarked": 0}
            self.assertEqual(body["counts"], counts)
            self.assertTrue(body["attendance_taken"])

            for ws in (mine, admin_ws):
                event = await next_event(ws)
                self.assertEqual(event["type"], "attendance_update")
                self.assertEqual(
                    (event["lecture"], event["course"], event["date"]),
                    (lecture.pk, lecture.course_id, lecture.date.isoformat()),
                )
                self.assertEqual(event["counts"], counts)
                self.assertEqual(event["submitted_by"], instructor.user_id)
                self.assertTrue(event["attendance_taken"])
            self.assertTrue(await receives_nothing(other, timeout=1.0))

        marked = await sync_to_async(
            lambda: LectureAttendance.objects.filter(lecture=lecture).marked().count()
        )()
        self.assertEqual(marked, 3)
        audits = await sync_to_async(AttendanceSubmission.objects.filter(lecture=lecture).count)()
        self.assertEqual(audits, 1)
        log = self.server.log_text()
        for token in tokens.values():
            self.assertNotIn(token, log)

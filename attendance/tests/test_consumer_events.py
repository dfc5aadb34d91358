"""Who hears about a submission (SPEC §7): admins and the lecture's instructor, after the
transaction commits; other instructors nothing; a failing channel layer never raises."""

from __future__ import annotations

import datetime
import time
from unittest import mock

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import TestCase, TransactionTestCase

from attendance.consumers import CLOSE_SERVER_ERROR, AttendanceConsumer
from attendance.live import attendance_update_event, broadcast_attendance_update
from attendance.tests.ws_helpers import access_token, open_socket, own_channel_layer
from core.realtime import admins_group
from courses.tests.factories import CourseFactory, LectureFactory
from users.tests.factories import make_admin, make_instructor

COUNTS = {"total": 18, "present": 15, "absent": 3, "unmarked": 0}
AT = datetime.datetime(2026, 11, 22, 16, 5, 11, tzinfo=datetime.UTC)


class EventRoutingTests(TransactionTestCase):
    def setUp(self):
        super().setUp()
        layer = own_channel_layer()
        layer.enable()
        self.addCleanup(layer.disable)
        self.instructor = make_instructor()
        self.other_instructor = make_instructor()
        self.supervisor = make_instructor(kind="supervisor")
        self.admin = make_admin()
        self.lecture = LectureFactory(
            course=CourseFactory(instructor=self.instructor), attendance_taken=True
        )
        self.other_lecture = LectureFactory(course=CourseFactory(instructor=self.other_instructor))
        self.sockets = []

    async def leave_all(self):
        for socket in self.sockets:
            await socket.leave()

    async def connect(self, user):
        socket = await open_socket(f"token={await sync_to_async(access_token)(user)}")
        self.assertEqual((await socket.receive_json())["type"], "connection_established")
        self.sockets.append(socket)
        return socket

    def broadcast(self, lecture, **kwargs):
        return broadcast_attendance_update(
            lecture=lecture, counts=COUNTS, submitted_by=self.admin, at=AT, **kwargs
        )

    async def test_the_lectures_instructor_and_every_admin_receive_it_and_no_one_else(self):
        mine = await self.connect(self.instructor.user)
        other = await self.connect(self.other_instructor.user)
        supervisor = await self.connect(self.supervisor.user)
        admin = await self.connect(self.admin)
        second_admin = await self.connect(await sync_to_async(make_admin)())

        event = await sync_to_async(self.broadcast)(self.lecture)

        expected = {
            "type": "attendance_update",
            "lecture": self.lecture.pk,
            "course": self.lecture.course_id,
            "date": "2026-11-07",
            "attendance_taken": True,
            "counts": COUNTS,
            "submitted_by": self.admin.pk,
            "at": "2026-11-22T18:05:11+02:00",
        }
        self.assertEqual(event, expected)
        for socket in (mine, admin, second_admin):
            self.assertEqual(await socket.receive_json(), expected)
        for socket in (other, supervisor):
            self.assertTrue(await socket.nothing(timeout=0.5))
        await self.leave_all()

    async def test_admins_receive_every_lecture_and_instructors_only_their_own(self):
        mine = await self.connect(self.instructor.user)
        other = await self.connect(self.other_instructor.user)
        admin = await self.connect(self.admin)

        await sync_to_async(self.broadcast)(self.other_lecture)

        self.assertEqual((await other.receive_json())["lecture"], self.other_lecture.pk)
        self.assertEqual((await admin.receive_json())["lecture"], self.other_lecture.pk)
        self.assertTrue(await mine.nothing(timeout=0.5))
        await self.leave_all()

    async def test_a_substitute_hears_about_the_lecture_they_teach(self):
        covered = await sync_to_async(LectureFactory)(
            course=self.lecture.course, instructor=self.other_instructor
        )
        other = await self.connect(self.other_instructor.user)
        mine = await self.connect(self.instructor.user)

        await sync_to_async(self.broadcast)(covered)

        self.assertEqual((await other.receive_json())["lecture"], covered.pk)
        self.assertTrue(await mine.nothing(timeout=0.5))
        await self.leave_all()

    async def test_nothing_is_sent_before_the_commit_or_after_a_rollback(self):
        admin = await self.connect(self.admin)

        def rolled_back():
            with transaction.atomic():
                self.broadcast(self.lecture)
                transaction.set_rollback(True)

        await sync_to_async(rolled_back)()
        self.assertTrue(await admin.nothing(timeout=0.5))

        def committed():
            with transaction.atomic():
                self.broadcast(self.lecture)
                time.sleep(0.3)  # room for the socket to receive an early send
                sent_inside = admin.communicator.output_queue.qsize()
            return sent_inside

        self.assertEqual(await sync_to_async(committed)(), 0)
        self.assertEqual((await admin.receive_json())["lecture"], self.lecture.pk)
        await self.leave_all()

    async def test_instructor_attendance_updates_go_to_admins_only(self):
        mine = await self.connect(self.instructor.user)
        admin = await self.connect(self.admin)
        event = {"type": "instructor_attendance_update", "id": 5, "status": "late"}

        await get_channel_layer().group_send(admins_group(), event)

        self.assertEqual(await admin.receive_json(), event)
        self.assertTrue(await mine.nothing(timeout=0.5))
        await self.leave_all()

    async def test_events_of_unknown_types_are_skipped_and_the_next_one_still_arrives(self):
        admin = await self.connect(self.admin)
        event = {"type": "instructor_attendance_update", "id": 6, "status": "present"}

        for junk in ({"type": "websocket.close"}, {"type": "disconnect"}, {"no": "type"}):
            await get_channel_layer().group_send(admins_group(), junk)
        await get_channel_layer().group_send(admins_group(), event)

        self.assertEqual(await admin.receive_json(), event)  # not closed by the others
        self.assertTrue(await admin.nothing())
        await self.leave_all()

    async def test_an_event_that_cannot_be_forwarded_closes_with_1011_and_keeps_its_traceback(
        self,
    ):
        admin = await self.connect(self.admin)
        event = {"type": "instructor_attendance_update", "id": 7, "status": "late"}

        with (
            mock.patch.object(
                AttendanceConsumer, "instructor_attendance_update", side_effect=TypeError("bug")
            ),
            self.assertLogs("attendance.consumers", level="ERROR") as logs,
        ):
            await get_channel_layer().group_send(admins_group(), event)
            self.assertEqual(await admin.close_code(), CLOSE_SERVER_ERROR)

        self.assertIn("could not forward instructor_attendance_update", logs.output[0])
        self.assertIs(logs.records[0].exc_info[0], TypeError)  # a bug: its traceback stays
        await self.leave_all()


class BroadcastTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.instructor = make_instructor()
        cls.admin = make_admin()
        cls.lecture = LectureFactory(course=CourseFactory(instructor=cls.instructor))

    def test_the_event_is_sent_on_commit_to_the_admins_and_the_instructor(self):
        with mock.patch("attendance.live.groups_send_safely") as send:
            with self.captureOnCommitCallbacks(execute=True) as callbacks:
                broadcast_attendance_update(
                    lecture=self.lecture, counts=COUNTS, submitted_by=None, at=AT
                )
                send.assert_not_called()
        # One callback sends to both groups (one event loop per event, not per group).
        self.assertEqual(len(callbacks), 1)
        send.assert_called_once()
        groups, event = send.call_args.args
        self.assertEqual(
            groups, ["attendance.admins", f"attendance.instructor.{self.instructor.pk}"]
        )
        self.assertIsNone(event["submitted_by"])

    def test_a_channel_layer_that_raises_is_logged_and_does_not_raise(self):
        layer = get_channel_layer()
        with (
            mock.patch.object(layer, "group_send", side_effect=ConnectionError("redis down")),
            self.assertLogs("core.realtime", level="WARNING") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            event = broadcast_attendance_update(
                lecture=self.lecture, counts=COUNTS, submitted_by=self.admin.pk, at=AT
            )
        self.assertEqual(event["submitted_by"], self.admin.pk)
        self.assertEqual(len(logs.records), 2)
        self.assertIn("attendance.admins", logs.output[0])

    def test_the_time_is_sent_in_cairo_time_with_its_offset(self):
        summer = datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)
        event = attendance_update_event(
            lecture=self.lecture, counts=COUNTS, submitted_by=None, at=summer
        )
        self.assertEqual(event["at"], "2026-07-01T12:00:00+03:00")
        with self.assertRaises(ValueError):
            attendance_update_event(
                lecture=self.lecture,
                counts=COUNTS,
                submitted_by=None,
                at=summer.replace(tzinfo=None),
            )

    def test_the_counts_are_exactly_the_four_numbers(self):
        event = attendance_update_event(
            lecture=self.lecture,
            counts={**COUNTS, "extra": 1, "present": "15"},
            submitted_by=None,
            at=AT,
        )
        self.assertEqual(event["counts"], COUNTS)
        with self.assertRaises(KeyError):
            attendance_update_event(lecture=self.lecture, counts={}, submitted_by=None, at=AT)

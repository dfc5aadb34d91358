"""POST/GET /api/lectures/{id}/attendance/ (§6.4), through the HTTP API with a frozen clock.

The lecture (courses.tests.factories.LectureFactory) runs 7 November 2026, 17:00–18:30
Cairo time; the window for non-admins is 17:00 on the 7th to 18:30 on the 8th, both edges
inside.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import time_machine
from django.db import IntegrityError, transaction

from attendance.models import AttendanceSubmission, LectureAttendance
from courses.models import Lecture
from courses.rules import CENTER_TZ
from courses.tests.base import PersonaTestCase
from courses.tests.factories import LectureFactory, make_attendance
from enrollments_payments.tests.factories import make_enrollment
from testkit.schema import assert_matches_schema
from users.tests.factories import make_child

START = datetime.datetime(2026, 11, 7, 17, 0, tzinfo=CENTER_TZ)
END = datetime.datetime(2026, 11, 7, 18, 30, tzinfo=CENTER_TZ)
CLOSES = END + datetime.timedelta(hours=24)
DURING = START + datetime.timedelta(minutes=30)
SECOND = datetime.timedelta(seconds=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


class SubmissionTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lecture = LectureFactory(course=cls.course)
        cls.kids = [make_child(first_name=f"Kid{i}") for i in range(3)]
        for kid in (cls.child, *cls.kids):
            make_attendance(cls.lecture, child=kid)
        make_attendance(cls.lecture, student=cls.student_profile)
        cls.url = f"/api/lectures/{cls.lecture.pk}/attendance/"

    def everyone(self, present=True, rating=9):
        records = [{"child": kid.pk, "present": present, "rating": rating} for kid in self.kids]
        records.append({"code": self.child.code, "present": present, "rating": rating})
        records.append({"student": self.student_profile.pk, "present": False, "rating": "5.50"})
        return records

    def post(self, who, records, when=DURING):
        with at(when):
            return self.call(who, "post", self.url, {"records": records})

    def assertNothingWritten(self):
        self.assertFalse(LectureAttendance.objects.filter(lecture=self.lecture).marked().exists())
        self.assertFalse(AttendanceSubmission.objects.exists())
        self.lecture.refresh_from_db()
        self.assertFalse(self.lecture.attendance_taken)


class WhoMaySubmitTests(SubmissionTestCase):
    def test_each_persona(self):
        expected = {
            "anonymous": 401,
            "parent": 404,  # cannot see the lecture (no enrollment)
            "student": 404,
            "other_instructor": 404,
            "instructor": 200,
            "supervisor": 200,
            "admin": 200,
        }
        for who, status in expected.items():
            with self.subTest(who=who):
                savepoint = transaction.savepoint()
                try:
                    response = self.post(who, self.everyone())
                finally:
                    transaction.savepoint_rollback(savepoint)
                self.assertEqual(response.status_code, status, response.data)

    def test_a_participant_who_sees_the_lecture_gets_403(self):
        make_enrollment(participant=self.child, course=self.course)
        response = self.post("parent", self.everyone())
        self.assertEqual(
            (response.status_code, response.data["code"]), (403, "not_course_instructor")
        )
        self.assertNothingWritten()

    def test_a_substitute_may_submit_for_their_lecture(self):
        Lecture.objects.filter(pk=self.lecture.pk).update(instructor=self.other_instructor_profile)
        response = self.post("other_instructor", self.everyone())
        self.assertEqual(response.status_code, 200, response.data)
        row = LectureAttendance.objects.get(lecture=self.lecture, child=self.child)
        self.assertEqual((row.source, row.marked_by), ("instructor", self.other_instructor))

    def test_a_cancelled_lecture_is_409_for_everyone(self):
        Lecture.objects.filter(pk=self.lecture.pk).update(status="cancelled")
        for who in ("instructor", "admin"):
            response = self.post(who, self.everyone())
            self.assertEqual(
                (response.status_code, response.data["code"]), (409, "lecture_cancelled")
            )
        self.assertNothingWritten()


class WindowTests(SubmissionTestCase):
    def test_exactly_at_the_start_it_is_open(self):
        self.assertEqual(self.post("instructor", self.everyone(), when=START).status_code, 200)

    def test_a_second_before_the_start_it_is_not_open(self):
        response = self.post("instructor", self.everyone(), when=START - SECOND)
        self.assertEqual(
            (response.status_code, response.data["code"]), (403, "attendance_not_open")
        )
        self.assertNothingWritten()

    def test_the_refusal_is_in_arabic_by_default(self):
        response = self.post("instructor", self.everyone(), when=START - SECOND)
        self.assertEqual(response.data["detail"], "لم تبدأ هذه المحاضرة بعد.")

    def test_exactly_at_end_plus_24_hours_it_is_still_open(self):
        response = self.post("instructor", self.everyone(), when=CLOSES)
        self.assertEqual(response.status_code, 200, response.data)

    def test_a_second_after_end_plus_24_hours_it_is_closed(self):
        response = self.post("instructor", self.everyone(), when=CLOSES + SECOND)
        self.assertEqual(
            (response.status_code, response.data["code"]), (403, "attendance_window_closed")
        )
        self.assertNothingWritten()

    def test_admins_may_submit_at_any_time(self):
        for when in (START - datetime.timedelta(days=3), CLOSES + datetime.timedelta(days=30)):
            self.assertEqual(self.post("admin", self.everyone(), when=when).status_code, 200)

    def test_the_roster_says_the_window_and_whether_the_caller_can_submit(self):
        cases = [
            ("instructor", START - SECOND, False),
            ("instructor", DURING, True),
            ("instructor", CLOSES + SECOND, False),
            ("admin", CLOSES + SECOND, True),
            ("supervisor", DURING, True),
        ]
        for who, when, can in cases:
            with self.subTest(who=who, when=when), at(when):
                response = self.call(who, "get", self.url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.data["can_submit"], can)
                self.assertEqual(
                    datetime.datetime.fromisoformat(response.data["window_opens_at"]), START
                )
                self.assertEqual(
                    datetime.datetime.fromisoformat(response.data["window_closes_at"]), CLOSES
                )
                self.assertEqual(len(response.data["rows"]), 5)

    def test_the_roster_has_the_documented_shape_for_every_reader(self):
        # Fuzzing found the roster documented as a page of rows while the answer is one
        # object (window, counts, rows): each reader's answer must match the schema.
        self.post("instructor", self.everyone())
        for who in ("admin", "instructor", "supervisor"):
            with self.subTest(who=who), at(DURING):
                response = self.call(who, "get", self.url)
                self.assertEqual(response.status_code, 200)
                self.assertIn("counts", response.data)
                assert_matches_schema(response, path="/api/lectures/{id}/attendance/", method="get")


class ChecklistTests(SubmissionTestCase):
    """The center team's checklist (team notes, "Tests / checklist")."""

    def test_future_lecture_is_403(self):
        response = self.post("instructor", self.everyone(), when=START - datetime.timedelta(days=2))
        self.assertEqual(response.status_code, 403)
        self.assertNothingWritten()

    def test_missing_rating_is_400_and_writes_nothing(self):
        records = self.everyone()
        del records[2]["rating"]
        response = self.post("instructor", records)
        self.assertEqual(response.status_code, 400)
        self.assertEqual((response.data["code"], response.data["index"]), ("invalid_record", 2))
        self.assertEqual(response.data["field"], "rating")
        self.assertIn("2", response.data["records"])
        self.assertNothingWritten()

    def test_a_full_submission_marks_every_row_and_sets_attendance_taken(self):
        response = self.post("instructor", self.everyone())
        self.assertEqual(response.status_code, 200, response.data)
        self.lecture.refresh_from_db()
        self.assertTrue(self.lecture.attendance_taken)
        rows = LectureAttendance.objects.filter(lecture=self.lecture)
        self.assertEqual(rows.unmarked().count(), 0)
        student_row = rows.get(student=self.student_profile)
        self.assertEqual((student_row.present, student_row.rating), (False, Decimal("5.50")))
        for row in rows:
            self.assertEqual((row.marked_by, row.source), (self.instructor, "instructor"))
            self.assertEqual(row.marked_at, DURING)

    def test_a_lecture_with_attendance_taken_cannot_be_deleted(self):
        self.post("instructor", self.everyone())
        response = self.call("admin", "delete", f"/api/lectures/{self.lecture.pk}/")
        self.assertEqual(response.status_code, 409)
        self.assertTrue(Lecture.objects.filter(pk=self.lecture.pk).exists())

    def test_resubmission_after_25_hours_only_by_an_admin(self):
        self.assertEqual(self.post("instructor", self.everyone()).status_code, 200)
        later = END + datetime.timedelta(hours=25)
        response = self.post("instructor", self.everyone(present=False, rating=3), when=later)
        self.assertEqual(
            (response.status_code, response.data["code"]), (403, "attendance_window_closed")
        )
        self.assertEqual(
            LectureAttendance.objects.filter(lecture=self.lecture, present=False).count(), 1
        )
        response = self.post("admin", self.everyone(present=False, rating=3), when=later)
        self.assertEqual(response.status_code, 200, response.data)
        row = LectureAttendance.objects.get(lecture=self.lecture, child=self.child)
        self.assertEqual((row.present, row.source, row.marked_by), (False, "admin", self.admin))

    def test_a_duplicate_lecture_child_row_is_refused(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            LectureAttendance.objects.create(lecture=self.lecture, child=self.child)
        records = self.everyone()
        records.append({"child": self.child.pk, "present": False, "rating": 2})
        response = self.post("instructor", records)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            (response.data["code"], response.data["index"]), ("duplicate_participant", 5)
        )
        self.assertNothingWritten()


class ValidationTests(SubmissionTestCase):
    def test_a_bad_record_at_the_end_of_a_long_list_writes_nothing(self):
        kids = [make_child(first_name=f"Many{i}") for i in range(60)]
        LectureAttendance.objects.bulk_create(
            [LectureAttendance(lecture=self.lecture, child=kid) for kid in kids]
        )
        records = self.everyone() + [
            {"child": kid.pk, "present": True, "rating": 7} for kid in kids
        ]
        records[-1]["rating"] = 11
        response = self.post("instructor", records)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["index"], len(records) - 1)
        self.assertNothingWritten()

    def test_each_kind_of_bad_record_names_its_index_and_field(self):
        good = {"child": self.child.pk, "present": True, "rating": 8}
        cases = [
            ({"present": True, "rating": 8}, "participant"),
            ({**good, "code": self.child.code}, "participant"),
            ({**good, "child": "x"}, "child"),
            ({**good, "child": True}, "child"),
            ({**good, "present": "yes"}, "present"),
            ({**good, "present": None}, "present"),
            ({**good, "rating": 0}, "rating"),
            ({**good, "rating": "10.01"}, "rating"),
            ({**good, "rating": "9.555"}, "rating"),
            ({**good, "rating": "NaN"}, "rating"),
            ({**good, "rating": "abc"}, "rating"),
            ({**good, "rating": True}, "rating"),
            ({**good, "rating": [9]}, "rating"),
            ({**good, "notes": 5}, "notes"),
            ("not an object", "record"),
        ]
        for record, field in cases:
            with self.subTest(record=record):
                response = self.post("instructor", [self.everyone()[0], record])
                self.assertEqual(response.status_code, 400, response.data)
                self.assertEqual((response.data["index"], response.data["field"]), (1, field))
        self.assertNothingWritten()

    def test_the_body_must_carry_a_non_empty_list(self):
        for body in ({}, {"records": []}, {"records": {"child": 1}}, [1, 2]):
            with self.subTest(body=body), at(DURING):
                response = self.call("instructor", "post", self.url, body)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.data["code"], "records_required")

    def test_ratings_with_two_decimals_and_the_edges_are_accepted(self):
        records = self.everyone()
        for record, rating in zip(records, (1, 10, "9.75", 7.5, "1.00"), strict=True):
            record["rating"] = rating
        self.assertEqual(self.post("instructor", records).status_code, 200)
        ratings = set(
            LectureAttendance.objects.filter(lecture=self.lecture).values_list("rating", flat=True)
        )
        self.assertEqual(ratings, {Decimal("1"), Decimal("10"), Decimal("9.75"), Decimal("7.5")})


class ResponseAndRowsTests(SubmissionTestCase):
    def test_the_response_shape_and_counts(self):
        records = self.everyone()[:3]
        response = self.post("instructor", records)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.data,
            {
                "lecture": self.lecture.pk,
                "updated": 3,
                "created": 0,
                "not_enrolled": [],
                "attendance_taken": False,
                "counts": {"total": 5, "present": 3, "absent": 0, "unmarked": 2},
            },
        )

    def test_a_late_joiner_gets_a_row_and_a_stranger_is_listed(self):
        late = make_child(first_name="Late")
        make_enrollment(participant=late, course=self.course)  # after the lecture: no row
        self.assertFalse(LectureAttendance.objects.filter(child=late).exists())
        stranger = make_child(first_name="Stranger")
        records = self.everyone() + [
            {"code": late.code, "present": True, "rating": 6},
            {"child": stranger.pk, "present": True, "rating": 6},
            {"code": "B99999999", "present": True, "rating": 6},
            {"child": 987654321, "present": True, "rating": 6},
        ]
        response = self.post("instructor", records)
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual((response.data["created"], response.data["updated"]), (1, 5))
        self.assertEqual(
            response.data["not_enrolled"],
            [
                {"index": 6, "child": stranger.pk},
                {"index": 7, "code": "B99999999"},
                {"index": 8, "child": 987654321},
            ],
        )
        row = LectureAttendance.objects.get(lecture=self.lecture, child=late)
        self.assertEqual((row.present, row.rating), (True, Decimal("6")))
        self.assertFalse(LectureAttendance.objects.filter(child=stranger).exists())
        self.assertEqual(response.data["counts"]["total"], 6)

    def test_notes_are_kept_when_a_record_does_not_send_them(self):
        records = self.everyone()
        records[0]["notes"] = "left early"
        self.post("instructor", records)
        records[0].pop("notes")
        records[0]["rating"] = 4
        self.post("instructor", records)
        row = LectureAttendance.objects.get(lecture=self.lecture, child=self.kids[0])
        self.assertEqual((row.notes, row.rating), ("left early", Decimal("4")))

    def test_the_broadcast_is_sent_after_commit_with_the_counts(self):
        with mock.patch("attendance.live.groups_send_safely") as send:
            with self.captureOnCommitCallbacks(execute=True) as callbacks:
                response = self.post("instructor", self.everyone())
                self.assertEqual(send.call_count, 0)  # nothing before the commit
        self.assertEqual(response.status_code, 200)
        # The broadcast (one callback for the lecture's two groups), and the student's
        # absence SMS.
        self.assertEqual(len(callbacks), 2)
        send.assert_called_once()
        groups, event = send.call_args.args
        self.assertEqual(len(set(groups)), 2)
        self.assertEqual(event["type"], "attendance_update")
        self.assertEqual(event["lecture"], self.lecture.pk)
        self.assertEqual(event["submitted_by"], self.instructor.pk)
        self.assertTrue(event["attendance_taken"])
        self.assertEqual(event["counts"], response.data["counts"])

    def test_a_failing_channel_layer_does_not_fail_the_submission(self):
        layer = mock.Mock(group_send=mock.AsyncMock(side_effect=OSError("redis down")))
        with (
            self.assertLogs("core.realtime", level="WARNING"),
            mock.patch("core.realtime.get_channel_layer", return_value=layer),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.post("instructor", self.everyone())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(layer.group_send.call_count, 2)
        self.assertEqual(LectureAttendance.objects.filter(lecture=self.lecture).marked().count(), 5)


class AuditTests(SubmissionTestCase):
    def test_one_audit_record_per_submission_with_changed_rows_only(self):
        self.post("instructor", self.everyone())
        records = self.everyone()
        records[0]["rating"] = 2
        self.post("instructor", records, when=DURING + datetime.timedelta(minutes=5))
        first, second = AttendanceSubmission.objects.order_by("at")
        self.assertEqual(len(first.changes), 5)
        self.assertEqual(
            second.changes,
            [
                {
                    "participant": {"type": "child", "id": self.kids[0].pk},
                    "old": {"present": True, "rating": "9.00", "notes": "", "via": "manual"},
                    "new": {"present": True, "rating": "2.00", "notes": "", "via": "manual"},
                }
            ],
        )
        self.assertEqual((second.submitted_by, second.source), (self.instructor, "instructor"))

    def test_admins_read_the_history_others_do_not(self):
        self.post("instructor", self.everyone())
        url = f"/api/lectures/{self.lecture.pk}/attendance/history/"
        response = self.call("admin", "get", url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["count"], 1)
        entry = response.data["results"][0]
        self.assertEqual(entry["submitted_by"]["id"], self.instructor.pk)
        self.assertEqual(len(entry["changes"]), 5)
        # The instructor sees the lecture (403); the parent does not (404).
        for who, status in (("instructor", 403), ("parent", 404), ("anonymous", 401)):
            with self.subTest(who=who):
                self.assertEqual(self.call(who, "get", url).status_code, status)

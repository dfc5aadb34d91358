"""Lecture generation and regeneration from the weekly schedule."""

from datetime import date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from attendance.models import LectureAttendance
from courses import services
from courses.generation import lectures_generate
from courses.models import CourseSchedule, Lecture
from courses.tests.factories import CourseFactory, ScheduleFactory, make_attendance
from users.tests.factories import make_admin, make_child

CAIRO = ZoneInfo("Africa/Cairo")
BEFORE = datetime(2026, 10, 20, 12, 0, tzinfo=CAIRO)
MID_NOVEMBER = datetime(2026, 11, 12, 12, 0, tzinfo=CAIRO)  # a Thursday


def lecture_days(course):
    return list(course.lectures.order_by("number").values_list("date", flat=True))


class GenerationTests(TestCase):
    def setUp(self):
        # November 2026: Saturdays 7, 14, 21, 28; Tuesdays 3, 10, 17, 24.
        self.course = CourseFactory(start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))
        ScheduleFactory(course=self.course, weekday=0, start_time=time(17), end_time=time(18, 30))
        self.tuesday = ScheduleFactory(
            course=self.course, weekday=3, start_time=time(10), end_time=time(11)
        )

    def test_it_generates_every_slot_between_the_course_dates_numbered_by_date(self):
        result = lectures_generate(course=self.course, now=BEFORE)
        self.assertEqual(result.created, 8)
        days = lecture_days(self.course)
        self.assertEqual(days, sorted(days))
        self.assertEqual(days[0], date(2026, 11, 3))
        self.assertEqual(days[-1], date(2026, 11, 28))
        numbers = list(self.course.lectures.order_by("date").values_list("number", flat=True))
        self.assertEqual(numbers, list(range(1, 9)))
        self.assertTrue(
            all(
                lec.instructor_id == self.course.instructor_id for lec in self.course.lectures.all()
            )
        )

    def test_it_inserts_the_lectures_in_one_bulk_insert(self):
        with CaptureQueriesContext(connection) as ctx:
            lectures_generate(course=self.course, now=BEFORE)
        # The roster's one INSERT … SELECT of attendance rows follows; lectures are one.
        inserts = [
            q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "courses_lecture"')
        ]
        self.assertEqual(len(inserts), 1)

    def test_a_first_generation_numbers_before_inserting_and_updates_nothing(self):
        with CaptureQueriesContext(connection) as ctx:
            lectures_generate(course=self.course, now=BEFORE)
        updates = [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
        self.assertEqual(updates, [])

    def test_it_is_idempotent(self):
        lectures_generate(course=self.course, now=BEFORE)
        ids = set(self.course.lectures.values_list("id", flat=True))
        again = lectures_generate(course=self.course, now=BEFORE)
        self.assertEqual((again.created, again.removed, again.kept), (0, 0, 8))
        self.assertEqual(set(self.course.lectures.values_list("id", flat=True)), ids)

    def test_it_stops_at_num_lectures_without_an_end_date(self):
        self.course.end_date, self.course.num_lectures = None, 5
        self.course.save()
        lectures_generate(course=self.course, now=BEFORE)
        self.assertEqual(
            lecture_days(self.course),
            [date(2026, 11, d) for d in (3, 7, 10, 14, 17)],
        )

    def test_it_maps_weekdays_across_a_month_boundary(self):
        course = CourseFactory(start_date=date(2026, 10, 25), end_date=date(2026, 11, 10))
        ScheduleFactory(course=course, weekday=0)  # Saturdays
        ScheduleFactory(course=course, weekday=6, start_time=time(9), end_time=time(10))
        lectures_generate(course=course, now=BEFORE)
        self.assertEqual(
            lecture_days(course),
            [date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 6), date(2026, 11, 7)],
        )

    def test_lectures_keep_their_wall_clock_hour_across_the_dst_change(self):
        # Clocks go forward at midnight on Friday 2026-04-24.
        course = CourseFactory(start_date=date(2026, 4, 17), end_date=date(2026, 5, 2))
        ScheduleFactory(course=course, weekday=6, start_time=time(17), end_time=time(18))
        lectures_generate(course=course, now=datetime(2026, 4, 1, tzinfo=CAIRO))
        lectures = list(course.lectures.order_by("date"))
        self.assertEqual(
            [lec.date for lec in lectures], [date(2026, 4, 17), date(2026, 4, 24), date(2026, 5, 1)]
        )
        self.assertEqual(
            [lec.starts_at.utcoffset() for lec in lectures],
            [timedelta(hours=2), timedelta(hours=3), timedelta(hours=3)],
        )
        self.assertEqual([lec.starts_at.hour for lec in lectures], [17, 17, 17])

    def test_a_first_generation_records_sessions_already_held(self):
        result = lectures_generate(course=self.course, now=MID_NOVEMBER)
        self.assertEqual(result.created, 8)


class RegenerationTests(TestCase):
    def setUp(self):
        self.course = CourseFactory(start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))
        self.saturday = ScheduleFactory(course=self.course, weekday=0)
        self.tuesday = ScheduleFactory(
            course=self.course, weekday=3, start_time=time(10), end_time=time(11)
        )
        lectures_generate(course=self.course, now=BEFORE)

    def lecture_on(self, day):
        return self.course.lectures.get(date=day)

    def move_tuesday_to_wednesday(self):
        services.schedule_slot_update(slot=self.tuesday, weekday=4, now=MID_NOVEMBER)

    def test_it_replaces_only_future_lectures_after_a_schedule_change(self):
        past_ids = {self.lecture_on(date(2026, 11, d)).pk for d in (3, 7, 10)}
        saturday_ids = {self.lecture_on(date(2026, 11, d)).pk for d in (14, 21, 28)}
        self.move_tuesday_to_wednesday()
        days = lecture_days(self.course)
        self.assertEqual(days, [date(2026, 11, d) for d in (3, 7, 10, 14, 18, 21, 25, 28)])
        kept = set(self.course.lectures.values_list("pk", flat=True))
        self.assertTrue(past_ids | saturday_ids <= kept)
        self.assertEqual(
            list(self.course.lectures.order_by("date").values_list("number", flat=True)),
            list(range(1, 9)),
        )

    def test_a_future_lecture_with_marked_attendance_stays(self):
        marked = self.lecture_on(date(2026, 11, 17))
        make_attendance(marked, child=make_child(), present=True)
        self.move_tuesday_to_wednesday()
        self.assertTrue(Lecture.objects.filter(pk=marked.pk).exists())
        self.assertIn(date(2026, 11, 18), lecture_days(self.course))
        self.assertNotIn(date(2026, 11, 24), lecture_days(self.course))

    def test_a_lecture_with_attendance_taken_stays(self):
        taken = self.lecture_on(date(2026, 11, 24))
        Lecture.objects.filter(pk=taken.pk).update(attendance_taken=True)
        self.move_tuesday_to_wednesday()
        self.assertTrue(Lecture.objects.filter(pk=taken.pk).exists())

    def test_a_lecture_moved_by_hand_stays_and_its_session_is_not_recreated(self):
        moved = self.lecture_on(date(2026, 11, 14))
        services.lecture_update(lecture=moved, date=date(2026, 11, 15))
        self.move_tuesday_to_wednesday()
        days = lecture_days(self.course)
        self.assertIn(date(2026, 11, 15), days)
        self.assertNotIn(date(2026, 11, 14), days)
        self.assertEqual(len(days), len(set(self.course.lectures.values_list("number", flat=True))))

    def test_it_removes_the_unmarked_rows_of_replaced_lectures(self):
        replaced = self.lecture_on(date(2026, 11, 17))
        make_attendance(replaced, child=make_child())
        self.move_tuesday_to_wednesday()
        self.assertFalse(Lecture.objects.filter(pk=replaced.pk).exists())
        self.assertFalse(LectureAttendance.objects.exists())

    def test_it_calls_the_roster_hook_with_the_new_lectures(self):
        with mock.patch("courses.generation.roster_add_lectures", return_value=0) as hook:
            self.move_tuesday_to_wednesday()
        (call,) = hook.call_args_list
        self.assertEqual(
            sorted(lec.date for lec in call.kwargs["lectures"]),
            [date(2026, 11, 18), date(2026, 11, 25)],
        )
        self.assertTrue(all(lec.pk for lec in call.kwargs["lectures"]))

    def test_deleting_a_slot_removes_its_future_lectures_only(self):
        services.schedule_slot_delete(slot=self.tuesday, now=MID_NOVEMBER)
        self.assertEqual(
            lecture_days(self.course), [date(2026, 11, d) for d in (3, 7, 10, 14, 21, 28)]
        )
        self.assertFalse(CourseSchedule.objects.filter(pk=self.tuesday.pk).exists())

    def test_shortening_the_course_drops_lectures_after_the_new_end(self):
        services.course_update(
            course=self.course,
            actor=make_admin(),
            end_date=date(2026, 11, 20),
            now=MID_NOVEMBER,
        )
        self.assertEqual(lecture_days(self.course)[-1], date(2026, 11, 17))

    def test_num_lectures_counts_the_lectures_already_held(self):
        course = CourseFactory(start_date=date(2026, 11, 1), end_date=None, num_lectures=4)
        slot = ScheduleFactory(course=course, weekday=0)
        lectures_generate(course=course, now=BEFORE)  # Sat 7, 14, 21, 28
        services.schedule_slot_update(slot=slot, weekday=1, now=MID_NOVEMBER)  # Sundays
        self.assertEqual(
            lecture_days(course),
            [date(2026, 11, 7), date(2026, 11, 15), date(2026, 11, 22), date(2026, 11, 29)],
        )

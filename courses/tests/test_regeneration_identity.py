"""A schedule edit re-times the affected lectures in place: same ids, titles, substitutes
and attendance rows; only lectures whose session disappeared go."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.test import TestCase

from attendance.models import LectureAttendance
from courses import services
from courses.generation import lectures_generate
from courses.models import Lecture
from courses.tests.factories import CourseFactory, ScheduleFactory, make_attendance
from users.tests.factories import make_child, make_instructor

CAIRO = ZoneInfo("Africa/Cairo")
BEFORE = datetime(2026, 10, 20, 12, 0, tzinfo=CAIRO)
MID_NOVEMBER = datetime(2026, 11, 12, 12, 0, tzinfo=CAIRO)  # a Thursday


class InPlaceRegenerationTests(TestCase):
    def setUp(self):
        # November 2026: Saturdays 7, 14, 21, 28; Tuesdays 3, 10, 17, 24.
        self.course = CourseFactory(start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))
        self.saturday = ScheduleFactory(course=self.course, weekday=0)  # 17:00–18:30
        self.tuesday = ScheduleFactory(
            course=self.course, weekday=3, start_time=time(10), end_time=time(11)
        )
        lectures_generate(course=self.course, now=BEFORE)
        self.before = {
            lec.date: lec for lec in Lecture.objects.filter(course=self.course).order_by("date")
        }

    def lecture_on(self, day: int) -> Lecture:
        return Lecture.objects.get(course=self.course, date=date(2026, 11, day))

    def test_generated_lectures_remember_their_slot(self):
        self.assertEqual({lec.date.day for lec in self.tuesday.lectures.all()}, {3, 10, 17, 24})

    def test_changing_a_slots_end_time_keeps_ids_titles_substitutes_and_rows(self):
        future = self.lecture_on(17)
        substitute = make_instructor()
        # A title and a substitute that no hand edit set (e.g. from an import): the lecture
        # is still the schedule's to re-time.
        Lecture.objects.filter(pk=future.pk).update(title="Tajweed revision", instructor=substitute)
        row = make_attendance(future, child=make_child())
        ids = set(Lecture.objects.filter(course=self.course).values_list("pk", flat=True))

        services.schedule_slot_update(slot=self.tuesday, end_time=time(11, 30), now=MID_NOVEMBER)

        self.assertEqual(
            set(Lecture.objects.filter(course=self.course).values_list("pk", flat=True)), ids
        )
        future.refresh_from_db()
        self.assertEqual((future.start_time, future.end_time), (time(10), time(11, 30)))
        self.assertEqual(future.title, "Tajweed revision")
        self.assertEqual(future.instructor, substitute)
        self.assertTrue(LectureAttendance.objects.filter(pk=row.pk, lecture=future).exists())
        self.assertEqual(self.lecture_on(24).end_time, time(11, 30))
        # Lectures that already started keep the times they were held at.
        self.assertEqual(self.lecture_on(10).end_time, time(11))

    def test_changing_a_slots_start_time_moves_its_lectures_in_place(self):
        lecture = self.lecture_on(24)
        row = make_attendance(lecture, child=make_child())
        result = services.course_generate_lectures(course=self.course, now=MID_NOVEMBER)
        self.assertEqual((result.created, result.removed, result.retimed), (0, 0, 0))

        services.schedule_slot_update(
            slot=self.tuesday, start_time=time(9), end_time=time(10, 30), now=MID_NOVEMBER
        )

        lecture.refresh_from_db()
        self.assertEqual((lecture.start_time, lecture.end_time), (time(9), time(10, 30)))
        self.assertEqual(lecture.planned_start_time, time(9))
        self.assertEqual(lecture.number, self.before[date(2026, 11, 24)].number)
        self.assertFalse(lecture.is_manual)
        self.assertTrue(LectureAttendance.objects.filter(pk=row.pk).exists())
        again = lectures_generate(course=self.course, now=MID_NOVEMBER)
        self.assertEqual((again.created, again.removed, again.retimed), (0, 0, 0))

    def test_it_reports_what_it_re_timed_and_writes_them_in_one_update(self):
        self.tuesday.end_time = time(11, 15)
        self.tuesday.save()
        result = lectures_generate(course=self.course, now=MID_NOVEMBER)
        self.assertEqual((result.created, result.removed, result.retimed), (0, 0, 2))
        self.assertEqual(result.kept, 8)

    def test_a_hand_made_lecture_keeps_its_time_and_is_not_doubled(self):
        edited = self.lecture_on(17)
        services.lecture_update(lecture=edited, title="Guest lecture")
        services.schedule_slot_update(
            slot=self.tuesday, start_time=time(12), end_time=time(13), now=MID_NOVEMBER
        )
        edited.refresh_from_db()
        self.assertEqual(edited.start_time, time(10))
        self.assertEqual(
            Lecture.objects.filter(course=self.course, date=date(2026, 11, 17)).count(), 1
        )
        self.assertEqual(self.lecture_on(24).start_time, time(12))

    def test_a_lecture_whose_session_disappeared_is_removed_others_keep_their_ids(self):
        saturday_ids = {self.lecture_on(d).pk for d in (14, 21, 28)}
        gone = self.lecture_on(24).pk
        services.schedule_slot_update(slot=self.tuesday, weekday=4, now=MID_NOVEMBER)
        self.assertFalse(Lecture.objects.filter(pk=gone).exists())
        self.assertTrue(
            saturday_ids
            <= set(Lecture.objects.filter(course=self.course).values_list("pk", flat=True))
        )

"""Rules enforced by the services and the database constraints."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase

from attendance.models import LectureAttendance
from core.errors import Conflict, Invalid
from courses import exam_services, services
from courses.generation import lectures_generate
from courses.models import (
    Course,
    CourseSchedule,
    Exam,
    ExamResult,
    Lecture,
    LectureStatus,
    Season,
)
from courses.tests.factories import (
    CourseFactory,
    ExamFactory,
    LectureFactory,
    ScheduleFactory,
    SeasonFactory,
    everyone_enrolled,
    make_attendance,
    make_result,
)
from users.tests.factories import make_child, make_instructor, make_student
from users.tests.personas import PersonasMixin

CAIRO = ZoneInfo("Africa/Cairo")


class ConstraintTests(TestCase):
    """What the database itself refuses, whoever writes."""

    def assertRefused(self, make):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make()

    def test_course_constraints(self):
        self.assertRefused(lambda: CourseFactory(capacity=0))
        self.assertRefused(lambda: CourseFactory(price=Decimal("-1")))
        self.assertRefused(
            lambda: CourseFactory(start_date=date(2026, 11, 2), end_date=date(2026, 11, 1))
        )
        self.assertRefused(lambda: CourseFactory(end_date=None, num_lectures=None))
        self.assertRefused(lambda: CourseFactory(min_age=12, max_age=8))
        self.assertRefused(lambda: CourseFactory(status="secret"))
        self.assertRefused(lambda: CourseFactory(slug="same") and CourseFactory(slug="same"))

    def test_schedule_and_lecture_constraints(self):
        course = CourseFactory()
        self.assertRefused(lambda: ScheduleFactory(course=course, weekday=7))
        self.assertRefused(
            lambda: ScheduleFactory(course=course, start_time=time(10), end_time=time(9))
        )
        self.assertRefused(lambda: LectureFactory(course=course, end_time=time(16)))
        LectureFactory(course=course, number=1)
        self.assertRefused(lambda: LectureFactory(course=course, number=1))
        self.assertRefused(lambda: LectureFactory(course=course, number=0))

    def test_exam_and_result_constraints(self):
        self.assertRefused(lambda: ExamFactory(total_marks=Decimal("10"), pass_mark=Decimal("11")))
        exam = ExamFactory()
        child, student = make_child(), make_student()

        def result(**kw):
            return ExamResult.objects.create(exam=exam, marks=1, percentage=2, passed=False, **kw)

        self.assertRefused(lambda: result(child=child, student=student))
        self.assertRefused(lambda: result())
        result(child=child)
        self.assertRefused(lambda: result(child=child))

    def test_attendance_constraints(self):
        lecture = LectureFactory()
        child = make_child()
        self.assertRefused(lambda: LectureAttendance.objects.create(lecture=lecture))
        self.assertRefused(
            lambda: LectureAttendance.objects.create(
                lecture=lecture, child=child, present=True, rating=11
            )
        )
        self.assertRefused(
            lambda: LectureAttendance.objects.create(lecture=lecture, child=child, rating=5)
        )
        make_attendance(lecture, child=child)
        self.assertRefused(lambda: make_attendance(lecture, child=child))


class CourseServiceTests(PersonasMixin, TestCase):
    def test_it_makes_a_unique_slug_from_the_name(self):
        fields = {
            "name": "Quran Memorisation",
            "season": SeasonFactory(),
            "instructor": make_instructor(),
            "start_date": date(2026, 11, 1),
            "end_date": date(2026, 11, 30),
            "capacity": 10,
        }
        first = services.course_create(**fields)
        second = services.course_create(**fields)
        self.assertEqual(first.slug, "quran-memorisation")
        self.assertEqual(second.slug, "quran-memorisation-2")

    def test_it_refuses_reversed_dates_and_ages_before_the_database(self):
        course = CourseFactory()
        with self.assertRaises(ValidationError):
            services.course_update(course=course, actor=self.admin, end_date=date(2026, 10, 1))
        with self.assertRaises(ValidationError):
            services.course_update(course=course, actor=self.admin, min_age=10, max_age=5)

    def test_a_new_instructor_takes_over_the_future_lectures(self):
        course = CourseFactory()  # Saturdays of November 2026: 7, 14, 21, 28
        old = course.instructor
        ScheduleFactory(course=course)
        lectures_generate(course=course, now=datetime(2026, 10, 1, tzinfo=CAIRO))
        substitute = make_instructor()
        services.course_update(
            course=course,
            actor=self.admin,
            instructor=substitute,
            now=datetime(2026, 11, 12, tzinfo=CAIRO),
        )
        by_day = dict(course.lectures.values_list("date__day", "instructor"))
        self.assertEqual(
            by_day, {7: old.pk, 14: substitute.pk, 21: substitute.pk, 28: substitute.pk}
        )

    def test_a_course_with_history_cannot_be_deleted(self):
        course = CourseFactory()
        lecture = LectureFactory(course=course, attendance_taken=True)
        with self.assertRaises(ValidationError) as ctx:
            services.course_delete(course=course)
        self.assertEqual(ctx.exception.code, "course_has_history")
        self.assertIsInstance(ctx.exception, Conflict)
        Lecture.objects.filter(pk=lecture.pk).update(attendance_taken=False)
        make_attendance(lecture, child=make_child(), present=False)
        with self.assertRaises(Conflict):
            services.course_delete(course=course)

    def test_a_course_with_exam_results_cannot_be_deleted(self):
        exam = ExamFactory()
        make_result(exam=exam, child=make_child(), marks=Decimal("10"))
        with self.assertRaises(Conflict):
            services.course_delete(course=exam.course)

    def test_a_course_without_history_is_deleted_with_its_lectures_and_unmarked_rows(self):
        course = CourseFactory()
        lecture = LectureFactory(course=course)
        make_attendance(lecture, child=make_child())
        services.course_delete(course=course)
        self.assertFalse(Course.objects.filter(pk=course.pk).exists())
        self.assertFalse(LectureAttendance.objects.exists())

    def test_generation_needs_a_schedule_and_a_live_course(self):
        course = CourseFactory()
        with self.assertRaises(Invalid):
            services.course_generate_lectures(course=course)
        ScheduleFactory(course=course)
        course.status = "archived"
        with self.assertRaises(Conflict):
            services.course_generate_lectures(course=course)


class ScheduleServiceTests(TestCase):
    def setUp(self):
        self.course = CourseFactory()
        ScheduleFactory(course=self.course, weekday=2, start_time=time(10), end_time=time(12))

    def test_overlapping_slots_are_refused(self):
        with self.assertRaises(Invalid) as ctx:
            services.schedule_slot_create(
                course=self.course, weekday=2, start_time=time(11), end_time=time(13)
            )
        self.assertEqual(ctx.exception.code, "schedule_overlap")

    def test_touching_slots_and_other_days_are_fine(self):
        services.schedule_slot_create(
            course=self.course, weekday=2, start_time=time(12), end_time=time(13)
        )
        services.schedule_slot_create(
            course=self.course, weekday=3, start_time=time(10), end_time=time(12)
        )
        self.assertEqual(CourseSchedule.objects.filter(course=self.course).count(), 3)

    def test_a_slot_ending_before_it_starts_is_refused(self):
        with self.assertRaises(ValidationError):
            services.schedule_slot_create(
                course=self.course, weekday=4, start_time=time(12), end_time=time(11)
            )


class LectureServiceTests(TestCase):
    def setUp(self):
        self.course = CourseFactory()
        self.first = LectureFactory(course=self.course, number=1, date=date(2026, 11, 7))
        self.second = LectureFactory(course=self.course, number=2, date=date(2026, 11, 14))
        self.child = make_child()

    def test_a_lecture_with_attendance_taken_cannot_be_deleted(self):
        Lecture.objects.filter(pk=self.first.pk).update(attendance_taken=True)
        with self.assertRaises(ValidationError) as ctx:
            services.lecture_delete(lecture=self.first)
        self.assertEqual(ctx.exception.code, "lecture_has_attendance")

    def test_a_lecture_with_a_marked_row_cannot_be_deleted_nor_moved(self):
        make_attendance(self.first, child=self.child, present=True)
        with self.assertRaises(ValidationError):
            services.lecture_delete(lecture=self.first)
        with self.assertRaises(Conflict):
            services.lecture_update(lecture=self.first, date=date(2026, 11, 8))
        with self.assertRaises(Conflict):
            services.lecture_update(lecture=self.first, end_time=time(19))
        renamed = services.lecture_update(lecture=self.first, title="Revision")
        self.assertEqual(renamed.title, "Revision")

    def test_deleting_a_lecture_drops_its_unmarked_rows_and_renumbers(self):
        make_attendance(self.first, child=self.child)
        services.lecture_delete(lecture=self.first)
        self.second.refresh_from_db()
        self.assertEqual(self.second.number, 1)
        self.assertFalse(LectureAttendance.objects.exists())

    def test_cancelling_keeps_the_lecture_and_its_marked_rows_only(self):
        make_attendance(self.first, child=self.child, present=True)
        make_attendance(self.first, child=make_child())
        services.lecture_cancel(lecture=self.first)
        self.first.refresh_from_db()
        self.assertEqual(self.first.status, LectureStatus.CANCELLED)
        self.assertEqual(list(LectureAttendance.objects.values_list("present", flat=True)), [True])

    def test_an_extra_lecture_is_numbered_in_date_order_even_in_the_past(self):
        extra = services.lecture_create(
            course=self.course, date=date(2026, 11, 1), start_time=time(9), end_time=time(10)
        )
        self.assertEqual(extra.number, 1)
        self.assertTrue(extra.is_manual)
        self.assertEqual(extra.instructor, self.course.instructor)
        self.assertEqual(
            list(self.course.lectures.values_list("number", flat=True).order_by("date")), [1, 2, 3]
        )

    def test_an_extra_lecture_never_collides_with_the_numbers_being_shifted(self):
        # A course whose numbers have a gap (lecture 1 gone without a renumber): the new
        # lecture used to be parked at count + 1 + 1,000,000 = 1,000,002 — the very
        # number the renumbering shifted lecture 2 to, mid-UPDATE (IntegrityError → 409).
        Lecture.objects.filter(pk=self.first.pk).delete()
        extra = services.lecture_create(
            course=self.course, date=date(2026, 11, 21), start_time=time(9), end_time=time(10)
        )
        self.second.refresh_from_db()
        self.assertEqual((self.second.number, extra.number), (1, 2))

    def test_moving_a_lecture_marks_it_hand_edited_and_renumbers(self):
        moved = services.lecture_update(lecture=self.first, date=date(2026, 11, 20))
        self.assertTrue(moved.is_manual)
        self.assertEqual(moved.number, 2)
        self.assertEqual(moved.planned_date, date(2026, 11, 7))


class ExamServiceTests(PersonasMixin, TestCase):
    def setUp(self):
        super().setUp()
        enrolled = everyone_enrolled()
        enrolled.start()
        self.addCleanup(enrolled.stop)

    def test_percentage_and_pass_come_from_the_exams_own_pass_mark(self):
        exam = ExamFactory(total_marks=Decimal("40"), pass_mark=Decimal("30"))
        result, created = exam_services.exam_result_save(
            exam=exam, child=make_child(), marks=Decimal("28")
        )
        self.assertTrue(created)
        self.assertEqual(result.percentage, Decimal("70.00"))
        self.assertFalse(result.passed)
        exam_services.exam_update(exam=exam, actor=self.admin, pass_mark=Decimal("20"))
        result.refresh_from_db()
        self.assertTrue(result.passed)

    def test_a_second_save_updates_the_same_result(self):
        exam, child = ExamFactory(), make_child()
        exam_services.exam_result_save(exam=exam, child=child, marks=Decimal("10"))
        result, created = exam_services.exam_result_save(
            exam=exam, child=child, marks=Decimal("20")
        )
        self.assertFalse(created)
        self.assertEqual(ExamResult.objects.get().marks, Decimal("20"))

    def test_marks_above_the_total_and_two_participants_are_refused(self):
        exam = ExamFactory(total_marks=Decimal("10"), pass_mark=Decimal("5"))
        with self.assertRaises(Invalid):
            exam_services.exam_result_save(exam=exam, child=make_child(), marks=Decimal("11"))
        with self.assertRaises(Invalid):
            exam_services.exam_result_save(
                exam=exam, child=make_child(), student=make_student(), marks=Decimal("1")
            )

    def test_an_exam_with_results_cannot_be_deleted(self):
        exam = ExamFactory()
        exam_services.exam_result_save(exam=exam, child=make_child(), marks=Decimal("1"))
        with self.assertRaises(Conflict):
            exam_services.exam_delete(exam=exam, actor=self.admin)
        self.assertTrue(Exam.objects.filter(pk=exam.pk).exists())


class ExamResultParticipantTests(TestCase):
    """Only participants of the exam's course may receive a result (SPEC §10)."""

    def test_no_one_is_in_a_course_before_enrollments_exist(self):
        from courses.selectors import participant_in_course

        exam = ExamFactory()
        self.assertFalse(participant_in_course(exam.course, child=make_child()))
        self.assertFalse(participant_in_course(exam.course, student=make_student()))

    def test_a_participant_not_in_the_course_gets_no_result(self):
        exam = ExamFactory()
        for who in ({"child": make_child()}, {"student": make_student()}):
            with self.subTest(who=list(who)), self.assertRaises(Invalid) as ctx:
                exam_services.exam_result_save(exam=exam, marks=Decimal("1"), **who)
            self.assertEqual(ctx.exception.code, "participant_not_enrolled")
            self.assertEqual(ctx.exception.field, next(iter(who)))
        self.assertFalse(ExamResult.objects.exists())

    def test_the_course_is_what_is_asked_about(self):
        exam, child = ExamFactory(), make_child()
        with everyone_enrolled() as enrolled:
            exam_services.exam_result_save(exam=exam, marks=Decimal("1"), child=child)
        enrolled.assert_called_once_with(exam.course, child=child, student=None)

    def test_unknown_ids_are_refused_like_participants_not_enrolled(self):
        exam, child = ExamFactory(), make_child()
        errors = []
        for ids in ({"child_id": child.pk}, {"child_id": child.pk + 1000}):
            with self.assertRaises(Invalid) as ctx:
                exam_services.exam_result_save_for_ids(exam=exam, marks=Decimal("1"), **ids)
            errors.append((ctx.exception.code, ctx.exception.field, str(ctx.exception.message)))
        self.assertEqual(errors[0], errors[1])
        self.assertEqual(errors[0][0], "participant_not_enrolled")


class DemoSeedTests(TestCase):
    def test_seeding_twice_creates_the_courses_once_with_lectures(self):
        from courses.demo import seed_courses

        instructor = make_instructor()
        seed_courses(instructor=instructor)
        seed_courses(instructor=instructor)
        courses = Course.objects.filter(status="published")
        self.assertEqual(courses.count(), 3)
        self.assertTrue(all(c.lectures.exists() and c.schedule.exists() for c in courses))
        kids = courses.get(slug="quran-kids")
        self.assertEqual((kids.audience, kids.min_age, kids.max_age), ("children", 6, 12))

    def test_seeding_again_survives_other_seasons_with_the_demo_name(self):
        # The fuzz run added seasons named like the demo's; re-seeding then crashed with
        # MultipleObjectsReturned instead of resetting the demo.
        from courses.demo import DEMO_SEASON, seed_courses

        instructor = make_instructor()
        seed_courses(instructor=instructor)
        first = Season.objects.get(name=DEMO_SEASON)
        for _ in range(2):
            Season.objects.create(
                name=DEMO_SEASON,
                kind=first.kind,
                start_date=first.start_date,
                end_date=first.end_date,
            )

        seed_courses(instructor=instructor)

        self.assertEqual(Season.objects.filter(name=DEMO_SEASON).count(), 3)
        self.assertEqual(set(Course.objects.values_list("season", flat=True)), {first.pk})

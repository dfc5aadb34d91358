"""The admin goes through the services and its change lists run constant queries."""

from datetime import date

from django.db import connection
from django.forms import inlineformset_factory
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from courses.admin import ScheduleFormSet
from courses.models import Course, CourseSchedule, Lecture, LectureStatus
from courses.tests.factories import CourseFactory, LectureFactory, ScheduleFactory, make_attendance
from users.tests.factories import make_admin, make_child, make_instructor


class CourseAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)

    def setUp(self):
        self.client.force_login(self.admin)

    def queries(self, url):
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def test_change_lists_do_not_grow_with_rows(self):
        for url in (
            "/courses-admin/courses/course/",
            "/courses-admin/courses/lecture/",
            "/courses-admin/courses/exam/",
            "/courses-admin/courses/examresult/",
        ):
            with self.subTest(url):
                course = CourseFactory()
                LectureFactory(course=course, number=1, instructor=make_instructor())
                before = self.queries(url)
                for _ in range(4):
                    course = CourseFactory()
                    LectureFactory(course=course, number=1, instructor=course.instructor)
                # Instructor filter choices are one query whatever their number.
                self.assertEqual(self.queries(url), before)

    def test_the_course_page_shows_schedule_and_lectures_inline(self):
        course = CourseFactory()
        ScheduleFactory(course=course)
        LectureFactory(course=course, number=1)
        response = self.client.get(f"/courses-admin/courses/course/{course.pk}/change/")
        self.assertContains(response, "schedule-")
        self.assertContains(response, "lectures-")

    def test_generate_action_creates_lectures(self):
        course = CourseFactory()
        ScheduleFactory(course=course)
        self.client.post(
            "/courses-admin/courses/course/",
            {"action": "generate_lectures", "_selected_action": [course.pk]},
        )
        self.assertEqual(course.lectures.count(), 4)

    def test_cancel_action_keeps_the_lectures_as_cancelled(self):
        lecture = LectureFactory()
        self.client.post(
            "/courses-admin/courses/lecture/",
            {"action": "cancel_lectures", "_selected_action": [lecture.pk]},
        )
        lecture.refresh_from_db()
        self.assertEqual(lecture.status, LectureStatus.CANCELLED)

    def test_a_lecture_with_attendance_cannot_be_deleted_from_the_admin(self):
        lecture = LectureFactory()
        make_attendance(lecture, child=make_child(), present=True)
        response = self.client.post(
            f"/courses-admin/courses/lecture/{lecture.pk}/delete/", {"post": "yes"}
        )
        self.assertEqual(response.status_code, 403)
        self.client.post(
            "/courses-admin/courses/lecture/",
            {"action": "delete_selected", "_selected_action": [lecture.pk], "post": "yes"},
        )
        self.assertTrue(Lecture.objects.filter(pk=lecture.pk).exists())

    def test_moving_a_marked_lecture_in_the_admin_is_a_form_error(self):
        lecture = LectureFactory()
        make_attendance(lecture, child=make_child(), present=True)
        data = {
            "course": lecture.course.pk,
            "title": "",
            "date": "2026-11-09",
            "start_time": "17:00",
            "end_time": "18:30",
            "instructor": lecture.instructor.pk,
            "status": "scheduled",
        }
        response = self.client.post(f"/courses-admin/courses/lecture/{lecture.pk}/change/", data)
        self.assertEqual(response.status_code, 200)  # the form again, with the error
        lecture.refresh_from_db()
        self.assertEqual(lecture.date, date(2026, 11, 7))

    def test_overlapping_inline_slots_are_refused(self):
        course = CourseFactory()
        FormSet = inlineformset_factory(
            Course,
            CourseSchedule,
            formset=ScheduleFormSet,
            fields=("weekday", "start_time", "end_time"),
        )
        data = {
            "schedule-TOTAL_FORMS": "2",
            "schedule-INITIAL_FORMS": "0",
            "schedule-0-weekday": "2",
            "schedule-0-start_time": "10:00",
            "schedule-0-end_time": "12:00",
            "schedule-1-weekday": "2",
            "schedule-1-start_time": "11:00",
            "schedule-1-end_time": "13:00",
        }
        self.assertFalse(FormSet(data, instance=course, prefix="schedule").is_valid())
        data["schedule-1-weekday"] = "3"
        self.assertTrue(FormSet(data, instance=course, prefix="schedule").is_valid())

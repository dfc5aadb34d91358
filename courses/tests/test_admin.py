"""The admin goes through the services and its change lists run constant queries."""

from datetime import date

from django.db import connection
from django.forms import inlineformset_factory
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from core.testing import admin_form_data
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


class CourseAdminServiceTests(TestCase):
    """Saving a course in the admin runs the same service as the API."""

    def test_a_new_instructor_takes_over_the_future_lectures(self):
        admin_user = make_admin()
        course = CourseFactory(start_date=date(2030, 1, 5), end_date=date(2030, 2, 5))
        ScheduleFactory(course=course)
        from courses import services

        services.course_generate_lectures(course=course)
        new_instructor = make_instructor()
        self.client.force_login(admin_user)
        page = self.client.get(f"/courses-admin/courses/course/{course.pk}/change/")
        data = admin_form_data(page.context["adminform"].form)
        data["instructor"] = new_instructor.pk
        for formset in page.context["inline_admin_formsets"]:
            management = formset.formset.management_form
            for key, value in management.initial.items():
                data[f"{formset.formset.prefix}-{key}"] = value
            for index, inline_form in enumerate(formset.formset.forms):
                prefix = f"{formset.formset.prefix}-{index}-"
                data.update(admin_form_data(inline_form, prefix=prefix))
                data[f"{prefix}course"] = course.pk
        response = self.client.post(f"/courses-admin/courses/course/{course.pk}/change/", data)
        if response.status_code != 302:
            errors = [response.context["adminform"].form.errors]
            errors += [f.formset.errors for f in response.context["inline_admin_formsets"]]
            errors += [
                f.formset.non_form_errors() for f in response.context["inline_admin_formsets"]
            ]
            self.fail(errors)
        course.refresh_from_db()
        self.assertEqual(course.instructor, new_instructor)
        self.assertEqual(
            set(course.lectures.values_list("instructor_id", flat=True)), {new_instructor.pk}
        )

    def test_adding_a_course_in_the_admin_creates_it(self):
        from courses.tests.factories import SeasonFactory

        self.client.force_login(make_admin())
        season, instructor = SeasonFactory(), make_instructor()
        data = {
            "name": "Tajweed",
            "slug": "tajweed",
            "description": "",
            "season": season.pk,
            "instructor": instructor.pk,
            "start_date": "2030-01-05",
            "end_date": "2030-02-05",
            "capacity": 15,
            "price": "200.00",
            "audience": "all",
            "location": "",
            "status": "draft",
            "schedule-TOTAL_FORMS": 0,
            "schedule-INITIAL_FORMS": 0,
            "lectures-TOTAL_FORMS": 0,
            "lectures-INITIAL_FORMS": 0,
        }
        response = self.client.post("/courses-admin/courses/course/add/", data)
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.assertTrue(Course.objects.filter(slug="tajweed", capacity=15).exists())


class ExamResultAdminTests(TestCase):
    def test_staff_cannot_move_a_result_to_another_participant(self):
        from decimal import Decimal

        from courses.tests.factories import ExamFactory, make_result

        admin = make_admin(is_superuser=True)
        child, stranger = make_child(), make_child()
        result = make_result(ExamFactory(), child=child, marks=Decimal("1"))
        self.client.force_login(admin)
        url = f"/courses-admin/courses/examresult/{result.pk}/change/"
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        form = page.context["adminform"].form
        self.assertNotIn("child", form.fields)
        self.assertNotIn("student", form.fields)
        self.assertNotIn("exam", form.fields)
        self.client.post(url, {"marks": "1", "notes": "", "child": stranger.pk})
        result.refresh_from_db()
        self.assertEqual(result.child_id, child.pk)

"""The admin goes through the services and its change lists run constant queries."""

from datetime import date, time
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.forms import inlineformset_factory
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import Invalid
from courses import exam_services, services
from courses.admin import ScheduleFormSet
from courses.models import Course, CourseSchedule, Exam, Lecture, LectureStatus
from courses.tests.factories import (
    CourseFactory,
    ExamFactory,
    LectureFactory,
    ScheduleFactory,
    everyone_enrolled,
    make_attendance,
)
from testkit.admin import admin_form_data
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


# --- the admin for the center's staff (issue #7) ------------------------------------------

LECTURES = "/courses-admin/courses/lecture/"
COURSES = "/courses-admin/courses/course/"
EXAMS = "/courses-admin/courses/exam/"


def _messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


def _lecture_data(lecture, **changes) -> dict:
    data = {
        "title": lecture.title,
        "date": lecture.date.isoformat(),
        "start_time": lecture.start_time.strftime("%H:%M"),
        "end_time": lecture.end_time.strftime("%H:%M"),
        "instructor": lecture.instructor.pk,
        "status": lecture.status,
    }
    return {**data, **changes}


def _resubmit(page, **changes) -> dict:
    """The POST data of an admin change page as shown, with some fields changed."""
    data = admin_form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for index, form in enumerate(formset.forms):
            data.update(admin_form_data(form, prefix=f"{formset.prefix}-{index}-"))
    return {**data, **changes}


class StaffAdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)

    def setUp(self):
        self.client.force_login(self.admin)
        # Results are saved for made-up participants: let everyone count as enrolled.
        enrolled = everyone_enrolled()
        enrolled.start()
        self.addCleanup(enrolled.stop)


class LectureTimeTakenTests(StaffAdminTestCase):
    def setUp(self):
        super().setUp()
        self.course = CourseFactory()
        self.first = LectureFactory(course=self.course, number=1, date=date(2026, 11, 7))
        self.second = LectureFactory(course=self.course, number=2, date=date(2026, 11, 9))

    def test_moving_a_lecture_onto_a_taken_time_is_a_form_error(self):
        response = self.client.post(
            f"{LECTURES}{self.second.pk}/change/",
            _lecture_data(self.second, date="2026-11-07", start_time="18:00", end_time="19:00"),
        )

        self.assertEqual(response.status_code, 200)
        errors = response.context["adminform"].form.errors
        self.assertIn("start_time", errors)
        self.assertIn("توجد محاضرة أخرى لهذه الدورة في هذا الوقت", str(errors["start_time"]))
        self.assertNotIn(messages.SUCCESS, [level for level, _ in _messages(response)])
        self.second.refresh_from_db()
        self.assertEqual(
            (self.second.date, self.second.start_time, self.second.is_manual),
            (date(2026, 11, 9), time(17, 0), False),
        )

    def test_a_lecture_may_take_the_time_of_a_cancelled_one_or_touch_another(self):
        services.lecture_cancel(lecture=self.first)

        moved = services.lecture_update(
            lecture=self.second, date=date(2026, 11, 7), start_time=time(17, 0)
        )
        touching = services.lecture_create(
            course=self.course,
            date=date(2026, 11, 7),
            start_time=time(18, 30),
            end_time=time(19, 0),
        )

        self.assertEqual(moved.date, date(2026, 11, 7))
        self.assertEqual(touching.start_time, time(18, 30))

    def test_adding_a_lecture_in_the_admin_goes_through_the_service(self):
        data = {"course": self.course.pk, **_lecture_data(self.first, date="2026-11-08")}

        response = self.client.post(f"{LECTURES}add/", data)
        taken = self.client.post(f"{LECTURES}add/", data)

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        added = self.course.lectures.get(date=date(2026, 11, 8))
        self.assertTrue(added.is_manual)
        self.assertEqual(added.number, 2)  # renumbered in date order
        self.assertEqual(taken.status_code, 200)
        self.assertIn("start_time", taken.context["adminform"].form.errors)
        self.assertEqual(self.course.lectures.count(), 3)

    def test_the_service_refuses_an_extra_lecture_on_a_taken_time(self):
        with self.assertRaises(Invalid) as caught:
            services.lecture_create(
                course=self.course,
                date=date(2026, 11, 7),
                start_time=time(16, 0),
                end_time=time(17, 30),
            )

        self.assertEqual(caught.exception.code, "lecture_time_taken")
        self.assertEqual(self.course.lectures.count(), 2)

    def test_the_api_answers_lecture_time_taken(self):
        api = APIClient()
        api.force_authenticate(self.admin)

        response = api.patch(
            f"/api/lectures/{self.second.pk}/",
            {"date": "2026-11-07", "start_time": "17:30"},
            format="json",
        )

        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json()["code"], "lecture_time_taken")

    def test_another_course_at_the_same_time_is_no_conflict(self):
        other = LectureFactory(date=date(2026, 11, 7))

        response = self.client.post(
            f"{LECTURES}{other.pk}/change/", _lecture_data(other, start_time="17:15")
        )

        self.assertEqual(response.status_code, 302)
        other.refresh_from_db()
        self.assertEqual(other.start_time, time(17, 15))
        self.assertTrue(other.is_manual)


class ServiceRefusalTests(StaffAdminTestCase):
    def test_a_refused_move_shows_the_error_and_no_success_message(self):
        lecture = LectureFactory()
        make_attendance(lecture, child=make_child(), present=True)

        response = self.client.post(
            f"{LECTURES}{lecture.pk}/change/", _lecture_data(lecture, date="2026-11-10")
        )

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errornote")
        self.assertContains(response, "لا يمكن نقلها")
        self.assertEqual(_messages(response), [])
        lecture.refresh_from_db()
        self.assertEqual(lecture.date, date(2026, 11, 7))

    def test_an_exam_total_below_its_results_is_a_form_error(self):
        exam = ExamFactory()
        exam_services.exam_result_save(exam=exam, child=make_child(), marks=Decimal("40"))

        page = self.client.get(f"{EXAMS}{exam.pk}/change/")
        data = _resubmit(page, total_marks="30", pass_mark="10")

        response = self.client.post(f"{EXAMS}{exam.pk}/change/", data)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(_messages(response), [])
        self.assertIn("total_marks", response.context["adminform"].form.errors)
        exam.refresh_from_db()
        self.assertEqual(exam.total_marks, Decimal("50.00"))

    def test_editing_a_result_regrades_it_through_the_service(self):
        exam = ExamFactory()
        result, _ = exam_services.exam_result_save(
            exam=exam, child=make_child(), marks=Decimal("10")
        )

        response = self.client.post(
            f"/courses-admin/courses/examresult/{result.pk}/change/", {"marks": "45", "notes": ""}
        )

        self.assertEqual(response.status_code, 302)
        result.refresh_from_db()
        self.assertEqual((result.percentage, result.passed), (Decimal("90.00"), True))
        self.assertEqual(result.entered_by, self.admin)

    def test_a_schedule_slot_added_inline_replans_the_lectures(self):
        course = CourseFactory(start_date=date(2030, 1, 5), end_date=date(2030, 2, 1))
        slot = ScheduleFactory(course=course)
        services.course_generate_lectures(course=course, now=timezone.now())
        before = course.lectures.count()
        page = self.client.get(f"{COURSES}{course.pk}/change/")
        data = admin_form_data(page.context["adminform"].form)
        data.update(
            {
                "schedule-TOTAL_FORMS": "2",
                "schedule-INITIAL_FORMS": "1",
                "schedule-0-id": slot.pk,
                "schedule-0-course": course.pk,
                "schedule-0-weekday": slot.weekday,
                "schedule-0-start_time": "17:00",
                "schedule-0-end_time": "18:30",
                "schedule-1-course": course.pk,
                "schedule-1-weekday": "2",
                "schedule-1-start_time": "10:00",
                "schedule-1-end_time": "11:00",
                "lectures-TOTAL_FORMS": "0",
                "lectures-INITIAL_FORMS": "0",
            }
        )

        response = self.client.post(f"{COURSES}{course.pk}/change/", data)

        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        self.assertEqual(course.schedule.count(), 2)
        self.assertGreater(course.lectures.count(), before)
        self.assertTrue(course.lectures.filter(start_time=time(10, 0)).exists())


class CourseDeleteTests(StaffAdminTestCase):
    def _course_with_history(self):
        lecture = LectureFactory()
        make_attendance(lecture, child=make_child(), present=True)
        return lecture.course

    def test_deleting_a_course_with_history_says_archive_it_instead(self):
        course = self._course_with_history()

        page = self.client.get(f"{COURSES}{course.pk}/delete/", follow=True)
        posted = self.client.post(f"{COURSES}{course.pk}/delete/", {"post": "yes"}, follow=True)

        for response in (page, posted):
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.redirect_chain[-1][0], f"{COURSES}{course.pk}/change/")
            [(level, text)] = _messages(response)
            self.assertEqual(level, messages.ERROR)
            self.assertIn("أرشِفها بدلًا من ذلك", text)
        self.assertTrue(Course.objects.filter(pk=course.pk).exists())

    def test_the_bulk_delete_keeps_courses_with_history_and_says_why(self):
        kept, free = self._course_with_history(), CourseFactory()

        response = self.client.post(
            COURSES,
            {"action": "delete_selected", "_selected_action": [kept.pk, free.pk], "post": "yes"},
            follow=True,
        )

        self.assertEqual(response.status_code, 200)
        self.assertTrue(Course.objects.filter(pk=kept.pk).exists())
        self.assertTrue(Course.objects.filter(pk=free.pk).exists())  # nothing half-done
        self.assertIn(messages.ERROR, [level for level, _ in _messages(response)])
        self.assertNotIn(messages.SUCCESS, [level for level, _ in _messages(response)])

    def test_a_course_without_history_is_deleted(self):
        course = CourseFactory()
        LectureFactory(course=course)

        response = self.client.post(f"{COURSES}{course.pk}/delete/", {"post": "yes"})

        self.assertEqual(response.status_code, 302)
        self.assertFalse(Course.objects.filter(pk=course.pk).exists())


class ExamDeleteTests(StaffAdminTestCase):
    def test_an_exam_with_results_cannot_be_deleted_and_its_page_says_so(self):
        exam = ExamFactory()
        exam_services.exam_result_save(exam=exam, child=make_child(), marks=Decimal("30"))

        delete = self.client.post(f"{EXAMS}{exam.pk}/delete/", {"post": "yes"})
        page = self.client.get(f"{EXAMS}{exam.pk}/change/")
        bulk = self.client.post(
            EXAMS,
            {"action": "delete_selected", "_selected_action": [exam.pk], "post": "yes"},
            follow=True,
        )

        self.assertEqual(delete.status_code, 403)
        self.assertNotContains(page, f"{EXAMS}{exam.pk}/delete/")
        self.assertIn((messages.INFO, "لهذا الامتحان نتائج مسجلة، ولا يمكن حذفه."), _messages(page))
        self.assertIn(messages.ERROR, [level for level, _ in _messages(bulk)])
        self.assertTrue(Exam.objects.filter(pk=exam.pk).exists())

    def test_an_exam_without_results_is_deleted(self):
        exam = ExamFactory()

        response = self.client.post(f"{EXAMS}{exam.pk}/delete/", {"post": "yes"})

        self.assertEqual(response.status_code, 302)
        self.assertFalse(Exam.objects.filter(pk=exam.pk).exists())


class CourseLecturesNavigationTests(StaffAdminTestCase):
    def test_the_course_page_links_to_its_lectures(self):
        course = CourseFactory()
        LectureFactory(course=course, number=1)
        LectureFactory(course=course, number=2, date=date(2026, 11, 9))

        response = self.client.get(f"{COURSES}{course.pk}/change/")

        self.assertContains(response, f'href="{LECTURES}?course={course.pk}"')
        self.assertContains(response, "محاضرتان")

    def test_the_lecture_list_filters_by_course(self):
        mine, other = LectureFactory(), LectureFactory()

        response = self.client.get(LECTURES, {"course": mine.course.pk})

        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["cl"].result_list), [mine])
        self.assertNotEqual(mine.course, other.course)
        self.assertContains(response, 'data-filter-title="دورة"')


class AdminFormatTests(StaffAdminTestCase):
    def test_times_show_without_seconds(self):
        lecture = LectureFactory()

        listing = self.client.get(LECTURES)
        form = self.client.get(f"{LECTURES}{lecture.pk}/change/")

        self.assertContains(listing, "17:00–18:30")
        self.assertContains(form, 'value="17:00"')
        self.assertNotContains(form, "17:00:00")

    def test_decimals_show_in_one_style(self):
        exam = ExamFactory()
        result, _ = exam_services.exam_result_save(
            exam=exam, child=make_child(), marks=Decimal("12.5")
        )

        exams = self.client.get(EXAMS)
        results = self.client.get("/courses-admin/courses/examresult/")
        form = self.client.get(f"{EXAMS}{exam.pk}/change/")

        self.assertContains(exams, '<td class="field-total_display">50.00</td>', html=True)
        self.assertContains(results, '<td class="field-marks_display">12.50</td>', html=True)
        self.assertContains(results, '<td class="field-percentage_display">25.00</td>', html=True)
        self.assertContains(form, 'value="50.00"')

    def test_the_schedule_inline_carries_the_class_our_narrow_screen_css_styles(self):
        course = CourseFactory()
        ScheduleFactory(course=course)

        response = self.client.get(f"{COURSES}{course.pk}/change/")

        self.assertContains(response, "schedule-inline")
        self.assertContains(response, "core/admin.css")
        css = (settings.BASE_DIR / "core/static/core/admin.css").read_text()
        self.assertIn(".schedule-inline input.vTimeField", css)


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


class AdminSuccessMessageTests(StaffAdminTestCase):
    def test_saving_a_change_says_changed_not_added(self):
        # Django's own Arabic catalogue translates "was changed successfully" as "added".
        course = CourseFactory()
        url = f"{COURSES}{course.pk}/change/"
        page = self.client.get(url)

        response = self.client.post(url, _resubmit(page, name="اسم جديد"), follow=True)

        self.assertEqual(response.status_code, 200)
        course.refresh_from_db()
        self.assertEqual(course.name, "اسم جديد")
        [(level, text)] = _messages(response)
        self.assertEqual(level, messages.SUCCESS)
        self.assertIn("تم تعديل", text)
        self.assertNotIn("إضافة", text)

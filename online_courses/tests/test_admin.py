"""The online-course pages of the admin site: lessons inline (swapping numbers), a watched
lesson kept, materials on the lesson's page, and online requests approved from the
enrollment request list through the same service."""

from __future__ import annotations

import datetime
from unittest import mock

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from enrollments_payments.models import Enrollment, RequestStatus
from enrollments_payments.tests.factories import NOW
from online_courses import lesson_services, services
from online_courses.models import Lesson, LessonMaterial, LessonProgress, OnlineCourse
from online_courses.tests.enrol import request_online
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from testkit.admin import admin_form_data
from users.tests.factories import make_admin, make_child

ADMIN = "/courses-admin/online_courses/"


class LessonInlineTests(TestCase):
    def setUp(self):
        self.client.force_login(make_admin(is_superuser=True))
        self.online = OnlineCourseFactory()
        self.first, self.second, self.third = (
            LessonFactory(online_course=self.online, number=n, title=f"L{n}") for n in (1, 2, 3)
        )
        self.url = f"{ADMIN}onlinecourse/{self.online.pk}/change/"

    def post(self, **changes):
        page = self.client.get(self.url)
        data = admin_form_data(page.context["adminform"].form)
        for inline in page.context["inline_admin_formsets"]:
            formset = inline.formset
            for key, value in formset.management_form.initial.items():
                data[f"{formset.prefix}-{key}"] = value
            for index, form in enumerate(formset.forms):
                data.update(admin_form_data(form, prefix=f"{formset.prefix}-{index}-"))
        data.update(changes)
        return self.client.post(self.url, data)

    def index(self, lesson) -> int:
        return list(self.online.lessons.order_by("number").values_list("pk", flat=True)).index(
            lesson.pk
        )

    def test_the_page_lists_the_lessons_in_arabic(self):
        page = self.client.get(self.url)
        self.assertContains(page, "الدروس")
        self.assertContains(page, "L3")

    def test_two_lessons_swap_their_numbers(self):
        response = self.post(
            **{
                f"lessons-{self.index(self.first)}-number": "2",
                f"lessons-{self.index(self.second)}-number": "1",
            }
        )

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        numbers = dict(Lesson.objects.values_list("title", "number"))
        self.assertEqual(numbers, {"L1": 2, "L2": 1, "L3": 3})

    def test_lesson_rows_are_written_by_the_lesson_services(self):
        bad = self.post(**{f"lessons-{self.index(self.second)}-video_id": "../../evil"})

        self.assertEqual(bad.status_code, 200)
        [inline] = bad.context["inline_admin_formsets"]
        row = inline.formset.forms[self.index(self.second)]
        self.assertIn("هذا ليس معرّف فيديو على", row.errors["video_id"][0])
        self.assertEqual(Lesson.objects.get(pk=self.second.pk).video_id, "dQw4w9WgXcQ")

        new = {
            "lessons-TOTAL_FORMS": "4",
            "lessons-3-number": "4",
            "lessons-3-title": "L4",
            "lessons-3-duration_seconds": "300",
            "lessons-3-video_provider": "vimeo",
            "lessons-3-video_id": "76979871",
            f"lessons-{self.index(self.third)}-title": "L3 again",
        }
        with mock.patch.object(services, "lesson_create", wraps=services.lesson_create) as made:
            response = self.post(**new)

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        made.assert_called_once()
        added = Lesson.objects.get(online_course=self.online, number=4)
        self.assertEqual(
            (added.title, added.video_provider, added.video_id), ("L4", "vimeo", "76979871")
        )
        self.assertEqual(Lesson.objects.get(pk=self.third.pk).title, "L3 again")

    def test_the_course_is_changed_by_its_service_with_what_changed(self):
        update = mock.patch.object(
            services, "online_course_update", wraps=services.online_course_update
        )
        with update as changed:
            response = self.post(title="Tajweed", access_days="90")

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        changed.assert_called_once()
        self.assertEqual(
            {k: v for k, v in changed.call_args.kwargs.items() if k != "online_course"},
            {"title": "Tajweed", "access_days": 90},
        )
        self.online.refresh_from_db()
        self.assertEqual((self.online.title, self.online.access_days), ("Tajweed", 90))

    def test_a_course_added_with_a_lesson_is_made_by_the_services(self):
        add = f"{ADMIN}onlinecourse/add/"
        data = admin_form_data(self.client.get(add).context["adminform"].form)
        data.update(
            title="خط عربي",
            slug="",
            price="150",
            status="draft",
            audience="all",
            **{
                "lessons-TOTAL_FORMS": "1",
                "lessons-INITIAL_FORMS": "0",
                "lessons-0-number": "1",
                "lessons-0-title": "الألف",
                "lessons-0-duration_seconds": "60",
                "lessons-0-video_provider": "youtube",
                "lessons-0-video_id": "dQw4w9WgXcQ",
            },
        )
        with mock.patch.object(
            services, "online_course_create", wraps=services.online_course_create
        ) as made:
            response = self.client.post(add, data)

        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        made.assert_called_once()
        course = OnlineCourse.objects.get(title="خط عربي")
        self.assertEqual(course.slug, "خط-عربي")  # left empty: made from the title
        self.assertEqual(list(course.lessons.values_list("title", "number")), [("الألف", 1)])

    def test_two_lessons_with_one_number_are_refused(self):
        response = self.post(**{f"lessons-{self.index(self.first)}-number": "3"})

        self.assertEqual(response.status_code, 200)
        [inline] = response.context["inline_admin_formsets"]
        self.assertIn("يحملان الرقم نفسه", str(inline.formset.non_form_errors()))
        self.assertEqual(Lesson.objects.get(pk=self.first.pk).number, 1)

    def test_a_watched_lesson_is_not_deleted_and_an_unwatched_one_is(self):
        LessonProgress.objects.create(lesson=self.first, child=make_child(), updated_at=NOW)

        refused = self.post(**{f"lessons-{self.index(self.first)}-DELETE": "on"})

        self.assertEqual(refused.status_code, 200)
        # The admin's own check of protected rows names the progress that keeps it.
        [inline] = refused.context["inline_admin_formsets"]
        self.assertIn("التقدم في الدروس", str(inline.formset.non_form_errors()))
        self.assertTrue(Lesson.objects.filter(pk=self.first.pk).exists())
        deleted = self.post(**{f"lessons-{self.index(self.third)}-DELETE": "on"})
        self.assertEqual(deleted.status_code, 302)
        self.assertFalse(Lesson.objects.filter(pk=self.third.pk).exists())

    def test_the_list_runs_the_same_queries_for_one_or_many_courses(self):
        counts = []
        for extra in (0, 5):
            for _ in range(extra):
                LessonFactory(online_course=OnlineCourseFactory())
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(f"{ADMIN}onlinecourse/").status_code, 200)
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])

    def test_the_lesson_page_shows_its_materials_with_a_signed_link(self):
        LessonMaterial.objects.create(
            lesson=self.first,
            title="Worksheet",
            original_name="sheet.pdf",
            file="materials/ab/abc.pdf",
            size=10,
            content_type="application/pdf",
        )
        page = self.client.get(f"{ADMIN}lesson/{self.first.pk}/change/")
        self.assertContains(page, "Worksheet")
        self.assertContains(page, "expires=")


class RenumberServiceTests(TestCase):
    def test_numbers_move_together_and_clashes_are_refused(self):
        online = OnlineCourseFactory()
        a, b, c = (LessonFactory(online_course=online, number=n) for n in (1, 2, 3))

        lesson_services.lessons_renumber(online_course=online, numbers={a.pk: 3, c.pk: 1})

        self.assertEqual(
            list(online.lessons.order_by("number").values_list("pk", flat=True)),
            [c.pk, b.pk, a.pk],
        )
        with self.assertRaises(ValidationError) as caught:
            lesson_services.lessons_renumber(online_course=online, numbers={a.pk: 2})
        self.assertIn("number", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            lesson_services.lessons_renumber(online_course=online, numbers={a.pk: 0})

    def test_a_deleted_lessons_files_go_after_the_commit(self):
        lesson = LessonFactory()
        LessonMaterial.objects.create(
            lesson=lesson, original_name="a.pdf", file="m/a.pdf", size=1, content_type="x"
        )
        with self.captureOnCommitCallbacks() as callbacks:
            services.lesson_delete(lesson=lesson)
        self.assertEqual(len(callbacks), 1)
        self.assertFalse(LessonMaterial.objects.exists())


class OnlineRequestAdminTests(TestCase):
    def test_an_online_request_is_approved_from_the_list(self):
        admin = make_admin(is_superuser=True)
        self.client.force_login(admin)
        online = OnlineCourseFactory(access_days=10)
        request = request_online(
            participant=make_child(), online_course=online, now=datetime.datetime.now(datetime.UTC)
        )
        changelist = "/courses-admin/enrollments_payments/enrollmentrequest/"

        listed = self.client.get(changelist, {"kind": "online"})
        self.assertContains(listed, online.title)

        response = self.client.post(
            changelist, {"action": "approve", "_selected_action": [request.pk]}, follow=True
        )

        self.assertEqual(response.status_code, 200)
        request.refresh_from_db()
        self.assertEqual(request.status, RequestStatus.APPROVED)
        enrollment = Enrollment.objects.get(online_course=online)
        self.assertIsNotNone(enrollment.access_until)
        page = self.client.get(
            f"/courses-admin/enrollments_payments/enrollment/{enrollment.pk}/change/"
        )
        self.assertContains(page, online.title)

"""A lesson at its own address, and the management of courses and lessons by admins."""

from __future__ import annotations

from django.utils import timezone
from rest_framework.test import APITestCase

from courses.models import CourseStatus
from enrollments_payments.models import EnrollmentRequest
from online_courses import services
from online_courses.models import Lesson, LessonProgress, OnlineCourse, VideoProvider
from online_courses.tests.base import OnlineCases
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory

BUNNY_ID = "eb1c4f77-0cda-46be-b47d-1118ad7c2ffe"


def progress(lesson, participant, *, completed=True):
    key = "student" if hasattr(participant, "user_id") else "child"
    return LessonProgress.objects.create(
        lesson=lesson,
        watched_seconds=lesson.duration_seconds,
        completed_at=timezone.now() if completed else None,
        updated_at=timezone.now(),
        **{key: participant},
    )


class LessonReadTests(OnlineCases, APITestCase):
    def get(self, lesson, query=""):
        return self.client.get(self.url("lessons", lesson.pk) + query)

    def test_a_preview_is_open_to_anyone(self):
        response = self.get(self.lesson1)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["playback"]["provider"], "youtube")
        self.assertIsNone(body["progress"])
        self.assertEqual(body["online_course"], self.course.pk)

    def test_without_access_a_lesson_is_403_no_access(self):
        for who in ("anonymous", "other_parent", "instructor", "parent"):
            with self.subTest(who=who):
                self.as_user(who)
                response = self.get(self.lesson2)
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.json()["code"], "no_access")

    def test_a_locked_lesson_is_403_lesson_locked_until_the_one_before_is_completed(self):
        self.as_user("student")
        response = self.get(self.lesson2)
        self.assertEqual((response.status_code, response.json()["code"]), (403, "lesson_locked"))
        progress(self.lesson1, self.student_profile)
        response = self.get(self.lesson2)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["locked"], False)
        self.assertEqual(body["playback"]["url"], "https://player.vimeo.com/video/76979871")
        self.assertEqual(body["materials"][0]["original_name"], "sheet.pdf")
        self.assertEqual(
            body["progress"], {"position_seconds": 0, "watched_seconds": 0, "completed": False}
        )

    def test_a_parent_opens_a_lesson_for_their_child(self):
        progress(self.lesson1, self.child)
        self.as_user("linked_parent")
        self.assertEqual(self.get(self.lesson2, f"?child={self.child.pk}").status_code, 200)
        self.as_user("other_parent")
        self.assertEqual(self.get(self.lesson2, f"?child={self.child.pk}").status_code, 404)

    def test_a_course_that_is_not_sequential_has_no_locks(self):
        self.course.sequential = False
        self.course.save()
        self.as_user("student")
        body = self.get(self.lesson4).json()
        self.assertEqual(body["locked"], False)

    def test_admins_open_every_lesson(self):
        self.as_user("admin")
        body = self.get(self.lesson3).json()
        self.assertEqual(body["playback"]["provider"], "file")
        self.assertEqual(body["video"]["provider"], "file")

    def test_a_lesson_of_another_course_or_a_draft_is_404(self):
        other = LessonFactory(is_preview=True)
        self.assertEqual(self.get(other).status_code, 404)
        draft = LessonFactory(
            online_course=OnlineCourseFactory(status=CourseStatus.DRAFT), is_preview=True
        )
        response = self.client.get(
            f"/api/online-courses/{draft.online_course_id}/lessons/{draft.pk}/"
        )
        self.assertEqual(response.status_code, 404)

    def test_ids_that_are_not_numbers_are_404(self):
        self.as_user("admin")
        for method, path in (
            ("get", "/api/online-courses/null,null/lessons/0/"),
            ("patch", "/api/online-courses/null/lessons/1/"),
            ("delete", "/api/online-courses/null,null/lessons/0/materials/0/"),
        ):
            with self.subTest(method=method, path=path):
                self.assertEqual(
                    getattr(self.client, method)(path, {}, format="json").status_code, 404
                )
        self.as_user("student")
        body = {"position_seconds": 1, "watched_seconds": 1}
        response = self.client.post(
            "/api/online-courses/null/lessons/1/progress/", body, format="json"
        )
        self.assertEqual(response.status_code, 404)

    def test_a_bunny_lesson_without_the_key_says_so_instead_of_an_unsigned_url(self):
        lesson = LessonFactory(
            online_course=self.course,
            number=9,
            is_preview=True,
            video_provider=VideoProvider.BUNNY,
            video_id=BUNNY_ID,
        )
        with self.settings(BUNNY_STREAM_LIBRARY_ID="", BUNNY_STREAM_TOKEN_KEY=""):
            shown = self.get(lesson).json()["playback"]
        self.assertEqual((shown["url"], shown["error"]), (None, "video_not_configured"))
        with self.settings(BUNNY_STREAM_LIBRARY_ID="759", BUNNY_STREAM_TOKEN_KEY="k"):
            shown = self.get(lesson).json()["playback"]
        self.assertTrue(
            shown["url"].startswith(f"https://iframe.mediadelivery.net/embed/759/{BUNNY_ID}?token=")
        )


class CourseManagementTests(OnlineCases, APITestCase):
    def test_an_admin_creates_a_draft_with_a_slug_made_from_its_title(self):
        self.as_user("admin")
        response = self.client.post(
            "/api/online-courses/",
            {"title": "Tajweed online", "price": "150", "access_days": 90, "sequential": True},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["slug"], body["status"], body["price"], body["access_days"], body["lessons"]),
            ("tajweed-online", "draft", "150.00", 90, []),
        )

    def test_others_may_not_manage(self):
        for who, code in (("anonymous", 401), ("parent", 403), ("instructor", 403)):
            with self.subTest(who=who):
                self.as_user(who)
                self.assertEqual(
                    self.client.post(
                        "/api/online-courses/", {"title": "x"}, format="json"
                    ).status_code,
                    code,
                )
                self.assertEqual(
                    self.client.patch(self.url(), {"title": "x"}, format="json").status_code, code
                )
        self.as_user("parent")
        self.assertEqual(
            self.client.patch(self.url(), {}, format="json").json()["code"], "admin_only"
        )

    def test_an_admin_changes_a_course_and_bad_values_are_400(self):
        self.as_user("admin")
        response = self.client.patch(
            self.url(), {"status": "archived", "min_age": 12, "max_age": 8}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        response = self.client.patch(
            self.url(), {"status": "archived", "access_days": None}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.course.refresh_from_db()
        self.assertEqual((self.course.status, self.course.access_days), ("archived", None))
        self.assertEqual(
            self.client.patch(self.url(), {"access_days": 0}, format="json").status_code, 400
        )

    def test_a_course_with_enrollments_or_requests_is_not_deleted(self):
        self.as_user("admin")
        response = self.client.delete(self.url())
        self.assertEqual(
            (response.status_code, response.json()["code"]), (409, "online_course_has_enrollments")
        )
        empty = OnlineCourseFactory()
        EnrollmentRequest.objects.create(
            online_course=empty,
            child=self.other_child,
            expires_at=timezone.now(),
            requested_by=self.other_parent,
        )
        self.assertEqual(self.client.delete(self.url(course=empty)).status_code, 409)
        fresh = OnlineCourseFactory()
        LessonFactory(online_course=fresh)
        self.assertEqual(self.client.delete(self.url(course=fresh)).status_code, 204)
        self.assertFalse(OnlineCourse.objects.filter(pk=fresh.pk).exists())


class LessonManagementTests(OnlineCases, APITestCase):
    def setUp(self):
        self.as_user("admin")

    def test_a_new_lesson_goes_last_with_its_video(self):
        response = self.client.post(
            self.url("lessons"),
            {
                "title": "Letters that join",
                "duration_seconds": 420,
                "video": {"provider": "bunny", "video_id": BUNNY_ID},
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["number"], body["duration_seconds"]), (5, 420))
        self.assertEqual(body["video"], {"provider": "bunny", "video_id": BUNNY_ID})

    def test_a_video_id_not_of_its_provider_is_400(self):
        for video in (
            {"provider": "youtube", "video_id": "../../evil"},
            {"provider": "vimeo", "video_id": ""},
            {"provider": "bunny", "video_id": "dQw4w9WgXcQ"},
        ):
            with self.subTest(video=video):
                response = self.client.post(
                    self.url("lessons"), {"title": "x", "video": video}, format="json"
                )
                self.assertEqual(response.json()["code"], "video_id_invalid")
        response = self.client.post(
            self.url("lessons"), {"title": "x", "video": {"provider": "file"}}, format="json"
        )
        self.assertEqual(
            (response.status_code, response.json()["code"]), (400, "video_file_missing")
        )

    def test_a_taken_number_is_400(self):
        response = self.client.post(self.url("lessons"), {"title": "x", "number": 2}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.course.lessons.count(), 4)

    def test_changing_a_lesson_and_removing_its_video(self):
        url = self.url("lessons", self.lesson4.pk)
        response = self.client.patch(url, {"title": "Review", "is_preview": True}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["title"], response.json()["is_preview"]), ("Review", True)
        )
        response = self.client.patch(url, {"video": None}, format="json")
        self.assertIsNone(response.json()["video"])
        self.lesson4.refresh_from_db()
        self.assertEqual((self.lesson4.video_provider, self.lesson4.video_id), ("", ""))

    def test_an_uploaded_video_stays_when_file_is_sent_back(self):
        url = self.url("lessons", self.lesson3.pk)
        response = self.client.patch(url, {"video": {"provider": "file"}}, format="json")
        self.assertEqual(response.status_code, 200)
        self.lesson3.refresh_from_db()
        self.assertEqual(self.lesson3.video_file, "online-courses/videos/ab/abc.mp4")

    def test_a_lesson_with_progress_is_not_deleted(self):
        progress(self.lesson2, self.student_profile, completed=False)
        response = self.client.delete(self.url("lessons", self.lesson2.pk))
        self.assertEqual(
            (response.status_code, response.json()["code"]), (409, "lesson_has_progress")
        )
        response = self.client.delete(self.url("lessons", self.lesson4.pk))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Lesson.objects.filter(pk=self.lesson4.pk).exists())
        self.assertEqual(self.client.delete(self.url("lessons", self.lesson4.pk)).status_code, 404)

    def test_non_admins_may_not_change_lessons(self):
        self.as_user("student")
        url = self.url("lessons", self.lesson4.pk)
        self.assertEqual(self.client.patch(url, {"title": "x"}, format="json").status_code, 403)
        self.assertEqual(self.client.delete(url).status_code, 403)
        self.assertEqual(
            self.client.post(self.url("lessons"), {"title": "x"}, format="json").status_code, 403
        )

    def test_the_services_refuse_what_the_api_refuses(self):
        progress(self.lesson2, self.child, completed=False)
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            services.lesson_delete(lesson=self.lesson2)

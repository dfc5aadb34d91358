"""The catalogue (§6.10): public outlines and previews; lessons' players, materials,
progress and locks for a participant with access; everything for admins."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APITestCase

from courses.models import Audience, CourseStatus
from enrollments_payments.models import EnrollmentStatus
from online_courses.models import LessonProgress
from online_courses.tests.base import OnlineCases, enrol
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from users.tests.factories import make_child


def lessons_by_number(body: dict) -> dict[int, dict]:
    return {lesson["number"]: lesson for lesson in body["lessons"]}


def complete(lesson, participant, *, watched=None):
    key = "student" if hasattr(participant, "user_id") else "child"
    return LessonProgress.objects.create(
        lesson=lesson,
        position_seconds=10,
        watched_seconds=lesson.duration_seconds if watched is None else watched,
        completed_at=timezone.now() if watched is None else None,
        updated_at=timezone.now(),
        **{key: participant},
    )


class CatalogueListTests(OnlineCases, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.draft = OnlineCourseFactory(title="Draft course", status=CourseStatus.DRAFT)
        cls.for_adults = OnlineCourseFactory(
            title="Accounting basics",
            audience=Audience.ADULTS,
            instructor=cls.instructor_profile,
        )

    def titles(self, url="/api/online-courses/"):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, response.content)
        return [row["title"] for row in response.json()["results"]]

    def test_anyone_lists_the_published_courses_with_their_lessons_outline(self):
        response = self.client.get("/api/online-courses/")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(set(body), {"count", "next", "previous", "results"})
        rows = {row["title"]: row for row in body["results"]}
        self.assertEqual(set(rows), {"Arabic calligraphy online", "Accounting basics"})
        row = rows["Arabic calligraphy online"]
        self.assertEqual(row["lessons_count"], 4)
        self.assertEqual(row["duration_seconds"], 600 * 4)
        self.assertFalse(row["has_access"])
        self.assertEqual(
            row["lessons"][0],
            {
                "id": self.lesson1.pk,
                "number": 1,
                "title": self.lesson1.title,
                "duration_seconds": 600,
                "is_preview": True,
            },
        )
        self.assertEqual(row["price"], "200.00")

    def test_admins_also_see_drafts(self):
        self.as_user("admin")
        self.assertIn("Draft course", self.titles())
        self.as_user("instructor")
        self.assertNotIn("Draft course", self.titles())

    def test_filters_search_and_ordering(self):
        self.assertEqual(self.titles("/api/online-courses/?audience=adults"), ["Accounting basics"])
        self.assertEqual(
            self.titles(f"/api/online-courses/?instructor={self.instructor_profile.pk}"),
            ["Accounting basics"],
        )
        self.assertEqual(self.titles("/api/online-courses/?search=callig"), [self.course.title])
        self.assertEqual(
            self.titles("/api/online-courses/?ordering=-title"),
            ["Arabic calligraphy online", "Accounting basics"],
        )
        response = self.client.get("/api/online-courses/?instructor=abc")
        self.assertEqual(response.json()["code"], "invalid_query_parameter")

    def test_a_student_sees_which_courses_they_may_watch(self):
        self.as_user("student")
        rows = {
            row["title"]: row for row in self.client.get("/api/online-courses/").json()["results"]
        }
        self.assertTrue(rows["Arabic calligraphy online"]["has_access"])
        self.assertFalse(rows["Accounting basics"]["has_access"])

    def test_a_parent_names_the_child_and_another_familys_child_is_404(self):
        self.as_user("parent")
        response = self.client.get(f"/api/online-courses/?child={self.child.pk}")
        rows = {row["title"]: row for row in response.json()["results"]}
        self.assertTrue(rows["Arabic calligraphy online"]["has_access"])
        response = self.client.get(f"/api/online-courses/?child={self.other_child.pk}")
        self.assertEqual(response.status_code, 404)
        self.as_user("student")
        self.assertEqual(
            self.client.get(f"/api/online-courses/?child={self.child.pk}").status_code, 404
        )

    def test_an_archived_course_stays_open_to_the_enrolled_only(self):
        self.course.status = CourseStatus.ARCHIVED
        self.course.save()
        self.assertNotIn(self.course.title, self.titles())
        self.as_user("student")
        self.assertIn(self.course.title, self.titles())

    def test_a_page_costs_the_same_queries_for_1_and_many_courses(self):
        for _ in range(6):
            course = OnlineCourseFactory()
            for number in range(1, 4):
                LessonFactory(online_course=course, number=number)
        self.as_user("parent")

        def count(size):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(
                    f"/api/online-courses/?child={self.child.pk}&page_size={size}"
                )
            self.assertEqual(len(response.json()["results"]), size)
            return len(queries)

        count(1)  # the first request reads the parent's profile, then kept on the user
        self.assertEqual(count(1), count(8))


class CatalogueDetailTests(OnlineCases, APITestCase):
    def detail(self, query=""):
        response = self.client.get(self.url() + query)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_anyone_gets_the_outline_and_only_the_previews_content(self):
        body = self.detail()
        lessons = lessons_by_number(body)
        self.assertEqual(
            lessons[1]["playback"],
            {
                "provider": "youtube",
                "url": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                "expires_at": None,
                "error": None,
            },
        )
        self.assertEqual(lessons[1]["materials"], [])
        for number in (2, 3, 4):
            self.assertIsNone(lessons[number]["playback"])
            self.assertIsNone(lessons[number]["materials"])
        for lesson in lessons.values():
            self.assertIsNone(lesson["progress"])
            self.assertIsNone(lesson["locked"])
            self.assertIsNone(lesson["video"])
            self.assertEqual(lesson["duration_seconds"], 600)
        self.assertIsNone(body["enrollment"])
        self.assertIsNone(body["progress"])
        self.assertFalse(body["has_access"])

    def test_a_student_with_access_gets_players_materials_progress_and_locks(self):
        complete(self.lesson1, self.student_profile)
        self.as_user("student")
        body = self.detail()
        lessons = lessons_by_number(body)
        self.assertTrue(body["has_access"])
        self.assertEqual([lessons[n]["locked"] for n in (1, 2, 3, 4)], [False, False, True, True])
        self.assertEqual(lessons[2]["playback"]["url"], "https://player.vimeo.com/video/76979871")
        material = lessons[2]["materials"][0]
        self.assertEqual(
            {k: material[k] for k in ("id", "title", "original_name", "content_type")},
            {
                "id": self.material.pk,
                "title": "Worksheet",
                "original_name": "sheet.pdf",
                "content_type": "application/pdf",
            },
        )
        self.assertTrue(material["url"].startswith("http://testserver/files/online-courses/"))
        self.assertIn("signature=", material["url"])
        # Locked: no player, no materials, but its progress and its lock.
        self.assertIsNone(lessons[3]["playback"])
        self.assertEqual(
            lessons[3]["progress"],
            {"position_seconds": 0, "watched_seconds": 0, "completed": False},
        )
        self.assertEqual(
            lessons[1]["progress"],
            {"position_seconds": 10, "watched_seconds": 600, "completed": True},
        )
        self.assertEqual(body["progress"], {"lessons_completed": 1, "lessons_total": 4})
        self.assertEqual(body["enrollment"]["id"], self.student_enrollment.pk)
        self.assertEqual(body["enrollment"]["status"], "active")
        self.assertIsNone(body["enrollment"]["access_until"])

    def test_an_uploaded_videos_player_is_a_signed_url(self):
        complete(self.lesson1, self.student_profile)
        complete(self.lesson2, self.student_profile)
        self.as_user("student")
        shown = lessons_by_number(self.detail())[3]["playback"]
        self.assertEqual(shown["provider"], "file")
        self.assertTrue(shown["url"].startswith("http://testserver/files/online-courses/videos/"))
        self.assertIsNotNone(shown["expires_at"])

    def test_a_parent_sees_the_childs_view_with_child_and_a_stranger_sees_nothing(self):
        self.as_user("parent")
        without = self.detail()
        self.assertFalse(without["has_access"])
        self.assertIsNone(lessons_by_number(without)[2]["playback"])
        body = self.detail(f"?child={self.child.pk}")
        self.assertTrue(body["has_access"])
        self.assertEqual(body["enrollment"]["id"], self.child_enrollment.pk)
        # Sequential: the child has not completed lesson 1, so lesson 2 waits.
        self.assertEqual(lessons_by_number(body)[2]["locked"], True)
        complete(self.lesson1, self.child)
        self.assertIsNotNone(
            lessons_by_number(self.detail(f"?child={self.child.pk}"))[2]["playback"]
        )
        self.as_user("other_parent")
        self.assertEqual(self.client.get(self.url() + f"?child={self.child.pk}").status_code, 404)
        body = self.detail(f"?child={self.other_child.pk}")
        self.assertFalse(body["has_access"])
        self.assertIsNone(body["enrollment"])
        self.assertEqual(body["progress"], {"lessons_completed": 0, "lessons_total": 4})

    def test_access_that_ended_shows_the_enrollment_but_no_content(self):
        self.student_enrollment.access_until = timezone.now() - datetime.timedelta(minutes=1)
        self.student_enrollment.save()
        self.as_user("student")
        body = self.detail()
        self.assertFalse(body["has_access"])
        self.assertIsNotNone(body["enrollment"]["access_until"])
        self.assertIsNone(lessons_by_number(body)[2]["playback"])

    def test_a_dropped_enrollment_gives_no_access(self):
        self.student_enrollment.status = EnrollmentStatus.DROPPED
        self.student_enrollment.save()
        self.as_user("student")
        self.assertFalse(self.detail()["has_access"])

    def test_admins_see_every_lessons_content_and_video(self):
        self.as_user("admin")
        lessons = lessons_by_number(self.detail())
        self.assertEqual(lessons[4]["video"], {"provider": "youtube", "video_id": "dQw4w9WgXcQ"})
        self.assertIsNotNone(lessons[3]["playback"])
        self.assertIsNone(lessons[3]["locked"])
        child_view = self.detail(f"?child={self.child.pk}")
        self.assertEqual(child_view["progress"], {"lessons_completed": 0, "lessons_total": 4})

    def test_a_draft_is_404_for_everyone_but_admins(self):
        draft = OnlineCourseFactory(status=CourseStatus.DRAFT)
        self.as_user("student")
        self.assertEqual(self.client.get(self.url(course=draft)).status_code, 404)
        self.as_user("admin")
        self.assertEqual(self.client.get(self.url(course=draft)).status_code, 200)

    def test_the_detail_with_progress_costs_the_same_queries_for_5_and_100_lessons(self):
        def count(n: int) -> int:
            course = OnlineCourseFactory(sequential=True)
            student = self.student_profile
            enrol(student, course)
            for number in range(1, n + 1):
                lesson = LessonFactory(online_course=course, number=number)
                lesson.materials.create(
                    original_name="a.pdf", file=f"m/{number}.pdf", size=1, content_type="x"
                )
                complete(lesson, student)
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.url(course=course))
            body = response.json()
            self.assertEqual(body["progress"], {"lessons_completed": n, "lessons_total": n})
            self.assertEqual(len(body["lessons"]), n)
            return len(queries)

        self.as_user("student")
        self.assertEqual(count(5), count(100))

    def test_a_parent_with_several_children_sees_only_the_one_named(self):
        second = make_child(self.parent_profile)
        self.as_user("parent")
        body = self.detail(f"?child={second.pk}")
        self.assertFalse(body["has_access"])

"""The feeds and one post (§6.9): who sees what, consent read at query time, signed URLs,
a constant number of queries per page."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from memories.models import Memory
from memories.tests.base import MemoryCases
from users.models import Child, PhotoConsent, StudentUser


class FeedTests(MemoryCases, APITestCase):
    def setUp(self):
        super().setUp()
        Child.objects.filter(pk=self.child.pk).update(photo_consent=PhotoConsent.CENTER)
        self.family_post = self.post().json()["id"]
        self.center_post = self.post(audience="center").json()["id"]
        self.untagged_center = self.post(audience="center", participants=[]).json()["id"]

    def test_a_family_sees_posts_of_its_child_and_center_posts(self):
        self.assertEqual(self.feed("parent", feed="family"), [self.center_post, self.family_post])
        self.assertEqual(
            self.feed("linked_parent", feed="family"), [self.center_post, self.family_post]
        )
        self.assertEqual(self.feed("other_parent", feed="family"), [])
        self.assertEqual(
            self.feed("other_parent", feed="center"), [self.untagged_center, self.center_post]
        )
        self.assertEqual(
            self.feed("student", feed="center"), [self.untagged_center, self.center_post]
        )
        self.assertEqual(
            self.feed("parent"), [self.untagged_center, self.center_post, self.family_post]
        )

    def test_lowering_consent_takes_center_posts_out_of_the_center_feed_at_once(self):
        self.as_user("parent")
        response = self.client.patch(
            f"/api/children/{self.child.pk}/", {"photo_consent": "family"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.feed("other_parent", feed="center"), [self.untagged_center])
        # Its own family still finds it among the posts of their child.
        self.assertIn(self.center_post, self.feed("parent", feed="family"))

    def test_staff_see_everything_or_their_courses(self):
        self.assertEqual(len(self.feed("admin")), 3)
        self.assertEqual(self.feed("admin", feed="family"), [self.family_post])
        course_post = self.post("instructor", course=self.course.pk).json()["id"]
        self.assertEqual(self.feed("instructor"), [course_post])
        self.assertEqual(self.feed("other_instructor"), [])

    def test_filters_child_student_and_course(self):
        course_post = self.post("instructor", course=self.course.pk, participants=[]).json()["id"]
        self.assertEqual(self.feed("admin", course=self.course.pk), [course_post])
        self.assertEqual(
            self.feed("admin", child=self.child.pk), [self.center_post, self.family_post]
        )
        self.assertEqual(self.feed("admin", student=self.student_profile.pk), [])
        self.as_user("admin")
        self.assertEqual(self.client.get("/api/memories/?feed=all").status_code, 400)
        self.assertEqual(self.client.get("/api/memories/?child=x").status_code, 400)

    def test_a_post_shows_signed_urls_and_only_the_callers_own_tags(self):
        StudentUser.objects.filter(pk=self.student_profile.pk).update(
            photo_consent=PhotoConsent.CENTER
        )
        both = [
            {"type": "child", "id": self.child.pk},
            {"type": "student", "id": self.student_profile.pk},
        ]
        post = self.post(audience="center", participants=both).json()["id"]
        self.as_user("student")
        body = self.client.get(f"/api/memories/{post}/").json()
        self.assertEqual(
            body["participants"],
            [
                {
                    "type": "student",
                    "id": self.student_profile.pk,
                    "name": self.student.get_full_name(),
                    "code": self.student_profile.code,
                }
            ],
        )
        status, _ = self.fetch(body["items"][0]["url"])
        self.assertEqual(status, 200)
        self.as_user("admin")
        self.assertEqual(len(self.client.get(f"/api/memories/{post}/").json()["participants"]), 2)

    def test_a_post_not_shown_to_you_is_not_found(self):
        self.as_user("other_parent")
        self.assertEqual(self.client.get(f"/api/memories/{self.family_post}/").status_code, 404)
        self.as_user("other_instructor")
        self.assertEqual(self.client.get(f"/api/memories/{self.family_post}/").status_code, 404)

    def test_a_page_runs_the_same_number_of_queries_at_any_size(self):
        def count(extra: int) -> tuple[list[int], list[int]]:
            for _ in range(extra):
                self.post(audience="center")
            queries, sizes = [], []
            for who in ("parent", "other_parent", "admin"):
                self.as_user(who)
                with CaptureQueriesContext(connection) as captured:
                    response = self.client.get("/api/memories/")
                self.assertEqual(response.status_code, 200)
                queries.append(len(captured))
                sizes.append(len(response.json()["results"]))
            return queries, sizes

        small, small_sizes = count(0)
        large, large_sizes = count(5)
        self.assertEqual([s + 5 for s in small_sizes], large_sizes)
        self.assertEqual(small, large)
        self.assertEqual(Memory.objects.count(), 8)

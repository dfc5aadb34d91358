"""GET /api/landing/: public, only what the public may see, in the office's order, in a
constant number of queries (the cards themselves: test_cards.py)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from courses.models import CourseStatus
from courses.tests.factories import CourseFactory, TagFactory
from landing.tests.base import URL, feature
from online_courses.tests.factories import OnlineCourseFactory
from users.tests.factories import make_admin, make_instructor, make_parent, make_student


class PublicLandingTests(APITestCase):
    def test_an_anonymous_visitor_gets_the_page(self):
        course = CourseFactory()
        feature(courses=[course])

        response = self.client.get(URL)

        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(set(response.json()), {"courses", "online_courses", "instructors"})
        self.assertEqual([c["id"] for c in response.json()["courses"]], [course.pk])

    def test_an_empty_page_has_three_empty_lists(self):
        response = self.client.get(URL)

        self.assertEqual(response.json(), {"courses": [], "online_courses": [], "instructors": []})

    def test_every_role_gets_the_same_page_staff_included(self):
        feature(courses=[CourseFactory(), CourseFactory(status=CourseStatus.DRAFT)])
        anonymous = self.client.get(URL).json()
        for user in (make_parent().user, make_student().user, make_admin()):
            with self.subTest(role=user.role):
                self.client.force_authenticate(user)
                self.assertEqual(self.client.get(URL).json(), anonymous)
        self.assertEqual(len(anonymous["courses"]), 1)

    def test_writing_is_not_offered(self):
        self.client.force_authenticate(make_admin())
        for method in ("post", "put", "patch", "delete"):
            with self.subTest(method=method):
                self.assertEqual(getattr(self.client, method)(URL, {}).status_code, 405)


class WhatIsShownTests(APITestCase):
    def test_draft_and_archived_courses_are_left_out(self):
        shown = CourseFactory()
        feature(
            courses=[
                CourseFactory(status=CourseStatus.DRAFT),
                shown,
                CourseFactory(status=CourseStatus.ARCHIVED),
            ]
        )

        courses = self.client.get(URL).json()["courses"]

        self.assertEqual([c["id"] for c in courses], [shown.pk])

    def test_a_course_lined_up_as_a_draft_appears_once_published(self):
        draft = CourseFactory(status=CourseStatus.DRAFT)
        feature(courses=[draft])
        self.assertEqual(self.client.get(URL).json()["courses"], [])

        draft.status = CourseStatus.PUBLISHED
        draft.save(update_fields=["status"])

        self.assertEqual([c["id"] for c in self.client.get(URL).json()["courses"]], [draft.pk])

    def test_unpublished_online_courses_are_left_out(self):
        shown = OnlineCourseFactory()
        feature(
            online_courses=[
                OnlineCourseFactory(status=CourseStatus.DRAFT),
                shown,
                OnlineCourseFactory(status=CourseStatus.ARCHIVED),
            ]
        )

        online = self.client.get(URL).json()["online_courses"]

        self.assertEqual([c["id"] for c in online], [shown.pk])

    def test_an_instructor_whose_account_is_inactive_is_left_out(self):
        shown, gone = make_instructor(), make_instructor()
        gone.user.is_active = False
        gone.user.save(update_fields=["is_active"])
        feature(instructors=[gone, shown])

        instructors = self.client.get(URL).json()["instructors"]

        self.assertEqual([i["id"] for i in instructors], [shown.pk])

    def test_what_is_not_featured_is_not_shown(self):
        CourseFactory()
        OnlineCourseFactory()
        make_instructor()

        self.assertEqual(
            self.client.get(URL).json(), {"courses": [], "online_courses": [], "instructors": []}
        )


class OrderTests(APITestCase):
    def test_each_list_follows_the_order_the_office_set(self):
        courses = [CourseFactory() for _ in range(3)]
        online = [OnlineCourseFactory() for _ in range(3)]
        instructors = [make_instructor() for _ in range(3)]
        feature(
            courses=[courses[2], courses[0], courses[1]],
            online_courses=[online[1], online[2], online[0]],
            instructors=[instructors[1], instructors[0], instructors[2]],
        )

        data = self.client.get(URL).json()

        self.assertEqual(
            [c["id"] for c in data["courses"]], [courses[2].pk, courses[0].pk, courses[1].pk]
        )
        self.assertEqual(
            [c["id"] for c in data["online_courses"]], [online[1].pk, online[2].pk, online[0].pk]
        )
        self.assertEqual(
            [i["id"] for i in data["instructors"]],
            [instructors[1].pk, instructors[0].pk, instructors[2].pk],
        )

    def test_a_new_order_replaces_the_old_one(self):
        first, second = CourseFactory(), CourseFactory()
        feature(courses=[first, second])

        feature(courses=[second, first])

        self.assertEqual(
            [c["id"] for c in self.client.get(URL).json()["courses"]], [second.pk, first.pk]
        )


class QueryCountTests(APITestCase):
    def _feature(self, n: int) -> None:
        teachers = [make_instructor() for _ in range(n)]
        tag = TagFactory()
        for teacher in teachers:
            tag.instructors.add(teacher)
            TagFactory().instructors.add(teacher)
        feature(
            courses=[CourseFactory(instructor=teachers[i]) for i in range(n)],
            online_courses=[OnlineCourseFactory(instructor=teachers[i]) for i in range(n)],
            instructors=teachers,
        )

    def _queries(self) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries), response.json()

    def test_the_page_costs_the_same_with_one_or_twenty_items_of_each(self):
        self._feature(1)
        one, data = self._queries()
        self.assertEqual([len(data[k]) for k in data], [1, 1, 1])

        self._feature(20)
        with self.assertNumQueries(one):
            response = self.client.get(URL)
        self.assertEqual([len(v) for v in response.json().values()], [20, 20, 20])
        self.assertLessEqual(one, 4)

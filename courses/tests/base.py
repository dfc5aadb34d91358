"""Personas for API tests: the permission matrix reads like a sentence."""

from __future__ import annotations

from django.db import transaction
from rest_framework.test import APITestCase

from courses.tests.factories import CourseFactory, SeasonFactory
from users.tests.factories import make_admin, make_instructor, make_parent, make_student

PERSONAS = ("anonymous", "parent", "student", "instructor", "other_instructor", "admin")


class PersonaTestCase(APITestCase):
    """The parent, the student, the course's instructor, another instructor and an admin,
    plus a published and a draft course of the instructor."""

    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        cls.parent_profile = make_parent()
        cls.parent = cls.parent_profile.user
        cls.student_profile = make_student()
        cls.student = cls.student_profile.user
        cls.instructor_profile = make_instructor()
        cls.instructor = cls.instructor_profile.user
        cls.other_instructor_profile = make_instructor()
        cls.other_instructor = cls.other_instructor_profile.user
        cls.supervisor = make_instructor(kind="supervisor").user
        cls.season = SeasonFactory()
        cls.course = CourseFactory(instructor=cls.instructor_profile, season=cls.season)
        cls.draft = CourseFactory(
            instructor=cls.instructor_profile, season=cls.season, status="draft"
        )

    def as_user(self, who: str | None):
        user = None if who in (None, "anonymous") else getattr(self, who)
        self.client.force_authenticate(user)
        return user

    def call(self, who: str, method: str, url: str, data=None):
        self.as_user(who)
        return getattr(self.client, method)(url, data, format="json")

    def assertMatrix(self, method: str, url: str, expected: dict[str, int], data=None):
        """Each persona gets the expected status; every call is rolled back afterwards."""
        self.assertEqual(set(expected), set(PERSONAS), "give every persona")
        for who, status in expected.items():
            with self.subTest(who=who, method=method, url=url):
                savepoint = transaction.savepoint()
                try:
                    response = self.call(who, method, url, data)
                finally:
                    transaction.savepoint_rollback(savepoint)
                self.assertEqual(response.status_code, status, getattr(response, "data", None))


def matrix(anonymous, parent, student, instructor, other_instructor, admin) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "parent": parent,
        "student": student,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "admin": admin,
    }

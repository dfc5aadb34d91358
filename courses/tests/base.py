"""Personas for API tests: the permission matrix reads like a sentence."""

from __future__ import annotations

from django.db import transaction
from rest_framework.test import APITestCase

from courses.tests.factories import CourseFactory, SeasonFactory
from users.tests.personas import PersonasMixin

PERSONAS = ("anonymous", "parent", "student", "instructor", "other_instructor", "admin")


class PersonaTestCase(PersonasMixin, APITestCase):
    """The shared personas (users.tests.personas), plus a published and a draft course of
    ``instructor`` — which makes them *the course's instructor*."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.season = SeasonFactory()
        cls.course = CourseFactory(instructor=cls.instructor_profile, season=cls.season)
        cls.draft = CourseFactory(
            instructor=cls.instructor_profile, season=cls.season, status="draft"
        )

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

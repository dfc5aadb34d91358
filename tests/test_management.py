"""Management commands the center runs by hand: createsuperuser and seed_demo."""

from __future__ import annotations

import io
import os
from unittest import mock

from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from rest_framework.test import APITestCase

from core.packages import app_packages
from courses.demo import seed_courses
from courses.models import Course
from enrollments_payments.models import Enrollment, EnrollmentRequest
from users import demo
from users.models import CustomUser, Role

SUPERUSER_ENV = {
    "DJANGO_SUPERUSER_PHONE_NUMBER1": "01099998888",
    "DJANGO_SUPERUSER_PASSWORD": "Center-admin-2026!",
    "DJANGO_SUPERUSER_FIRST_NAME": "مدير",
    "DJANGO_SUPERUSER_LAST_NAME": "المركز",
}


class CreateSuperuserTests(APITestCase):
    def setUp(self):
        cache.clear()  # login throttle counters

    def test_it_creates_an_admin_from_the_environment_without_prompting(self):
        with mock.patch.dict(os.environ, SUPERUSER_ENV):
            call_command("createsuperuser", "--noinput", stdout=io.StringIO())

        user = CustomUser.objects.get()
        self.assertEqual(str(user.phone_number1), "+201099998888")
        self.assertEqual(user.role, Role.ADMIN)
        self.assertTrue(user.is_staff)
        self.assertTrue(user.is_superuser)
        self.assertEqual((user.first_name, user.last_name), ("مدير", "المركز"))
        self.assertTrue(user.check_password(SUPERUSER_ENV["DJANGO_SUPERUSER_PASSWORD"]))

    def test_the_new_admin_can_log_in_with_the_local_phone_form(self):
        with mock.patch.dict(os.environ, SUPERUSER_ENV):
            call_command("createsuperuser", "--noinput", stdout=io.StringIO())

        response = self.client.post(
            "/auth/jwt/create/",
            {
                "phone_number1": "01099998888",
                "password": SUPERUSER_ENV["DJANGO_SUPERUSER_PASSWORD"],
            },
        )

        self.assertEqual(response.status_code, 200)
        self.assertIn("access", response.json())


def _row_counts() -> dict[str, int]:
    """Rows in every table of the project's own apps."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model.objects.count()
        for config in apps.get_app_configs()
        if config.name.split(".")[0] in app_packages()
        for model in config.get_models()
        if model._meta.db_table in tables
    }


class SeedDemoTests(APITestCase):
    def setUp(self):
        cache.clear()  # login throttle counters

    def test_running_it_twice_creates_the_same_rows(self):
        call_command("seed_demo", stdout=io.StringIO())
        first = _row_counts()
        call_command("seed_demo", stdout=io.StringIO())

        self.assertEqual(_row_counts(), first)
        self.assertGreaterEqual(first["users.CustomUser"], 5)
        self.assertEqual(first["users.Child"], 2)
        # The season's story, written by the first run only (enrollments_payments/demo.py).
        self.assertEqual(first["enrollments_payments.Enrollment"], 5)  # one online
        self.assertEqual(first["enrollments_payments.EnrollmentRequest"], 6)  # one pending
        self.assertEqual(first["enrollments_payments.Payment"], 5)
        self.assertEqual(first["online_courses.Lesson"], 3)
        self.assertEqual(first["online_courses.LessonProgress"], 2)
        self.assertEqual(first["landing.FeaturedOnlineCourse"], 1)
        self.assertEqual(first["enrollments_payments.RefundRequest"], 1)
        self.assertGreaterEqual(first["attendance.AttendanceSubmission"], 7)
        self.assertGreaterEqual(first["attendance.AbsenceAlert"], 3)
        self.assertEqual(first["core.JobLog"], 2)
        self.assertGreater(first["notifications.Notification"], first["attendance.AbsenceAlert"])

    def test_it_says_what_it_did(self):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        self.assertIn("Demo story: 5 enrollments (1 online)", out.getvalue())

        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        self.assertIn("Demo story already written", out.getvalue())

    def test_it_creates_one_account_of_each_role(self):
        call_command("seed_demo", stdout=io.StringIO())

        roles = dict(
            CustomUser.objects.filter(
                phone_number1__in=[
                    demo.ADMIN_PHONE,
                    demo.INSTRUCTOR_PHONE,
                    demo.PARENT_PHONE,
                    demo.STUDENT_PHONE,
                ]
            ).values_list("phone_number1", "role")
        )
        self.assertEqual(
            {str(phone): role for phone, role in roles.items()},
            {
                demo.ADMIN_PHONE: Role.ADMIN,
                demo.INSTRUCTOR_PHONE: Role.INSTRUCTOR,
                demo.PARENT_PHONE: Role.PARENT,
                demo.STUDENT_PHONE: Role.STUDENT,
            },
        )

    def test_the_documented_demo_admin_can_log_in(self):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        # The command prints the credentials the README states (tests/test_docs.py reads them).
        self.assertIn(demo.ADMIN_PHONE, out.getvalue())
        self.assertIn(demo.DEMO_PASSWORD, out.getvalue())

        response = self.client.post(
            "/auth/jwt/create/",
            {"phone_number1": demo.ADMIN_PHONE, "password": demo.DEMO_PASSWORD},
        )

        self.assertEqual(response.status_code, 200)
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        me = self.client.get("/auth/users/me/")
        self.assertEqual(me.json()["role"], Role.ADMIN)
        admin_user = CustomUser.objects.get(phone_number1=demo.ADMIN_PHONE)
        self.assertTrue(admin_user.is_staff)


class SeedDemoRefusedStoryTests(TestCase):
    def test_a_refused_story_is_reported_and_nothing_of_it_is_kept(self):
        # An older demo database where staff archived the children's course: the story's
        # first request is refused, the run still ends well, with the people and courses.
        people = demo.seed_people()
        seed_courses(instructor=people["instructor"])
        Course.objects.filter(slug="quran-kids").update(status="archived")
        out, err = io.StringIO(), io.StringIO()

        call_command("seed_demo", stdout=out, stderr=err)

        self.assertIn("Demo story not written: course_not_published", err.getvalue())
        self.assertIn("Demo data ready.", out.getvalue())
        self.assertFalse(Enrollment.objects.exists())
        self.assertFalse(EnrollmentRequest.objects.exists())


class SeedDemoKeepsEditsTests(TestCase):
    def test_a_second_run_does_not_reset_the_demo_passwords(self):
        call_command("seed_demo", stdout=io.StringIO())
        admin_user = CustomUser.objects.get(phone_number1=demo.ADMIN_PHONE)
        admin_user.set_password("Changed-by-staff-1")
        admin_user.save()

        call_command("seed_demo", stdout=io.StringIO())

        admin_user.refresh_from_db()
        self.assertTrue(admin_user.check_password("Changed-by-staff-1"))

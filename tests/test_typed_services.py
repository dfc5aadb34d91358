"""Services take keyword-only, typed arguments of exactly what may change (issue #7, 6)."""

from __future__ import annotations

import inspect
from datetime import date, timedelta

from django.test import SimpleTestCase, TestCase
from django.utils import timezone
from rest_framework.test import APITestCase

from core.errors import Forbidden, Invalid, NotFound
from core.unset import UNSET, given
from courses import exam_services
from courses import services as course_services
from landing import services as landing_services
from notifications import services as notification_services
from users import services as user_services
from users.tests.personas import PersonasMixin

SERVICE_MODULES = (
    user_services,
    course_services,
    exam_services,
    notification_services,
    landing_services,
)


def public_services():
    for module in SERVICE_MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{module.__name__}.{name}", function


class ServiceSignatureTests(SimpleTestCase):
    def test_no_service_takes_arbitrary_keyword_arguments(self):
        loose = [
            name
            for name, function in public_services()
            if any(
                p.kind is inspect.Parameter.VAR_KEYWORD
                for p in inspect.signature(function).parameters.values()
            )
        ]
        self.assertEqual(loose, [])

    def test_services_that_write_take_keyword_only_typed_arguments(self):
        # Check functions (``*_check*``) and tiny helpers take values; every writer is
        # ``<entity>_<action>(*, ...)`` with every argument annotated.
        for name, function in public_services():
            params = list(inspect.signature(function).parameters.values())
            if "check" in name or name.endswith(("_new", "has_history", "has_attendance")):
                continue
            with self.subTest(service=name):
                self.assertTrue(
                    all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params),
                    [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY],
                )
                self.assertTrue(
                    all(p.annotation is not inspect.Parameter.empty for p in params),
                    [p.name for p in params if p.annotation is inspect.Parameter.empty],
                )

    def test_what_must_never_change_is_not_an_argument(self):
        never = {
            user_services.child_update: {"code", "primary_parent", "other_parents"},
            user_services.user_update: {"role", "is_staff", "is_superuser", "phone_number1"},
            user_services.instructor_update: {"role", "is_staff", "user"},
            exam_services.exam_update: {"course"},
            course_services.lecture_update: {"course", "number", "attendance_taken"},
        }
        for service, names in never.items():
            with self.subTest(service=service.__name__):
                self.assertFalse(names & set(inspect.signature(service).parameters))

    def test_unset_is_not_given(self):
        self.assertEqual(given(a=UNSET, b=None, c=0), {"b": None, "c": 0})
        self.assertFalse(UNSET)
        self.assertEqual(repr(UNSET), "UNSET")


class UserServiceRuleTests(PersonasMixin, TestCase):
    def test_the_primary_parent_and_an_admin_edit_a_child(self):
        for who in ("parent", "admin"):
            with self.subTest(who=who):
                child = user_services.child_update(
                    child=self.child, actor=getattr(self, who), notes=f"by {who}"
                )
                self.assertEqual(child.notes, f"by {who}")

    def test_a_linked_parent_cannot_edit_or_delete_a_child(self):
        with self.assertRaises(Forbidden) as caught:
            user_services.child_update(child=self.child, actor=self.linked_parent, notes="x")
        self.assertEqual(caught.exception.code, "not_primary_parent")
        with self.assertRaises(Forbidden):
            user_services.child_delete(child=self.child, actor=self.linked_parent)
        self.child.refresh_from_db()
        self.assertNotEqual(self.child.notes, "x")

    def test_someone_who_is_no_parent_cannot_edit_a_child(self):
        for who in ("student", "instructor"):
            with self.subTest(who=who), self.assertRaises(Forbidden) as caught:
                user_services.child_update(child=self.child, actor=getattr(self, who), notes="x")
            self.assertEqual(caught.exception.code, "not_allowed")

    def test_a_childs_code_cannot_be_changed_through_the_service(self):
        with self.assertRaises(TypeError):
            user_services.child_update(child=self.child, actor=self.admin, code="B00000")

    def test_a_user_cannot_change_their_role_or_staff_flag(self):
        for field in ({"role": "admin"}, {"is_staff": True}):
            with self.subTest(field=field), self.assertRaises(TypeError):
                user_services.user_update(user=self.parent, **field)
        self.parent.refresh_from_db()
        self.assertEqual(self.parent.role, "parent")
        self.assertFalse(self.parent.is_staff)

    def test_a_future_date_of_birth_is_refused_by_every_service(self):
        tomorrow = timezone.localdate() + timedelta(days=1)
        calls = {
            "user_update": lambda: user_services.user_update(user=self.parent, dob=tomorrow),
            "child_update": lambda: user_services.child_update(
                child=self.child, actor=self.parent, dob=tomorrow
            ),
            "instructor_update": lambda: user_services.instructor_update(
                instructor=self.instructor_profile, dob=tomorrow
            ),
        }
        for name, call in calls.items():
            with self.subTest(service=name), self.assertRaises(Invalid) as caught:
                call()
            self.assertEqual(caught.exception.code, "dob_in_future")
        self.assertEqual(user_services.user_update(user=self.parent, dob=None).dob, None)

    def test_user_update_changes_only_what_is_given(self):
        before = self.parent.last_name
        user = user_services.user_update(user=self.parent, first_name="Mona")
        self.assertEqual((user.first_name, user.last_name), ("Mona", before))


class UserApiRuleTests(PersonasMixin, APITestCase):
    def test_a_future_date_of_birth_answers_dob_in_future_on_the_api(self):
        self.as_user("parent")
        response = self.client.patch("/auth/users/me/", {"dob": "2999-01-01"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "dob_in_future")
        response = self.client.patch(
            f"/api/children/{self.child.pk}/", {"dob": "2999-01-01"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "dob_in_future")
        self.child.refresh_from_db()
        self.assertLess(self.child.dob, date(2999, 1, 1))


class NotificationServiceTests(PersonasMixin, TestCase):
    def test_only_the_recipient_marks_a_notification_read(self):
        note = notification_services.notification_create(
            recipient=self.parent, kind="test", title="hello"
        )
        with self.assertRaises(NotFound):
            notification_services.notification_mark_read(notification=note, actor=self.admin)
        note.refresh_from_db()
        self.assertIsNone(note.read_at)
        read = notification_services.notification_mark_read(notification=note, actor=self.parent)
        self.assertIsNotNone(read.read_at)

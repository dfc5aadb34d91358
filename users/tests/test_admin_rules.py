"""The admin enforces the same people rules as the API."""

import datetime

from django.test import TestCase
from django.utils import timezone

from testkit.admin import admin_form_data
from users.models import Parent, Role
from users.tests.factories import make_admin, make_child, make_parent, make_student


class ChildAdminRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        cls.parent = make_parent()
        cls.child = make_child(cls.parent)

    def setUp(self):
        self.client.force_login(self.admin)

    def post_change(self, **overrides):
        data = {
            "first_name": self.child.first_name,
            "last_name": self.child.last_name,
            "dob": self.child.dob.isoformat(),
            "gender": self.child.gender,
            "notes": "",
            "primary_parent": self.parent.pk,
            "other_parents": [],
        }
        data.update(overrides)
        return self.client.post(f"/courses-admin/users/child/{self.child.pk}/change/", data)

    def test_a_future_date_of_birth_is_a_form_error(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = self.post_change(dob=tomorrow.isoformat())
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["adminform"].form.errors["dob"])
        self.child.refresh_from_db()
        self.assertNotEqual(self.child.dob, tomorrow)

    def test_more_than_two_other_parents_is_a_form_error(self):
        others = [make_parent().pk for _ in range(3)]
        response = self.post_change(other_parents=others)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["adminform"].form.errors["other_parents"])
        self.assertEqual(self.child.other_parents.count(), 0)

    def test_the_primary_parent_cannot_also_be_another_parent(self):
        response = self.post_change(other_parents=[self.parent.pk])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.child.other_parents.count(), 0)

    def test_two_other_parents_are_saved(self):
        others = [make_parent().pk for _ in range(2)]
        response = self.post_change(other_parents=others)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(set(self.child.other_parents.values_list("pk", flat=True)), set(others))


class UserAdminRoleTests(TestCase):
    def test_changing_a_role_in_the_admin_creates_the_new_profile(self):
        admin_user = make_admin()
        student_user = make_student().user
        self.client.force_login(admin_user)
        page = self.client.get(f"/courses-admin/users/customuser/{student_user.pk}/change/")
        data = admin_form_data(page.context["adminform"].form)
        data.update(role=Role.PARENT, date_joined_0="2026-01-01", date_joined_1="10:00:00")
        data.pop("date_joined", None)
        data.pop("last_login", None)
        data.pop("password", None)
        response = self.client.post(
            f"/courses-admin/users/customuser/{student_user.pk}/change/", data
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Parent.objects.filter(user=student_user).exists())

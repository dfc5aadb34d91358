from rest_framework.test import APITestCase

from users.tests.factories import PASSWORD
from users.tests.personas import PersonasMixin

ME_FIELDS = {
    "id",
    "phone_number1",
    "phone_number2",
    "email",
    "first_name",
    "last_name",
    "dob",
    "gender",
    "role",
    "is_verified",
    "is_phone_verified",
}


class MeTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.parent_user, cls.other_user, cls.student_user = (
            cls.parent,
            cls.other_parent,
            cls.student,
        )

    def test_anonymous_gets_401(self):
        self.assertEqual(self.client.get("/auth/users/me/").status_code, 401)
        self.assertEqual(self.client.patch("/auth/users/me/", {}, format="json").status_code, 401)

    def test_it_returns_the_contract_fields(self):
        self.client.force_authenticate(self.parent_user)
        response = self.client.get("/auth/users/me/")
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(ME_FIELDS, set(response.data))
        self.assertEqual(response.data["role"], "parent")
        self.assertNotIn("password", response.data)

    def test_a_student_sees_their_participant_code(self):
        self.client.force_authenticate(self.student_user)
        response = self.client.get("/auth/users/me/")
        self.assertEqual(response.data["code"], self.student_user.student_profile.code)

    def test_patch_changes_own_fields_but_not_role_or_flags(self):
        self.client.force_authenticate(self.parent_user)
        response = self.client.patch(
            "/auth/users/me/",
            {"first_name": "Nour", "role": "admin", "is_verified": True, "is_phone_verified": True},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.data)
        self.parent_user.refresh_from_db()
        self.assertEqual(self.parent_user.first_name, "Nour")
        self.assertEqual(self.parent_user.role, "parent")
        self.assertFalse(self.parent_user.is_verified)
        self.assertFalse(self.parent_user.is_phone_verified)

    def test_patch_refuses_another_users_email_and_bad_values(self):
        self.other_user.email = "taken@example.com"
        self.other_user.save()
        self.client.force_authenticate(self.parent_user)
        for body in (
            {"email": "taken@example.com"},
            {"phone_number2": str(self.parent_user.phone_number1)},
            {"gender": "x"},
            {"dob": "yesterday"},
        ):
            response = self.client.patch("/auth/users/me/", body, format="json")
            self.assertEqual(response.status_code, 400, body)

    def test_delete_and_put_on_me_are_not_offered(self):
        self.client.force_authenticate(self.parent_user)
        self.assertEqual(self.client.delete("/auth/users/me/").status_code, 405)

    def test_set_password_needs_the_current_one(self):
        self.client.force_authenticate(self.parent_user)
        wrong = self.client.post(
            "/auth/users/set_password/",
            {"current_password": "nope", "new_password": "Another-strong-9"},
            format="json",
        )
        self.assertEqual(wrong.status_code, 400)
        right = self.client.post(
            "/auth/users/set_password/",
            {"current_password": PASSWORD, "new_password": "Another-strong-9"},
            format="json",
        )
        self.assertEqual(right.status_code, 204)
        self.parent_user.refresh_from_db()
        self.assertTrue(self.parent_user.check_password("Another-strong-9"))

    def test_set_password_refuses_anonymous(self):
        response = self.client.post("/auth/users/set_password/", {}, format="json")
        self.assertEqual(response.status_code, 401)


class UserListTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.parent_user, cls.other_user = cls.parent, cls.other_parent

    def test_non_admins_cannot_list_users(self):
        self.client.force_authenticate(self.parent_user)
        response = self.client.get("/auth/users/")
        self.assertIn(response.status_code, (403, 404))

    def test_non_admins_cannot_read_another_user(self):
        self.client.force_authenticate(self.parent_user)
        self.assertEqual(self.client.get(f"/auth/users/{self.other_user.pk}/").status_code, 404)
        self.assertEqual(
            self.client.patch(
                f"/auth/users/{self.other_user.pk}/", {"first_name": "X"}, format="json"
            ).status_code,
            404,
        )

    def test_anonymous_cannot_list_users(self):
        self.assertEqual(self.client.get("/auth/users/").status_code, 401)

    def test_admin_lists_users_paginated(self):
        self.client.force_authenticate(self.admin)
        response = self.client.get("/auth/users/?page_size=2")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["count"], 8)  # every persona with a login
        self.assertEqual(len(response.data["results"]), 2)
        self.assertIsNotNone(response.data["next"])


class UserListFilterTests(PersonasMixin, APITestCase):
    """The admins' /auth/users/: filters named after fields and ?search= (SPEC §4)."""

    def test_admins_filter_users_by_role_and_search_them_by_name_or_phone(self):
        self.as_user("admin")
        instructors = self.client.get("/auth/users/", {"role": "instructor"}).data["results"]
        by_phone = self.client.get("/auth/users/", {"search": str(self.student.phone_number1)})

        self.assertTrue(instructors)
        self.assertEqual({row["role"] for row in instructors}, {"instructor"})
        self.assertEqual([row["id"] for row in by_phone.data["results"]], [self.student.pk])

    def test_a_bad_role_is_a_400(self):
        self.as_user("admin")
        response = self.client.get("/auth/users/", {"role": "king"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "invalid_query_parameter")

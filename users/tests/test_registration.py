from django.core.cache import cache
from rest_framework.test import APITestCase

from users.models import CustomUser, Parent, StudentUser

URL = "/auth/users/"


def payload(**overrides):
    data = {
        "phone_number1": "01012345678",
        "password": "Xy-very-strong-1",
        "re_password": "Xy-very-strong-1",
        "first_name": "Mona",
        "last_name": "Adel",
        "role": "parent",
    }
    data.update(overrides)
    return data


class RegistrationTests(APITestCase):
    def setUp(self):
        cache.clear()

    def test_it_registers_a_parent_with_a_local_phone_stored_as_e164(self):
        response = self.client.post(URL, payload(), format="json")
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["phone_number1"], "+201012345678")
        self.assertEqual(response.data["role"], "parent")
        self.assertNotIn("password", response.data)
        user = CustomUser.objects.get(phone_number1="+201012345678")
        self.assertTrue(Parent.objects.filter(user=user).exists())
        self.assertTrue(user.check_password("Xy-very-strong-1"))

    def test_it_registers_a_student_with_a_participant_code(self):
        response = self.client.post(
            URL,
            payload(role="student", gender="female", phone_number1="+201112223334"),
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.data)
        profile = StudentUser.objects.get(user_id=response.data["id"])
        self.assertRegex(profile.code, r"^F\d{5}$")

    def test_it_accepts_every_optional_field(self):
        response = self.client.post(
            URL,
            payload(
                phone_number2="01234567890",
                email="mona@example.com",
                dob="1990-02-03",
                gender="female",
                identity_number="29001011234567",
            ),
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["phone_number2"], "+201234567890")
        self.assertEqual(response.data["identity_number"], "29001011234567")

    def test_it_refuses_instructor_and_admin_roles(self):
        for role in ("instructor", "admin"):
            response = self.client.post(URL, payload(role=role), format="json")
            self.assertEqual(response.status_code, 400)
            self.assertIn("role", response.data)
        self.assertFalse(CustomUser.objects.exists())

    def test_it_refuses_a_duplicate_phone_in_either_form(self):
        self.assertEqual(self.client.post(URL, payload(), format="json").status_code, 201)
        response = self.client.post(URL, payload(phone_number1="+201012345678"), format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("phone_number1", response.data)
        self.assertEqual(CustomUser.objects.count(), 1)

    def test_it_refuses_duplicate_email_and_identity_number(self):
        first = payload(email="a@example.com", identity_number="29001011234567")
        self.assertEqual(self.client.post(URL, first, format="json").status_code, 201)
        response = self.client.post(
            URL,
            payload(
                phone_number1="01099990000", email="A@example.com", identity_number="29001011234567"
            ),
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("email", response.data)
        self.assertIn("identity_number", response.data)

    def test_it_refuses_bad_input_without_writing(self):
        cases = [
            payload(re_password="something-else-1"),
            payload(password="123", re_password="123"),
            payload(phone_number1="not a phone"),
            payload(phone_number1=""),
            payload(phone_number2="01012345678"),  # same as the first
            payload(identity_number="123"),
            payload(gender="other"),
            payload(dob="31-12-2000"),
            payload(dob="2999-01-01"),
            payload(email="not-an-email"),
            {"phone_number1": ["list"], "password": {"a": 1}},
            {},
        ]
        for body in cases:
            response = self.client.post(URL, body, format="json")
            self.assertEqual(response.status_code, 400, (body, response.data))
        self.assertFalse(CustomUser.objects.exists())

    def test_it_refuses_a_json_array_body(self):
        response = self.client.post(URL, [1, 2], format="json")
        self.assertEqual(response.status_code, 400)

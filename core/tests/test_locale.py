from rest_framework.test import APITestCase

from users.tests.factories import make_parent


class LocaleTests(APITestCase):
    def setUp(self):
        self.client.force_authenticate(make_parent().user)

    def test_it_answers_in_arabic_by_default(self):
        response = self.client.post("/api/parent-links/", {"child_code": "Z99999"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "child_not_found")
        self.assertEqual(response.data["detail"], "لا يوجد طفل بهذا الرمز.")
        self.assertEqual(response["Content-Language"], "ar")

    def test_it_answers_in_english_when_asked(self):
        response = self.client.post(
            "/api/parent-links/", {"child_code": "Z99999"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response.data["code"], "child_not_found")
        self.assertEqual(response.data["detail"], "No child has this code.")
        self.assertEqual(response["Content-Language"], "en")


class ThirdPartyMessagesInArabicTests(APITestCase):
    """Messages whose Arabic the libraries lack (djoser, Django 5.2's new password
    message) come from locale/ar, so an Arabic client never gets English."""

    def test_a_short_password_at_registration_is_refused_in_arabic(self):
        body = {
            "phone_number1": "01012345670",
            "password": "a1b2",
            "re_password": "a1b2",
            "first_name": "A",
            "last_name": "B",
            "role": "parent",
        }
        response = self.client.post("/auth/users/", body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("كلمة المرور هذه قصيرة جدًا", " ".join(response.data["password"]))

    def test_a_wrong_current_password_is_refused_in_arabic(self):
        self.client.force_authenticate(make_parent().user)
        response = self.client.post(
            "/auth/users/set_password/",
            {"current_password": "wrong-one", "new_password": "An0ther-pass-456"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["current_password"], ["كلمة المرور غير صحيحة."])

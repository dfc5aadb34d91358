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

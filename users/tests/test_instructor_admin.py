"""Instructors are added from their admin list: one form makes the account and the
profile together through ``users.services.instructor_create``."""

from __future__ import annotations

from django.test import TestCase

from users.models import CustomUser, Instructor, Role
from users.tests.factories import make_admin, make_instructor

ADD = "/courses-admin/users/instructor/add/"
ARABIC = "[\u0600-\u06ff]"


def form_data(**changes) -> dict:
    data = {
        "first_name": "Khaled",
        "last_name": "Fathy",
        "phone_number1": "01012345678",
        "email": "",
        "password1": "Tajweed-Teacher-2026",
        "password2": "Tajweed-Teacher-2026",
        "kind": "teacher",
        "bio": "Tajweed",
        "fingerprint_id": "",
    }
    return {**data, **changes}


class InstructorAddTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)

    def setUp(self):
        self.client.force_login(self.admin)

    def test_the_list_offers_the_add_form_with_account_and_profile_fields(self):
        listing = self.client.get("/courses-admin/users/instructor/")
        self.assertContains(listing, ADD)
        page = self.client.get(ADD)
        self.assertEqual(page.status_code, 200)
        for name in ("first_name", "last_name", "phone_number1", "email", "password1", "kind"):
            self.assertContains(page, f'name="{name}"')
        self.assertContains(page, 'name="set_password_later"')
        self.assertContains(page, "ملف المحاضر")

    def test_one_form_creates_the_account_and_its_profile(self):
        response = self.client.post(ADD, form_data(email="k@example.com", fingerprint_id="77"))
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        instructor = Instructor.objects.get(fingerprint_id="77")
        user = instructor.user
        self.assertEqual(user.role, Role.INSTRUCTOR)
        self.assertEqual(str(user.phone_number1), "+201012345678")
        self.assertEqual(
            (user.first_name, user.email, instructor.bio), ("Khaled", "k@example.com", "Tajweed")
        )
        self.assertTrue(user.check_password("Tajweed-Teacher-2026"))
        self.assertFalse(user.is_staff)

    def test_the_password_may_be_set_later(self):
        response = self.client.post(
            ADD, form_data(password1="", password2="", set_password_later="on")
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        user = CustomUser.objects.get(phone_number1="+201012345678")
        self.assertFalse(user.has_usable_password())
        self.assertTrue(Instructor.objects.filter(user=user).exists())
        self.assertIsNone(user.email)

    def test_a_duplicate_phone_is_refused_in_arabic_and_nothing_is_made(self):
        make_instructor(phone_number1="+201012345678")
        before = (CustomUser.objects.count(), Instructor.objects.count())
        response = self.client.post(ADD, form_data(fingerprint_id="88"))
        self.assertEqual(response.status_code, 200)
        errors = response.context["adminform"].form.errors
        self.assertIn("phone_number1", errors)
        self.assertEqual(errors["phone_number1"], ["يوجد مستخدم برقم الهاتف هذا بالفعل."])
        self.assertEqual((CustomUser.objects.count(), Instructor.objects.count()), before)
        self.assertFalse(Instructor.objects.filter(fingerprint_id="88").exists())

    def test_a_duplicate_phone_and_a_weak_password_are_shown_together(self):
        make_instructor(phone_number1="+201012345678")
        response = self.client.post(ADD, form_data(password1="123", password2="123"))
        errors = response.context["adminform"].form.errors
        self.assertEqual(set(errors), {"phone_number1", "password1"})

    def test_a_missing_or_mismatched_or_weak_password_is_refused_in_arabic(self):
        cases = {
            "missing": ({"password1": "", "password2": ""}, "password1"),
            "mismatch": ({"password2": "Something-else-2026"}, "password2"),
            "weak": ({"password1": "123", "password2": "123"}, "password1"),
        }
        for case, (changes, field) in cases.items():
            with self.subTest(case=case):
                response = self.client.post(ADD, form_data(**changes))
                self.assertEqual(response.status_code, 200)
                errors = response.context["adminform"].form.errors
                self.assertRegex(" ".join(errors[field]), ARABIC)
        self.assertFalse(CustomUser.objects.filter(phone_number1="+201012345678").exists())

    def test_the_change_page_edits_the_profile_through_the_service(self):
        instructor = make_instructor()
        url = f"/courses-admin/users/instructor/{instructor.pk}/change/"
        response = self.client.post(
            url, {"kind": "supervisor", "bio": "Hifz", "fingerprint_id": ""}
        )
        self.assertEqual(response.status_code, 302)
        instructor.refresh_from_db()
        self.assertEqual(
            (instructor.kind, instructor.bio, instructor.fingerprint_id),
            ("supervisor", "Hifz", None),
        )

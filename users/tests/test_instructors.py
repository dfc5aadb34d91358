from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from courses.models import Tag
from users import services
from users.models import CustomUser, Instructor
from users.tests.factories import make_admin, make_instructor, make_parent, make_student
from users.tests.personas import PersonasMixin

URL = "/api/instructors/"
NEW = {
    "phone_number1": "01055556666",
    "password": "Teach-strong-77",
    "first_name": "Hoda",
    "last_name": "Samir",
    "email": "hoda@example.com",
    "bio": "Arabic teacher",
    "kind": "supervisor",
}


class InstructorTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.instructor = make_instructor(email="inst@example.com")
        tag = Tag.objects.create(name="quran")
        tag.instructors.add(cls.instructor)
        cls.admin = make_admin()

    def test_the_public_list_hides_phone_and_email(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        row = response.data["results"][0]
        self.assertEqual(row["tags"], ["quran"])
        self.assertIn("bio", row)
        for secret in ("phone_number1", "email", "identity_number"):
            self.assertNotIn(secret, row)
        self.assertEqual(self.client.get(f"{URL}{self.instructor.pk}/").status_code, 200)

    def test_an_admin_creates_an_instructor(self):
        self.client.force_authenticate(self.admin)
        response = self.client.post(URL, NEW, format="json")
        self.assertEqual(response.status_code, 201, response.data)
        instructor = Instructor.objects.get(pk=response.data["id"])
        self.assertEqual(response.data["user"], instructor.user_id)
        self.assertEqual(instructor.user.role, "instructor")
        self.assertEqual(instructor.kind, "supervisor")
        self.assertEqual(str(instructor.user.phone_number1), "+201055556666")
        self.assertTrue(instructor.user.check_password(NEW["password"]))

    def test_nobody_else_creates_or_edits_instructors(self):
        for user in (make_parent().user, make_student().user, self.instructor.user):
            self.client.force_authenticate(user)
            self.assertEqual(self.client.post(URL, NEW, format="json").status_code, 403)
            self.assertEqual(
                self.client.patch(
                    f"{URL}{self.instructor.pk}/", {"bio": "x"}, format="json"
                ).status_code,
                403,
            )
        self.client.force_authenticate(None)
        self.assertEqual(self.client.post(URL, NEW, format="json").status_code, 401)
        self.assertFalse(CustomUser.objects.filter(phone_number1="+201055556666").exists())

    def test_bad_instructor_input_is_400_and_writes_nothing(self):
        self.client.force_authenticate(self.admin)
        for body in (
            {**NEW, "kind": "boss"},
            {**NEW, "phone_number1": str(self.instructor.user.phone_number1)},
            {**NEW, "email": "inst@example.com"},
            {**NEW, "password": "1"},
            {**NEW, "first_name": ""},
            {"bio": "only"},
        ):
            self.assertEqual(self.client.post(URL, body, format="json").status_code, 400, body)
        self.assertFalse(CustomUser.objects.filter(phone_number1="+201055556666").exists())

    def test_an_admin_edits_an_instructor(self):
        self.client.force_authenticate(self.admin)
        response = self.client.patch(
            f"{URL}{self.instructor.pk}/",
            {"bio": "New bio", "first_name": "Tarek", "fingerprint_id": "F-9"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.data)
        self.instructor.refresh_from_db()
        self.assertEqual(self.instructor.bio, "New bio")
        self.assertEqual(self.instructor.fingerprint_id, "F-9")
        self.assertEqual(self.instructor.user.first_name, "Tarek")

    def test_fingerprint_ids_are_unique(self):
        other = make_instructor()
        other.fingerprint_id = "F-1"
        other.save()
        self.client.force_authenticate(self.admin)
        response = self.client.patch(
            f"{URL}{self.instructor.pk}/", {"fingerprint_id": "F-1"}, format="json"
        )
        self.assertEqual(response.status_code, 400)

    def test_an_admin_creates_an_instructor_with_a_fingerprint_id(self):
        self.client.force_authenticate(self.admin)
        response = self.client.post(URL, {**NEW, "fingerprint_id": "F-7"}, format="json")
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(Instructor.objects.get(pk=response.data["id"]).fingerprint_id, "F-7")

    def test_a_taken_fingerprint_id_at_creation_leaves_no_account_behind(self):
        # The serializer checks first, but a concurrent admin can take the id in between:
        # the account and its profile must then fail together (it used to be two writes).
        other = make_instructor()
        other.fingerprint_id = "F-1"
        other.save()
        fields = {k: v for k, v in NEW.items() if k not in ("bio", "kind")}
        with self.assertRaises(ValidationError):
            services.instructor_create(**fields, fingerprint_id="F-1")
        self.assertFalse(CustomUser.objects.filter(phone_number1="+201055556666").exists())

    def test_list_query_count_does_not_grow_with_page_size(self):
        for i in range(5):
            Tag.objects.create(name=f"t{i}").instructors.add(make_instructor())
        counts = []
        for size in (1, 50):
            with CaptureQueriesContext(connection) as ctx:
                self.client.get(f"{URL}?page_size={size}")
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])


class AdminOnlyListsTests(PersonasMixin, APITestCase):
    def test_admins_list_students_and_parents(self):
        self.client.force_authenticate(self.admin)
        students = self.client.get("/api/students/")
        self.assertEqual(students.status_code, 200)
        self.assertEqual(students.data["results"][0]["code"], self.student_profile.code)
        parents = self.client.get("/api/parents/")
        self.assertEqual(parents.status_code, 200)
        self.assertEqual(parents.data["count"], 3)  # parent, linked_parent, other_parent

    def test_others_are_refused(self):
        for user in (self.student, self.parent, self.instructor, self.supervisor):
            self.client.force_authenticate(user)
            self.assertEqual(self.client.get("/api/students/").status_code, 403)
            self.assertEqual(self.client.get("/api/parents/").status_code, 403)
        self.client.force_authenticate(None)
        self.assertEqual(self.client.get("/api/students/").status_code, 401)

    def test_list_query_counts_do_not_grow(self):
        for _ in range(5):
            make_student()
            make_parent()
        self.client.force_authenticate(self.admin)
        for url in ("/api/students/", "/api/parents/"):
            counts = []
            for size in (1, 50):
                with CaptureQueriesContext(connection) as ctx:
                    self.client.get(f"{url}?page_size={size}")
                counts.append(len(ctx.captured_queries))
            self.assertEqual(counts[0], counts[1], url)

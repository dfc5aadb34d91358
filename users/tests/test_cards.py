"""A participant's card (SPEC §6.11), checked as a person checks a printed card: the text
``pdftotext`` reads from it, the page size ``pdfinfo`` gives, the picture on it, and the
QR code a scanner reads from the page rendered by ``pdftoppm`` (testkit.pdf).

The photo is read from the storage that holds it: the card tests with a photo run on the
filesystem and on S3 (moto's server, files.tests.backends).
"""

from __future__ import annotations

from django.core.files.storage import storages
from rest_framework.test import APITestCase

from files.tests.backends import FileSystemBackend, S3Backend
from testkit.images import image_upload
from testkit.pdf import pdf_images, pdf_page_sizes, pdf_text, qr_codes, render_pages
from users import photo_services
from users.card_pdf import PHOTO_H, PHOTO_W, PHOTO_X, PHOTO_Y
from users.models import Child, CustomUser
from users.tests.personas import PersonasMixin

NAME = ("عبد الرحمن", "محمود")
FULL_NAME = "عبد الرحمن محمود"
PHOTO_COLOUR = (200, 80, 40)  # testkit.images' solid colour
DPI = 300


def pixel_at_mm(page, x_mm: float, y_mm: float, dpi: int = DPI) -> tuple[int, int, int]:
    return page.getpixel((round(x_mm / 25.4 * dpi), round(y_mm / 25.4 * dpi)))


def close_to(colour, expected, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


class CardCases(PersonasMixin):
    """What every card shows; mixed with a storage backend below."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Child.objects.filter(pk=cls.child.pk).update(first_name=NAME[0], last_name=NAME[1])
        cls.child.refresh_from_db()

    def setUp(self):
        super().setUp()
        # In setUp, after the backend's (a storage of this test's own): bases list CardCases first.
        with self.captureOnCommitCallbacks(execute=True):
            photo_services.child_photo_set(
                child=self.child,
                actor=self.parent,
                upload=image_upload(size=(600, 800), fmt="JPEG"),
            )

    def card(self, who: str | None = "parent", child: Child | None = None):
        self.client.force_authenticate(
            CustomUser.objects.get(pk=self.personas.user(who).pk) if who else None
        )
        return self.client.get(f"/api/children/{(child or self.child).pk}/card/")

    def test_the_card_shows_the_photo_read_from_the_storage(self):
        response = self.card()
        self.assertEqual(response.status_code, 200, response.content[:300])
        # The thumbnail (320 px long side) of the 600 × 800 photo, and nothing else.
        self.assertEqual([(i.width, i.height) for i in pdf_images(response.content)], [(240, 320)])
        page = render_pages(response.content, dpi=DPI)[0]
        centre = pixel_at_mm(page, PHOTO_X + PHOTO_W / 2, PHOTO_Y + PHOTO_H / 2)
        self.assertTrue(close_to(centre, PHOTO_COLOUR), centre)


class FileSystemCardTests(CardCases, FileSystemBackend, APITestCase):
    def test_a_parent_downloads_the_card_as_a_pdf_of_card_size(self):
        response = self.card()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="card-{self.child.code}.pdf"'
        )
        self.assertEqual(response["Cache-Control"], "private, no-store")
        self.assertTrue(response.content.startswith(b"%PDF-"))
        [(width, height)] = pdf_page_sizes(response.content)
        self.assertAlmostEqual(width, 85.6, places=1)
        self.assertAlmostEqual(height, 54.0, places=1)

    def test_the_text_of_the_card_reads_the_name_in_logical_order(self):
        text = pdf_text(self.card().content)
        self.assertIn(FULL_NAME, text)
        self.assertIn(self.child.code, text)
        self.assertIn("واحة الرضوان", text)
        self.assertIn("Redwan Courses Center", text)

    def test_the_qr_code_on_the_card_is_the_code_alone(self):
        page = render_pages(self.card().content, dpi=DPI)[0]
        self.assertEqual(qr_codes(page), [self.child.code])

    def test_the_qr_code_still_reads_from_a_coarse_print(self):
        # 100 dpi: a cheap scan or a phone camera held far away.
        page = render_pages(self.card().content, dpi=100)[0]
        self.assertEqual(qr_codes(page), [self.child.code])

    def test_every_linked_parent_and_the_admins_get_the_card(self):
        for who in ("parent", "linked_parent", "admin"):
            with self.subTest(who=who):
                response = self.card(who)
                self.assertEqual(response.status_code, 200)
                self.assertIn(FULL_NAME, pdf_text(response.content))

    def test_another_family_staff_and_students_get_404(self):
        for who in ("other_parent", "student", "instructor", "other_instructor", "supervisor"):
            with self.subTest(who=who):
                response = self.card(who)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["code"], "not_found")

    def test_another_familys_child_is_404_for_a_parent(self):
        response = self.card("parent", child=self.other_child)
        self.assertEqual(response.status_code, 404)

    def test_an_anonymous_caller_gets_401(self):
        response = self.card(None)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "not_authenticated")

    def test_a_client_asking_for_a_pdf_or_json_gets_the_pdf(self):
        self.client.force_authenticate(self.parent)
        url = f"/api/children/{self.child.pk}/card/"
        for accept in ("application/pdf", "application/json", "*/*"):
            with self.subTest(accept=accept):
                response = self.client.get(url, HTTP_ACCEPT=accept)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "application/pdf")
        refused = self.client.get(
            f"/api/children/{self.other_child.pk}/card/", HTTP_ACCEPT="application/pdf"
        )
        self.assertEqual(refused.status_code, 404)
        self.assertEqual(refused.json()["code"], "not_found")

    def test_without_a_photo_the_card_has_the_silhouette(self):
        with self.captureOnCommitCallbacks(execute=True):
            photo_services.child_photo_remove(child=self.child, actor=self.parent)
        response = self.card()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(pdf_images(response.content), [])
        page = render_pages(response.content, dpi=DPI)[0]
        centre = pixel_at_mm(page, PHOTO_X + PHOTO_W / 2, PHOTO_Y + PHOTO_H / 2)
        self.assertFalse(close_to(centre, PHOTO_COLOUR), centre)
        self.assertEqual(qr_codes(page), [self.child.code])

    def test_a_photo_whose_file_is_gone_still_gives_the_card(self):
        self.child.refresh_from_db()
        storages["private"].delete(self.child.photo["thumbnail"])
        with self.assertLogs("users.cards", "WARNING"):
            response = self.card()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(pdf_images(response.content), [])
        self.assertIn(FULL_NAME, pdf_text(response.content))

    def test_a_damaged_photo_file_still_gives_the_card(self):
        self.child.refresh_from_db()
        path = self.media_root / "private" / self.child.photo["thumbnail"]
        path.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg after all")
        with self.assertLogs("users.card_pdf", "WARNING"):
            response = self.card()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(pdf_images(response.content), [])


class S3CardTests(CardCases, S3Backend, APITestCase):
    """The photo comes from the object store (a bucket of moto's S3 server)."""


class StudentCardTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        CustomUser.objects.filter(pk=cls.student.pk).update(first_name="مريم", last_name="الشريف")
        cls.student.refresh_from_db()
        cls.other_student = CustomUser.objects.create_user(
            "+201099999998", "x", first_name="A", last_name="B", role="student"
        )

    def card(self, who: str | None):
        self.client.force_authenticate(self.personas.user(who))
        return self.client.get(f"/api/students/{self.student_profile.pk}/card/")

    def test_the_student_gets_their_own_card(self):
        response = self.card("student")
        self.assertEqual(response.status_code, 200)
        code = self.student_profile.code
        self.assertEqual(response["Content-Disposition"], f'attachment; filename="card-{code}.pdf"')
        self.assertIn("مريم الشريف", pdf_text(response.content))
        self.assertEqual(qr_codes(render_pages(response.content, dpi=DPI)[0]), [code])

    def test_an_admin_gets_the_card(self):
        self.assertEqual(self.card("admin").status_code, 200)

    def test_families_staff_and_other_students_get_404(self):
        for who in ("parent", "instructor", "supervisor"):
            with self.subTest(who=who):
                self.assertEqual(self.card(who).status_code, 404)
        self.client.force_authenticate(self.other_student)
        response = self.client.get(f"/api/students/{self.student_profile.pk}/card/")
        self.assertEqual(response.status_code, 404)

    def test_an_anonymous_caller_gets_401(self):
        self.assertEqual(self.card(None).status_code, 401)

    def test_the_list_of_students_stays_for_admins(self):
        self.client.force_authenticate(self.student)
        self.assertEqual(self.client.get("/api/students/").status_code, 403)
        url = f"/api/students/{self.student_profile.pk}/"
        self.assertEqual(self.client.get(url).status_code, 403)

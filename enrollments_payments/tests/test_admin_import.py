"""The admin's import page, through the test client: upload → preview → confirm, in Arabic."""

from __future__ import annotations

import io
import re

import openpyxl
import time_machine
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from courses.tests.factories import CourseFactory
from enrollments_payments.admin_import import SIGNING_SALT
from enrollments_payments.models import Enrollment
from enrollments_payments.tests.factories import NOW
from enrollments_payments.tests.importing import (
    PARENT_A_E164,
    PARENT_B,
    child,
    csv_file,
    family,
    xlsx_file,
)
from tests.test_admin_arabic import english_words, visible_text
from users.import_files import FAMILIES, STUDENTS
from users.models import Child, CustomUser
from users.tests.factories import make_admin, make_parent

PAGE = "/courses-admin/import/"
GOOD = [
    family(**child("Sara", "2016-05-01", course="quran-kids")),
    family(**child("Omar", "2018-02-02", gender="male")),
    family(phone=PARENT_B, first="Huda", last="Samir"),
]


def upload(kind: str, content: bytes, name: str = "families.xlsx") -> dict:
    return {"kind": kind, "file": SimpleUploadedFile(name, content)}


@time_machine.travel(NOW, tick=False)
class ImportPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(first_name="Office", last_name="Desk")
        CourseFactory(slug="quran-kids", name="تحفيظ للأطفال")

    def setUp(self):
        self.client.force_login(self.admin)

    def assert_arabic(self, response):
        text = visible_text(response.content.decode())
        names = ("Office", "Desk", "Ahmed", "Ali", "Sara", "Omar", "Huda", "Samir", "Laila",
                 "families.xlsx", "students.csv", "quran-kids", "no-such-course")  # fmt: skip
        self.assertEqual(english_words(text, names), [], text)

    def people(self) -> tuple[int, int, int]:
        return CustomUser.objects.count(), Child.objects.count(), Enrollment.objects.count()

    def test_the_page_offers_the_upload_and_each_kinds_columns_and_templates(self):
        response = self.client.get(PAGE, {"kind": "students"})

        self.assertEqual(response.status_code, 200)
        self.assert_arabic(response)
        self.assertContains(response, "استيراد الأسر والطلاب والمحاضرين")
        self.assertRegex(response.content.decode(), r'value="students"[^>]* checked')
        for kind in ("families", "students", "instructors"):
            self.assertContains(response, f"?template={kind}&amp;format=xlsx")
            self.assertContains(response, f"?template={kind}&amp;format=csv")
        self.assertContains(response, "هاتف ولي الأمر")

    def test_the_index_and_the_lists_lead_to_the_page(self):
        for url in ("/courses-admin/", "/courses-admin/users/parent/"):
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), PAGE)
        self.assertContains(
            self.client.get("/courses-admin/users/instructor/"), f"{PAGE}?kind=instructors"
        )

    def test_the_templates_download(self):
        xlsx = self.client.get(PAGE, {"template": "families", "format": "xlsx"})
        csv = self.client.get(PAGE, {"template": "students", "format": "csv"})

        self.assertEqual(xlsx["Content-Disposition"], 'attachment; filename="import-families.xlsx"')
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        self.assertEqual(sheet["A1"].value, "هاتف ولي الأمر")
        self.assertTrue(csv["Content-Type"].startswith("text/csv"))
        self.assertTrue(csv.content.decode("utf-8-sig").startswith("الهاتف,الاسم الأول"))

    def test_an_upload_with_bad_rows_shows_each_rows_outcome_and_writes_nothing(self):
        rows = [
            *GOOD[:1],
            family(phone="12345", **child("Laila", "2017-01-01")),
            family(phone=PARENT_B, **child("Laila", "2030-01-01")),
            family(**child("Omar", "2018-02-02", gender="male", course="no-such-course")),
        ]
        before = self.people()

        response = self.client.post(PAGE, upload(FAMILIES, xlsx_file(FAMILIES, rows)))

        self.assertEqual(response.status_code, 200)
        self.assert_arabic(response)
        html = response.content.decode()
        found = re.findall(r'<tr class="outcome-(\w+)" id="import-row-(\d+)"', html)
        outcomes = {int(number): outcome for outcome, number in found}
        self.assertEqual(outcomes, {2: "new", 3: "error", 4: "error", 5: "error"})
        self.assertContains(response, "هاتف ولي الأمر: أدخل رقم هاتف صحيحًا.")
        self.assertContains(response, "لا يمكن أن يكون تاريخ الميلاد في المستقبل.")
        self.assertContains(response, "الدورة: لا توجد دورة بهذا المعرّف أو الاسم.")
        self.assertNotContains(response, 'name="token"')
        self.assertEqual(self.people(), before)

    def test_a_clean_upload_is_previewed_then_written_on_confirm(self):
        before = self.people()
        with self.captureOnCommitCallbacks() as after_preview:
            preview = self.client.post(PAGE, upload(FAMILIES, xlsx_file(FAMILIES, GOOD)))
        self.assert_arabic(preview)
        self.assertEqual(self.people(), before)
        self.assertContains(preview, "سيُرسل إلى حسابين جديدين رمز")
        token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)

        # What the commit leaves for after it (each new account's welcome text) is kept,
        # not run: the texts are enrollments_payments/tests/test_import.py's WelcomeTests.
        with self.captureOnCommitCallbacks() as after_confirm:
            confirmed = self.client.post(PAGE, {"token": token})

        self.assertRedirects(confirmed, f"{PAGE}?kind=families", fetch_redirect_response=False)
        after = self.client.get(confirmed["Location"])
        self.assert_arabic(after)
        notes = [str(m) for m in after.context["messages"]]
        self.assertEqual(len(notes), 1, notes)
        self.assertIn("تم استيراد families.xlsx: جديد 3، محدَّث 0، بلا تغيير 0.", notes[0])
        self.assertEqual(self.people(), (before[0] + 2, before[1] + 2, before[2] + 1))
        self.assertEqual((len(after_preview), len(after_confirm)), (0, 2))

    def test_the_same_file_again_previews_as_unchanged(self):
        with self.captureOnCommitCallbacks():
            preview = self.client.post(PAGE, upload(FAMILIES, xlsx_file(FAMILIES, GOOD)))
            token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
            self.client.post(PAGE, {"token": token})

        again = self.client.post(PAGE, upload(FAMILIES, xlsx_file(FAMILIES, GOOD)))

        self.assertEqual(again.content.decode().count('class="outcome-unchanged"'), 3)
        self.assertContains(again, "لا يتغير شيء.")

    def test_a_csv_of_students_is_previewed(self):
        rows = [{"phone": "01044444444", "first_name": "Mariam", "last_name": "Hassan"}]

        response = self.client.post(
            PAGE, upload(STUDENTS, csv_file(STUDENTS, rows), "students.csv")
        )

        self.assertContains(response, 'class="outcome-new"')
        self.assertContains(response, "حساب طالب جديد")
        self.assertFalse(CustomUser.objects.filter(phone_number1="+201044444444").exists())

    def test_a_file_refused_as_a_whole_says_why(self):
        content = b"phone,first_name,last_name,password\n01044444444,a,b,secret\n"

        response = self.client.post(PAGE, upload(STUDENTS, content, "students.csv"))

        self.assertEqual(response.status_code, 200)
        self.assert_arabic(response)
        self.assertContains(response, "لا يمكن استيراد students.csv:")
        self.assertContains(response, "لا تُستورد كلمات المرور")

    def test_an_upload_without_a_file_or_kind_is_an_error_on_the_form(self):
        response = self.client.post(PAGE, {})

        self.assertContains(response, "اختر ملفًا.")
        self.assertContains(response, "اختر محتوى الملف.")
        self.assert_arabic(response)

    def test_an_altered_or_another_admins_preview_writes_nothing(self):
        preview = self.client.post(PAGE, upload(FAMILIES, xlsx_file(FAMILIES, GOOD)))
        token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
        payload = signing.loads(token, salt=SIGNING_SALT)
        payload["rows"][0][1]["parent_first_name"] = "Mallory"
        forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        other_admin = make_admin()
        before = self.people()

        for bad in (forged, signing.dumps(payload, salt="another salt", compress=True)):
            with self.subTest(token=bad[:10]):
                response = self.client.post(PAGE, {"token": bad}, follow=True)
                self.assertContains(response, "انتهت صلاحية هذه المعاينة")
        self.client.force_login(other_admin)
        self.client.post(PAGE, {"token": token})

        self.assertEqual(self.people(), before)

    def test_only_staff_reach_the_page(self):
        self.client.force_login(make_parent().user)

        response = self.client.post(PAGE, upload(FAMILIES, xlsx_file(FAMILIES, GOOD)))

        self.assertEqual(response.status_code, 302)
        self.assertIn("/courses-admin/login/", response["Location"])
        self.assertFalse(CustomUser.objects.filter(phone_number1=PARENT_A_E164).exists())

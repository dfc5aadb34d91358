"""Every word on the admin's pages is Arabic (SPEC §6.7), in one style.

One admin, one login, one pass over the demo data: every registered model's change list,
the change page of one of its rows and its add page. The visible text of each page (tags,
scripts and styles stripped; titles, labels, option texts, help texts and messages kept)
may hold no English word beyond names, codes and technical abbreviations.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from attendance.models import SupervisorShift
from core.admin import ServiceRefused, refusal_text
from courses.models import Course, Season, Tag
from courses.tests.factories import CourseFactory
from enrollments_payments.demo import seed_demo
from enrollments_payments.models import Payment
from enrollments_payments.tests.factories import make_enrollment
from online_courses.models import LessonMaterial
from users.demo import ADMIN_PHONE
from users.models import CustomUser
from users.tests.factories import make_admin, make_instructor, make_student

# Abbreviations and technical names a staff member reads as they are.
ALLOWED_WORDS = {
    "PDF",
    "CSV",
    "XLSX",
    "QR",
    "RFID",
    "SMS",
    "ID",
    "URL",
    "Excel",
    "Ctrl",
    # Image formats, named where a photo is taken (files.admin_photos).
    "JPEG",
    "PNG",
    "WebP",
    # Video and document formats, named where a lesson's files are taken (online_courses.admin).
    "WebM",
    "Word",
    "PowerPoint",
}

# Values that are not words: e-mail and web addresses, codes such as C-0001, FP-0001,
# G00001 or IPN-20417, and anything with a digit in it (phone numbers, references).
NOT_WORDS = re.compile(
    r"\S+@\S+"  # e-mail address
    r"|https?://\S+|/[\w/.-]+/"  # address or path
    r"|\b[\w-]*\d[\w-]*\b"  # a token with a digit: codes, references, numbers
)
WORD = re.compile(r"[A-Za-z]+")

# Links of the admin index, and those that are not pages to read (or end the session).
ADMIN_LINK = re.compile(r'href="(/courses-admin/[^"#]*)"')
SKIPPED_LINKS = ("/logout/", "/jsi18n/")

# Attributes whose text a person reads (a tooltip, a placeholder, a button's label).
READ_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
            return
        values = dict(attrs)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_words(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """The English words of ``text``, leaving out ``names`` (the data's own names)."""
    for name in names:
        text = text.replace(name, " ")
    words = WORD.findall(NOT_WORDS.sub(" ", text))
    return sorted({w for w in words if w not in ALLOWED_WORDS})


def english_lines(text: str, names: tuple[str, ...]) -> list[str]:
    """The lines of ``text`` that hold an English word, to show where the words are."""
    return [line[:160] for line in text.splitlines() if english_words(line, names)]


def demo_names() -> tuple[str, ...]:
    """The names the demo data gives its seasons, courses and tags (some are English), and
    its lesson materials' file names and content types ("application/pdf")."""
    names = [
        *Season.objects.values_list("name", flat=True),
        *Course.objects.values_list("name", flat=True),
        *Tag.objects.values_list("name", flat=True),
        *LessonMaterial.objects.values_list("original_name", flat=True),
        *LessonMaterial.objects.values_list("content_type", flat=True),
    ]
    return tuple(sorted(set(names), key=len, reverse=True))  # "Quran for children" first


def _url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


class AdminIsArabicTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo()
        cls.admin = CustomUser.objects.get(phone_number1=ADMIN_PHONE)

    def _pages(self, index_html: str):
        yield "/courses-admin/"
        # The pages the index links to besides the models' (the dashboard's reports).
        for href in sorted(set(ADMIN_LINK.findall(index_html))):
            if not any(part in href for part in SKIPPED_LINKS):
                yield unescape(href)
        for model, model_admin in admin.site._registry.items():
            yield _url(model, "changelist")
            obj = model_admin.get_queryset(self.request).order_by("pk").first()
            if obj is not None:
                yield _url(model, "change", obj.pk)
            if model_admin.has_add_permission(self.request):
                yield _url(model, "add")
        yield reverse("admin:auth_user_password_change", args=[self.admin.pk])

    def test_every_admin_page_is_arabic(self):
        login_page = visible_text(self.client.get("/courses-admin/login/").content.decode())
        self.assertEqual(english_words(login_page), [], login_page)
        self.client.force_login(self.admin)
        index = self.client.get("/courses-admin/")
        self.request = index.wsgi_request
        names = demo_names()
        found = {}
        seen = set()
        for url in self._pages(index.content.decode()):
            if url in seen:
                continue
            seen.add(url)
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            if not response["Content-Type"].startswith("text/html"):
                continue  # a download (CSV, Excel, PDF)
            text = visible_text(response.content.decode())
            words = english_words(text, names)
            if words:
                found[url] = (words, english_lines(text, names))
        report = "\n".join(
            f"{url}: {' '.join(words)}\n    " + "\n    ".join(lines)
            for url, (words, lines) in found.items()
        )
        self.assertFalse(found, f"English words on the admin's pages:\n{report}")


class TextExtractionTests(TestCase):
    def test_codes_addresses_and_numbers_are_not_words(self):
        text = "C-0001 FP-0001 G00001 IPN-20417 +201000000001 a@b.eg 250.00 /courses-admin/x/"

        self.assertEqual(english_words(text), [])

    def test_an_english_label_is_found_in_text_an_option_and_a_title(self):
        html = (
            "<p>الحصة</p><select><option>Lecture</option></select>"
            '<a title="Marked by">x</a><script>var english = 1;</script>'
        )

        self.assertEqual(english_words(visible_text(html)), ["Lecture", "Marked", "by", "x"])


class MoneyStyleTests(TestCase):
    """Money reads 250.00 on every page: a dot, two places, ج.م — never 250,00."""

    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        course = CourseFactory(price=Decimal("250.00"))
        enrollment = make_enrollment(
            participant=make_student(), course=course, admin=cls.admin, paid="250.00"
        )
        cls.payment = enrollment.payments.get()

    def setUp(self):
        self.client.force_login(self.admin)

    def test_a_change_list_shows_250_00(self):
        html = self.client.get(_url(Payment, "changelist")).content.decode()

        self.assertIn("250.00", html)
        self.assertNotIn("250,00", html)

    def test_a_change_page_shows_250_00_and_its_title_says_egp_in_arabic(self):
        response = self.client.get(_url(Payment, "change", self.payment.pk))

        text = visible_text(response.content.decode())
        self.assertIn("250.00", text)
        self.assertNotIn("250,00", text)
        self.assertIn("250.00 ج.م", text)
        self.assertNotIn("EGP", text)


class ConstraintMessageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        cls.supervisor = make_instructor(kind="supervisor")

    def setUp(self):
        self.client.force_login(self.admin)

    def _add_shift(self, start: str, end: str):
        return self.client.post(
            _url(SupervisorShift, "add"),
            {
                "supervisor": self.supervisor.pk,
                "weekday": 0,
                "start_time": start,
                "end_time": end,
                "is_active": "on",
            },
        )

    def test_a_shift_that_ends_before_it_starts_is_refused_in_an_arabic_sentence(self):
        response = self._add_shift("16:00", "15:00")

        self.assertEqual(response.status_code, 200)
        text = visible_text(response.content.decode())
        self.assertIn("يجب أن يكون وقت الانتهاء بعد وقت البدء.", text)
        self.assertNotIn("shift_times_ordered", text)
        self.assertFalse(SupervisorShift.objects.exists())

    def test_a_second_shift_at_the_same_start_is_refused_in_an_arabic_sentence(self):
        self.assertEqual(self._add_shift("16:00", "18:00").status_code, 302)

        response = self._add_shift("16:00", "17:00")

        self.assertEqual(response.status_code, 200)
        text = visible_text(response.content.decode())
        self.assertIn("للمشرف وردية أخرى تبدأ في الوقت نفسه من اليوم نفسه.", text)
        self.assertNotIn("shift_unique_start", text)
        self.assertNotIn("Constraint", text)

    def test_every_constraint_of_ours_has_an_arabic_message(self):
        ours = ("core", "users", "courses", "attendance", "enrollments_payments")
        for model in apps.get_models():
            if model._meta.app_label not in ours:
                continue
            for constraint in model._meta.constraints:
                with self.subTest(constraint=constraint.name):
                    message = str(constraint.get_violation_error_message())
                    self.assertEqual(english_words(message), [], message)


class RefusalTextTests(SimpleTestCase):
    def test_a_refused_save_reads_as_its_sentences_without_field_names_or_brackets(self):
        refused = ServiceRefused([("at", ["لم تبدأ هذه الجلسة بعد."]), (None, "نص آخر.")])

        self.assertEqual(refusal_text(refused), "لم تبدأ هذه الجلسة بعد. نص آخر.")

    def test_a_validation_error_reads_as_its_sentences(self):
        error = ValidationError({"end_time": ["يجب أن يكون وقت الانتهاء بعد وقت البدء."]})

        self.assertEqual(refusal_text(error), "يجب أن يكون وقت الانتهاء بعد وقت البدء.")

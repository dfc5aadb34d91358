"""A course's cards on A4 sheets, the admin's "print cards" actions, the card font, and
names that are hard to get right in a PDF's text layer (SPEC §6.11)."""

from __future__ import annotations

import datetime
import math
import tempfile
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from core.errors import ServiceUnavailable
from courses.tests.factories import CourseFactory
from enrollments_payments.models import Enrollment
from testkit.images import image_upload
from testkit.pdf import crop_mm, pdf_images, pdf_page_sizes, pdf_text, qr_codes, render_pages
from users import cards, photo_services
from users.card_pdf import (
    CARD_HEIGHT,
    CARD_WIDTH,
    DEFAULT_FONT_PATHS,
    PER_SHEET,
    CardFace,
    card_font_path,
    card_pdf,
    sheet_slot,
)
from users.tests.factories import make_admin, make_child, make_parent, make_student

NOW = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC)
FIRST_NAMES = ["مريم", "يوسف", "آلاء", "زياد", "لجين", "عبد الله", "ريم", "شريف", "منة الله"]
LAST_NAMES = ["الشريف", "رياض", "عبد الرحمن", "لطفي", "يسري", "الزيات", "السيد", "ياسر", "رزق"]


def enrol(course, participant, status="active") -> Enrollment:
    field = "child" if participant.__class__.__name__ == "Child" else "student"
    return Enrollment.objects.create(
        course=course,
        status=status,
        price=Decimal("100.00"),
        enrolled_at=NOW,
        **{field: participant},
    )


def make_participants(count: int, *, photos: int = 0) -> list:
    """``count`` participants with Arabic names, every third an adult student; the first
    ``photos`` of them with a photo."""
    parent, people = make_parent(), []
    for n in range(count):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)]
        if n % 3 == 2:
            person = make_student(first_name=first, last_name=last)
            if n < photos:
                photo_services.user_photo_set(user=person.user, upload=image_upload(fmt="JPEG"))
        else:
            person = make_child(parent, first_name=first, last_name=last)
            if n < photos:
                photo_services.child_photo_set(
                    child=person, actor=parent.user, upload=image_upload(fmt="JPEG")
                )
        people.append(person)
    return people


def scanned_cards(data: bytes, dpi: int = 200) -> list[str]:
    """Each card of the sheets cut out and scanned, in the order of the slots: the code
    each card's QR code reads (zbar on a whole A4 page now and then misses one of ten)."""
    codes = []
    for page in render_pages(data, dpi=dpi):
        for slot in range(PER_SHEET):
            x, y = sheet_slot(slot)
            found = qr_codes(crop_mm(page, (x, y, CARD_WIDTH, CARD_HEIGHT), dpi=dpi))
            codes.extend(found)
    return codes


def full_name(person) -> str:
    return person.full_name


class CourseCardsTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        cls.course = CourseFactory()
        cls.people = make_participants(12, photos=4)
        for person in cls.people:
            enrol(cls.course, person)
        cls.dropped = make_child(first_name="سامح", last_name="المنسحب")
        enrol(cls.course, cls.dropped, status="dropped")

    def get(self, course=None):
        self.client.force_authenticate(self.admin)
        return self.client.get(f"/api/courses/{(course or self.course).pk}/cards/")

    def test_an_admin_gets_every_active_participants_card_on_a4_sheets(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="cards-{self.course.slug}.pdf"'
        )
        self.assertEqual(response["Cache-Control"], "private, no-store")
        sizes = pdf_page_sizes(response.content)
        self.assertEqual(len(sizes), math.ceil(12 / PER_SHEET))
        for width, height in sizes:
            self.assertAlmostEqual(width, 210.0, places=0)
            self.assertAlmostEqual(height, 297.0, places=0)
        self.assertEqual(len(pdf_images(response.content)), 4)

    def test_the_sheets_hold_each_participant_once_in_order_of_name(self):
        by_name = sorted(self.people, key=lambda p: (full_name(p).casefold(), p.code))
        self.assertEqual(scanned_cards(self.get().content), [p.code for p in by_name])
        self.assertNotIn(self.dropped.code, pdf_text(self.get().content))

    def test_every_name_reads_in_logical_order(self):
        text = pdf_text(self.get().content)
        for person in self.people:
            self.assertIn(full_name(person), text)

    def test_the_cards_read_the_database_once_for_one_participant_or_many(self):
        small = CourseFactory()
        enrol(small, self.people[0])
        for course in (small, self.course):
            with self.subTest(course=course.pk), self.assertNumQueries(1):
                cards.course_cards(course=course)

    def test_the_request_costs_the_same_queries_for_one_participant_or_many(self):
        small = CourseFactory()
        enrol(small, self.people[0])
        counts = []
        for course in (small, self.course):
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.get(course).status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])

    def test_a_course_without_active_participants_is_409(self):
        response = self.get(CourseFactory())
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "course_has_no_participants")

    def test_more_cards_than_one_file_holds_is_400(self):
        with mock.patch.object(cards, "MAX_CARDS", 5):
            response = self.get()
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "too_many_cards")

    def test_families_and_instructors_get_no_course_cards(self):
        self.client.force_authenticate(make_parent().user)
        response = self.client.get(f"/api/courses/{self.course.pk}/cards/")
        self.assertEqual(response.status_code, 403)
        self.client.force_authenticate(self.course.instructor.user)
        response = self.client.get(f"/api/courses/{self.course.pk}/cards/")
        self.assertEqual(response.status_code, 403)
        self.client.force_authenticate(None)
        response = self.client.get(f"/api/courses/{self.course.pk}/cards/")
        self.assertEqual(response.status_code, 401)


class CardAdminActionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)
        cls.course = CourseFactory()
        cls.people = make_participants(3)
        for person in cls.people:
            enrol(cls.course, person)

    def setUp(self):
        self.client.force_login(self.admin)

    def action(self, model: str, action: str, ids: list[int]):
        return self.client.post(
            f"/courses-admin/{model}/", {"action": action, "_selected_action": ids}
        )

    def codes_in(self, response) -> list[str]:
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        return sorted(scanned_cards(response.content))

    def test_printing_the_selected_children(self):
        children = [p for p in self.people if p.__class__.__name__ == "Child"]
        response = self.action("users/child", "print_cards", [c.pk for c in children])
        self.assertEqual(self.codes_in(response), sorted(c.code for c in children))
        self.assertIn(children[0].full_name, pdf_text(response.content))

    def test_printing_the_selected_students(self):
        [student] = [p for p in self.people if p.__class__.__name__ == "StudentUser"]
        response = self.action("users/studentuser", "print_cards", [student.pk])
        self.assertEqual(self.codes_in(response), [student.code])

    def test_a_courses_cards_are_the_apis(self):
        response = self.action("courses/course", "participant_cards", [self.course.pk])
        self.assertEqual(self.codes_in(response), sorted(p.code for p in self.people))
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="cards-{self.course.slug}.pdf"'
        )

    def messages_after(self, model: str, action: str, ids: list[int]) -> list[str]:
        response = self.client.post(
            f"/courses-admin/{model}/", {"action": action, "_selected_action": ids}, follow=True
        )
        self.assertEqual(response.redirect_chain[0][1], 302)
        return [str(message) for message in response.context["messages"]]

    def test_two_courses_or_none_with_participants_are_explained(self):
        other = CourseFactory()
        two = self.messages_after("courses/course", "participant_cards", [self.course.pk, other.pk])
        self.assertEqual(two, ["اختر دورة واحدة لطباعة بطاقاتها."])
        empty = self.messages_after("courses/course", "participant_cards", [other.pk])
        self.assertEqual(empty, ["لا مشتركين نشطين في هذه الدورة، فلا توجد بطاقات للطباعة."])

    @override_settings(CARD_FONT_PATH="/nonexistent/card-font.ttf")
    def test_a_missing_font_is_a_message_not_an_error_page(self):
        with self.assertLogs("users.card_pdf", "ERROR"):
            [message] = self.messages_after("users/child", "print_cards", [self.people[0].pk])
        self.assertIn("لا يمكن إنشاء البطاقات", message)
        self.assertIn("CARD_FONT_PATH", message)


class CardFontTests(APITestCase):
    def test_without_a_setting_the_debian_amiri_font_is_used(self):
        with override_settings(CARD_FONT_PATH=""):
            self.assertEqual(str(card_font_path()), DEFAULT_FONT_PATHS[0])

    def test_a_missing_font_answers_503_card_font_missing(self):
        parent = make_parent()
        child = make_child(parent)
        self.client.force_authenticate(parent.user)
        with (
            override_settings(CARD_FONT_PATH="/nonexistent/card-font.ttf"),
            self.assertLogs("users.card_pdf", "ERROR"),
        ):
            response = self.client.get(f"/api/children/{child.pk}/card/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["code"], "card_font_missing")

    def test_a_file_that_is_no_font_or_lacks_arabic_is_refused(self):
        from fontTools import subset

        with tempfile.TemporaryDirectory() as directory:
            text = Path(directory) / "notes.ttf"
            text.write_text("not a font")
            latin = Path(directory) / "latin.ttf"
            options = subset.Options()
            font = subset.load_font(DEFAULT_FONT_PATHS[0], options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(
                text="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            )
            subsetter.subset(font)
            font.save(str(latin))
            for path, reason in ((text, "ليس خطًا"), (latin, "تنقصه الحروف")):
                with (
                    self.subTest(path=path.name),
                    override_settings(CARD_FONT_PATH=str(path)),
                    self.assertLogs("users.card_pdf", "ERROR"),
                    self.assertRaises(ServiceUnavailable) as raised,
                ):
                    card_font_path()
                self.assertEqual(raised.exception.code, "card_font_missing")
                self.assertIn(reason, str(raised.exception.message))


class HardNamesTests(TestCase):
    """Names whose letters a careless PDF loses or swaps in its text layer: ligatures
    (لا, الله), letters the font kerns or stacks (ري, لج), mixed scripts."""

    def test_each_name_reads_back_exactly(self):
        names = [
            "مريم الشريف",
            "إسراء لجين يوسف",
            "عبد الله صلاح",
            "منة الله زكريا",
            "آلاء مصطفى",
            "لؤي عبد الإله",
            "بلال لاشين",
            "Mary Adel",
        ]
        for name in names:
            with self.subTest(name=name):
                self.assertIn(name, pdf_text(card_pdf(CardFace(name=name, code="G12345"))))

    def test_a_long_name_wraps_inside_its_frame(self):
        name = "عبد الرحمن محمد عبد العزيز مصطفى إبراهيم الشافعي"
        data = card_pdf(CardFace(name=name, code="B00001"))
        text = pdf_text(data)
        for word in name.split():
            self.assertIn(word, text)
        self.assertEqual(qr_codes(render_pages(data, dpi=200)[0]), ["B00001"])

    def test_an_absurdly_long_name_still_gives_a_readable_card(self):
        data = card_pdf(CardFace(name=("اسم طويل جدا " * 16).strip(), code="M00002"))
        self.assertEqual(qr_codes(render_pages(data, dpi=200)[0]), ["M00002"])
        self.assertIn("M00002", pdf_text(data))

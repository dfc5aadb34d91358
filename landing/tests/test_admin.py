""" "الصفحة الرئيسية" in the admin: the office adds, removes and orders the featured items
through the Django test client, and what it saves is what the public page shows."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.test import TestCase
from django.urls import reverse

from courses.models import CourseStatus
from courses.tests.factories import CourseFactory
from landing import services
from landing.models import FeaturedCourse, FeaturedInstructor, LandingPage
from online_courses.tests.factories import OnlineCourseFactory
from testkit.admin import admin_form_data
from tests.test_admin_arabic import english_words, visible_text
from users.tests.factories import make_admin, make_instructor, make_parent

LIST_URL = reverse("admin:landing_landingpage_changelist")
CHANGE_URL = reverse("admin:landing_landingpage_change", args=[1])
COURSES, ONLINE, INSTRUCTORS = (
    "featuredcourse_set",
    "featuredonlinecourse_set",
    "featuredinstructor_set",
)


def shown(client, key: str) -> list[int]:
    return [item["id"] for item in client.get("/api/landing/").json()[key]]


class LandingAdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin(first_name="هدى", last_name="سالم")

    def setUp(self):
        self.client.force_login(self.staff)

    def page_data(self) -> dict:
        """The change page's POST data as shown: its form and every table's rows."""
        page = self.client.get(CHANGE_URL)
        self.assertEqual(page.status_code, 200)
        data = admin_form_data(page.context["adminform"].form)
        for inline in page.context["inline_admin_formsets"]:
            formset = inline.formset
            for key, value in formset.management_form.initial.items():
                data[f"{formset.prefix}-{key}"] = value
            for form in formset.forms:
                data.update(admin_form_data(form, prefix=f"{form.prefix}-"))
        return data

    def add_rows(self, data: dict, prefix: str, field: str, rows: list[tuple]) -> dict:
        """Append rows ``(item, position or "")`` to a table of ``data``."""
        start = int(data[f"{prefix}-TOTAL_FORMS"])
        for offset, (item, position) in enumerate(rows):
            data[f"{prefix}-{start + offset}-{field}"] = item.pk
            data[f"{prefix}-{start + offset}-position"] = position
        data[f"{prefix}-TOTAL_FORMS"] = start + len(rows)
        return data

    def save(self, data: dict):
        return self.client.post(CHANGE_URL, data)


class OpeningThePageTests(LandingAdminTestCase):
    def test_the_list_has_the_one_page_with_its_counts(self):
        services.landing_courses_set(courses=[CourseFactory(), CourseFactory()])

        response = self.client.get(LIST_URL)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(LandingPage.objects.count(), 1)
        self.assertContains(response, CHANGE_URL)
        page = response.context["cl"].result_list[0]
        self.assertEqual((page.n_courses, page.n_online_courses, page.n_instructors), (2, 0, 0))

    def test_the_page_is_never_added_or_deleted_here(self):
        self.client.get(LIST_URL)

        self.assertEqual(self.client.get(reverse("admin:landing_landingpage_add")).status_code, 403)
        delete = reverse("admin:landing_landingpage_delete", args=[1])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(LandingPage.objects.exists())

    def test_the_change_page_is_arabic_and_says_which_rows_the_public_sees(self):
        draft = CourseFactory(name="Nahw", status=CourseStatus.DRAFT)
        inactive = make_instructor(first_name="Samir", last_name="Adel")
        inactive.user.is_active = False
        inactive.user.save(update_fields=["is_active"])
        services.landing_courses_set(courses=[CourseFactory(name="Quran"), draft])
        services.landing_instructors_set(instructors=[inactive])

        response = self.client.get(CHANGE_URL)

        text = visible_text(response.content.decode())
        self.assertEqual(english_words(text, ("Nahw", "Quran", "Samir Adel", "Season")), [])
        self.assertIn("الدورات المميزة", text)
        self.assertIn("يظهر للزوار", text)
        self.assertIn("لا يظهر: حالة الدورة: مسودة", text)
        self.assertIn("لا يظهر: حساب المحاضر غير نشط", text)

    def test_a_parent_is_sent_to_the_login_page(self):
        self.client.force_login(make_parent().user)

        response = self.client.get(LIST_URL)

        self.assertEqual(response.status_code, 302)
        self.assertIn("/courses-admin/login/", response["Location"])


class EditingTheListsTests(LandingAdminTestCase):
    def test_staff_add_items_to_the_three_lists_in_one_save(self):
        first, second = CourseFactory(), CourseFactory()
        online = OnlineCourseFactory()
        teacher = make_instructor()
        self.client.get(LIST_URL)
        data = self.page_data()
        self.add_rows(data, COURSES, "course", [(first, 2), (second, 1)])
        self.add_rows(data, ONLINE, "online_course", [(online, 1)])
        self.add_rows(data, INSTRUCTORS, "instructor", [(teacher, "")])

        response = self.save(data)

        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.assertEqual(shown(self.client, "courses"), [second.pk, first.pk])
        self.assertEqual(shown(self.client, "online_courses"), [online.pk])
        self.assertEqual(shown(self.client, "instructors"), [teacher.pk])
        self.assertTrue(LogEntry.objects.filter(object_id="1").exists())

    def test_changing_the_numbers_reorders_and_the_positions_become_one_to_n(self):
        a, b, c = CourseFactory(), CourseFactory(), CourseFactory()
        services.landing_courses_set(courses=[a, b, c])
        data = self.page_data()
        rows = {data[f"{COURSES}-{i}-course"]: i for i in range(3)}
        data[f"{COURSES}-{rows[c.pk]}-position"] = 5
        data[f"{COURSES}-{rows[a.pk]}-position"] = 10
        data[f"{COURSES}-{rows[b.pk]}-position"] = 20

        self.assertEqual(self.save(data).status_code, 302)

        self.assertEqual(shown(self.client, "courses"), [c.pk, a.pk, b.pk])
        self.assertEqual(
            list(FeaturedCourse.objects.values_list("course", "position")),
            [(c.pk, 1), (a.pk, 2), (b.pk, 3)],
        )

    def test_a_row_without_a_position_goes_to_the_end(self):
        a, b = CourseFactory(), CourseFactory()
        services.landing_courses_set(courses=[a])
        data = self.add_rows(self.page_data(), COURSES, "course", [(b, "")])
        data[f"{COURSES}-0-position"] = 7

        self.assertEqual(self.save(data).status_code, 302)

        self.assertEqual(shown(self.client, "courses"), [a.pk, b.pk])

    def test_ticking_delete_removes_the_item_from_the_page(self):
        keep, drop = make_instructor(), make_instructor()
        services.landing_instructors_set(instructors=[drop, keep])
        data = self.page_data()
        data[f"{INSTRUCTORS}-0-DELETE"] = "on"

        self.assertEqual(self.save(data).status_code, 302)

        self.assertEqual(shown(self.client, "instructors"), [keep.pk])
        self.assertEqual(FeaturedInstructor.objects.get().position, 1)

    def test_two_rows_may_swap_their_items(self):
        a, b = CourseFactory(), CourseFactory()
        services.landing_courses_set(courses=[a, b])
        data = self.page_data()
        data[f"{COURSES}-0-course"], data[f"{COURSES}-1-course"] = b.pk, a.pk

        self.assertEqual(self.save(data).status_code, 302)

        self.assertEqual(shown(self.client, "courses"), [b.pk, a.pk])

    def test_an_item_on_two_rows_is_refused_in_arabic_and_nothing_changes(self):
        a, b = CourseFactory(), CourseFactory()
        services.landing_courses_set(courses=[a, b])
        data = self.add_rows(self.page_data(), COURSES, "course", [(a, 3)])

        response = self.save(data)

        self.assertEqual(response.status_code, 200)
        text = visible_text(response.content.decode())
        self.assertIn("عنصر مكرر في الصفحة الرئيسية", text)
        self.assertEqual(english_words(text, (a.name, b.name, a.season.name, b.season.name)), [])
        self.assertEqual(shown(self.client, "courses"), [a.pk, b.pk])
        self.assertEqual(FeaturedCourse.objects.count(), 2)

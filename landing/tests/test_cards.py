"""The cards of GET /api/landing/: what a course, an online course and an instructor
show, nothing private of an instructor, the same rating as /api/instructors/, public and
signed photos, and the summary of a description."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.test import SimpleTestCase
from rest_framework.test import APITestCase

from attendance.models import StudentInstructorRating
from courses.tests.factories import CourseFactory, SeasonFactory, TagFactory
from files.config import PRIVATE
from files.photos import photo_replace
from files.tests.backends import FileSystemBackend
from landing.serializers import summary_text
from landing.tests.base import URL, feature
from online_courses.tests.factories import OnlineCourseFactory
from testkit.images import image_upload
from users import photo_services
from users.models import CustomUser
from users.tests.factories import make_instructor, make_student

INSTRUCTOR_KEYS = {
    "id",
    "first_name",
    "last_name",
    "full_name",
    "photo",
    "bio",
    "kind",
    "tags",
    "rating_average",
    "rating_count",
}
COURSE_KEYS = {
    "id",
    "name",
    "slug",
    "summary",
    "image",
    "price",
    "audience",
    "min_age",
    "max_age",
    "season",
    "season_detail",
    "start_date",
    "end_date",
    "instructor",
    "instructor_detail",
    "rating_average",
    "rating_count",
}
ONLINE_COURSE_KEYS = {
    "id",
    "title",
    "slug",
    "summary",
    "image",
    "price",
    "audience",
    "min_age",
    "max_age",
    "access_days",
    "instructor",
    "instructor_detail",
    "rating_average",
    "rating_count",
}


class CardTests(APITestCase):
    def test_a_course_card_has_what_the_frontend_shows(self):
        season = SeasonFactory(name="Summer 2026")
        teacher = make_instructor(first_name="Samir", last_name="Adel")
        course = CourseFactory(
            name="Quran",
            slug="quran",
            description="Short.",
            season=season,
            instructor=teacher,
            audience="children",
            min_age=6,
            max_age=12,
        )
        feature(courses=[course])

        card = self.client.get(URL).json()["courses"][0]

        self.assertEqual(set(card), COURSE_KEYS)
        self.assertEqual(
            card,
            {
                "id": course.pk,
                "name": "Quran",
                "slug": "quran",
                "summary": "Short.",
                "image": None,
                "price": "350.00",
                "audience": "children",
                "min_age": 6,
                "max_age": 12,
                "season": season.pk,
                "season_detail": {"id": season.pk, "name": "Summer 2026"},
                "start_date": "2026-11-01",
                "end_date": "2026-11-30",
                "instructor": teacher.pk,
                "instructor_detail": {"id": teacher.pk, "name": "Samir Adel"},
                "rating_average": None,
                "rating_count": 0,
            },
        )

    def test_an_online_course_card_with_and_without_an_instructor(self):
        teacher = make_instructor(first_name="Huda", last_name="Nabil")
        taught = OnlineCourseFactory(title="Tajweed", instructor=teacher, description="x " * 300)
        alone = OnlineCourseFactory(instructor=None, access_days=None)
        feature(online_courses=[taught, alone])

        first, second = self.client.get(URL).json()["online_courses"]

        self.assertEqual(set(first), ONLINE_COURSE_KEYS)
        self.assertEqual(first["title"], "Tajweed")
        self.assertEqual(first["price"], "200.00")
        self.assertEqual(first["access_days"], 30)
        self.assertEqual(first["instructor_detail"], {"id": teacher.pk, "name": "Huda Nabil"})
        self.assertLessEqual(len(first["summary"]), 200)
        self.assertTrue(first["summary"].endswith("…"))
        self.assertEqual((second["instructor"], second["instructor_detail"]), (None, None))
        self.assertIsNone(second["access_days"])

    def test_an_instructor_shows_the_public_fields_and_nothing_private(self):
        teacher = make_instructor(
            first_name="Samir",
            last_name="Adel",
            email="samir@example.com",
            identity_number="29001011234567",
        )
        teacher.bio = "Teaches Quran."
        teacher.save(update_fields=["bio"])
        TagFactory(name="Quran").instructors.add(teacher)
        feature(instructors=[teacher])

        response = self.client.get(URL)
        shown = response.json()["instructors"][0]

        self.assertEqual(set(shown), INSTRUCTOR_KEYS)
        self.assertEqual(
            {k: shown[k] for k in ("id", "full_name", "bio", "kind", "tags", "photo")},
            {
                "id": teacher.pk,
                "full_name": "Samir Adel",
                "bio": "Teaches Quran.",
                "kind": "teacher",
                "tags": ["Quran"],
                "photo": None,
            },
        )
        body = response.content.decode()
        user = teacher.user
        for private in (str(user.phone_number1), "samir@example.com", "29001011234567"):
            self.assertNotIn(private, body)
        self.assertNotIn(f'"user": {user.pk}', json.dumps(response.json()))

    def test_the_rating_is_the_same_number_as_the_instructors_list(self):
        teacher = make_instructor()
        course = CourseFactory(instructor=teacher)
        for rating in (7, 8, 8):
            student = make_student()
            StudentInstructorRating.objects.create(
                rater=student.user,
                student=student,
                course=course,
                instructor=teacher,
                rating=rating,
            )
        feature(instructors=[teacher, make_instructor()])

        shown = self.client.get(URL).json()["instructors"]
        listed = {i["id"]: i for i in self.client.get("/api/instructors/").json()["results"]}

        self.assertEqual((shown[0]["rating_average"], shown[0]["rating_count"]), ("7.67", 3))
        self.assertEqual((shown[1]["rating_average"], shown[1]["rating_count"]), (None, 0))
        for instructor in shown:
            listed_one = listed[instructor["id"]]
            self.assertEqual(instructor["rating_average"], listed_one["rating_average"])
            self.assertEqual(instructor["rating_count"], listed_one["rating_count"])


class InstructorPhotoTests(FileSystemBackend, APITestCase):
    """An instructor's photo is public (SPEC §6.8). One uploaded before the account became
    an instructor's is still in the private storage: the page shows it as the instructors
    list does, by a signed URL that expires, never by its bare storage path."""

    def test_a_public_photo_is_a_plain_url_anyone_opens(self):
        teacher = make_instructor()
        photo_services.instructor_photo_set(instructor=teacher, upload=image_upload())
        feature(instructors=[teacher])

        photo = self.client.get(URL).json()["instructors"][0]["photo"]

        self.assertEqual(set(photo), {"url", "thumbnail_url", "width", "height"})
        self.assertNotIn("signature", photo["thumbnail_url"])
        self.assertEqual(self.fetch(photo["thumbnail_url"])[0], 200)
        self.assertEqual(self.fetch(photo["url"])[0], 200)

    def test_a_photo_still_private_is_shown_by_a_signed_url_only(self):
        teacher = make_instructor()
        photo_replace(
            source=CustomUser,
            pk=teacher.user_id,
            field="photo",
            upload=image_upload(),
            storage=PRIVATE,
            folder="photos",
        )
        feature(instructors=[teacher])

        photo = self.client.get(URL).json()["instructors"][0]["photo"]

        self.assertIn("signature=", photo["thumbnail_url"])
        self.assertEqual(self.fetch(photo["thumbnail_url"])[0], 200)
        bare = urlsplit(photo["thumbnail_url"])._replace(query="").geturl()
        self.assertIn(self.fetch(bare)[0], (403, 404))


class SummaryTests(SimpleTestCase):
    def test_a_short_description_is_whole_on_one_line(self):
        self.assertEqual(summary_text("حلقات تحفيظ\n\nللأطفال  "), "حلقات تحفيظ للأطفال")

    def test_a_long_one_is_cut_between_words_with_an_ellipsis(self):
        text = "كلمة " * 100

        summary = summary_text(text)

        self.assertLessEqual(len(summary), 200)
        self.assertTrue(summary.endswith("كلمة…"))
        self.assertTrue(text.startswith(summary[:-1]))

    def test_one_endless_word_is_cut_where_it_must(self):
        summary = summary_text("x" * 500)

        self.assertEqual(summary, "x" * 199 + "…")

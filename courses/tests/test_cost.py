"""What the catalogue and the lecture list do to stay cheap (issue #12) keeps their output:
names from the query, weekday names from a table per language, serializer fields built
once. benchmarks/cost.py measures the cost itself."""

from __future__ import annotations

import datetime
from unittest import mock

from rest_framework import serializers

from courses.models import Lecture
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory, ScheduleFactory
from users.models import CustomUser
from users.tests.factories import make_instructor

WEEKDAYS = {
    "ar": ["السبت", "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة"],
    "en": ["Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
}


class CheapOutputTests(PersonaTestCase):
    def rename(self, user: CustomUser, first: str, last: str) -> None:
        CustomUser.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        user.refresh_from_db()

    def test_the_instructor_name_reads_as_get_full_name_gives_it(self):
        user = self.instructor_profile.user
        lecture = Lecture.objects.create(
            course=self.course,
            number=1,
            date=datetime.date(2026, 11, 7),
            start_time=datetime.time(17),
            end_time=datetime.time(18),
            instructor=self.instructor_profile,
        )
        for first, last in [("", "Solo"), ("Only", ""), ("", ""), ("أحمد", "محمد عبد الله")]:
            with self.subTest(first=first, last=last):
                self.rename(user, first, last)
                course = self.call("anonymous", "get", f"/api/courses/{self.course.pk}/").data
                listed = self.call("admin", "get", "/api/lectures/").data["results"]
                shown = self.call("admin", "get", f"/api/lectures/{lecture.pk}/").data

                self.assertEqual(course["instructor_name"], user.get_full_name())
                self.assertEqual(listed[0]["instructor_name"], user.get_full_name())
                self.assertEqual(shown["instructor_name"], user.get_full_name())

    def test_weekday_names_follow_the_request_language(self):
        for day in range(7):
            ScheduleFactory(
                course=self.course,
                weekday=day,
                start_time=datetime.time(8),
                end_time=datetime.time(9),
            )
        for language, names in WEEKDAYS.items():
            with self.subTest(language=language):
                self.client.credentials(HTTP_ACCEPT_LANGUAGE=language)
                detail = self.client.get(f"/api/courses/{self.course.pk}/").data
                slots = self.client.get(f"/api/courses/{self.course.pk}/schedule/").data

                self.assertEqual([s["weekday_name"] for s in detail["schedule"]], names)
                self.assertEqual([s["weekday_name"] for s in slots["results"]], names)

    def test_tags_read_by_name_and_slots_by_weekday_then_time_in_list_and_detail(self):
        for day, hour in [(3, 18), (3, 9), (0, 20)]:
            ScheduleFactory(
                course=self.course,
                weekday=day,
                start_time=datetime.time(hour),
                end_time=datetime.time(hour, 45),
            )
        for name in ["Tajweed", "Arabic", "Quran"]:
            self.course.tags.create(name=name)
        bare = CourseFactory(season=self.season)
        detail = self.call("anonymous", "get", f"/api/courses/{self.course.pk}/").data
        listed = self.call("anonymous", "get", "/api/courses/").data["results"]
        in_list = next(course for course in listed if course["id"] == self.course.pk)

        for course in (detail, in_list):
            self.assertEqual([t["name"] for t in course["tags"]], ["Arabic", "Quran", "Tajweed"])
            self.assertEqual(
                [(s["weekday"], s["start_time"]) for s in course["schedule"]],
                [(0, "20:00:00"), (3, "09:00:00"), (3, "18:00:00")],
            )
        other = next(course for course in listed if course["id"] == bare.pk)
        self.assertEqual((other["tags"], other["schedule"]), ([], []))

    def test_a_request_builds_no_serializer_fields(self):
        other = make_instructor()
        self.course.tags.create(name="Quran")
        ScheduleFactory(course=self.course)
        Lecture.objects.create(
            course=self.course,
            number=1,
            date=datetime.date(2026, 11, 7),
            start_time=datetime.time(17),
            end_time=datetime.time(18),
            instructor=other,
        )
        urls = ["/api/courses/", f"/api/courses/{self.course.pk}/", "/api/lectures/"]
        for url in urls:
            self.call("admin", "get", url)  # the first request of the process builds them
        get_fields = serializers.ModelSerializer.get_fields

        with mock.patch.object(
            serializers.ModelSerializer, "get_fields", autospec=True, side_effect=get_fields
        ) as built:
            for url in urls:
                self.assertEqual(self.call("admin", "get", url).status_code, 200)

        self.assertEqual(built.call_count, 0)

"""GET /api/attendance/: the history of attendance rows, scoped per persona (§6.6)."""

from __future__ import annotations

from datetime import date, datetime, time

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.rules import CENTER_TZ
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from users.tests.factories import make_child

URL = "/api/attendance/"


class HistoryTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lecture = LectureFactory(course=cls.course, date=date(2026, 11, 10))
        cls.later = LectureFactory(course=cls.course, date=date(2026, 11, 17))
        cls.elsewhere = LectureFactory(course=CourseFactory(), date=date(2026, 11, 12))
        cls.child_row = make_attendance(cls.lecture, child=cls.child, present=False)
        cls.child_later = make_attendance(cls.later, child=cls.child, present=True)
        cls.student_row = make_attendance(cls.elsewhere, student=cls.student_profile, present=True)
        cls.other_row = make_attendance(cls.elsewhere, child=cls.other_child, present=False)

    def ids(self, who: str, query: str = "") -> set[int]:
        self.as_user(who)
        response = self.client.get(URL + query)
        self.assertEqual(response.status_code, 200, response.data)
        return {row["id"] for row in response.data["results"]}

    def test_each_persona_sees_its_own_rows(self):
        everything = {
            self.child_row.pk,
            self.child_later.pk,
            self.student_row.pk,
            self.other_row.pk,
        }
        self.assertEqual(self.ids("admin"), everything)
        self.assertEqual(self.ids("parent"), {self.child_row.pk, self.child_later.pk})
        self.assertEqual(self.ids("linked_parent"), {self.child_row.pk, self.child_later.pk})
        self.assertEqual(self.ids("other_parent"), {self.other_row.pk})
        self.assertEqual(self.ids("student"), {self.student_row.pk})
        self.assertEqual(self.ids("instructor"), {self.child_row.pk, self.child_later.pk})
        self.assertEqual(self.ids("other_instructor"), set())
        self.assertEqual(self.ids("supervisor"), everything)

    def test_anonymous_is_refused(self):
        self.as_user(None)
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_detail_outside_the_scope_is_404(self):
        self.as_user("other_parent")
        self.assertEqual(self.client.get(f"{URL}{self.child_row.pk}/").status_code, 404)
        self.as_user("other_instructor")
        self.assertEqual(self.client.get(f"{URL}{self.child_row.pk}/").status_code, 404)
        self.as_user("parent")
        self.assertEqual(self.client.get(f"{URL}{self.child_row.pk}/").status_code, 200)

    def test_writes_are_not_routed(self):
        self.as_user("admin")
        self.assertEqual(self.client.delete(f"{URL}{self.child_row.pk}/").status_code, 405)
        self.assertEqual(self.client.post(URL, {}, format="json").status_code, 405)

    def test_row_shape(self):
        self.as_user("parent")
        row = self.client.get(f"{URL}{self.child_row.pk}/").data
        self.assertEqual(
            set(row),
            {"id", "lecture", "participant", "present", "rating", "notes", "via", "marked_at"},
        )
        self.assertEqual(row["lecture"]["id"], self.lecture.pk)
        self.assertEqual(row["lecture"]["number"], self.lecture.number)
        self.assertEqual(row["lecture"]["date"], "2026-11-10")
        self.assertIn("starts_at", row["lecture"])
        self.assertEqual(row["lecture"]["course"], {"id": self.course.pk, "name": self.course.name})
        self.assertEqual(
            row["participant"],
            {
                "type": "child",
                "id": self.child.pk,
                "name": self.child.full_name,
                "code": self.child.code,
            },
        )
        self.assertIs(row["present"], False)
        student = (
            self.client.force_authenticate(self.student)
            or self.client.get(f"{URL}{self.student_row.pk}/").data
        )
        self.assertEqual(student["participant"]["type"], "student")
        self.assertEqual(student["participant"]["code"], self.student_profile.code)

    def test_filters(self):
        self.assertEqual(
            self.ids("admin", f"?child={self.child.pk}"), {self.child_row.pk, self.child_later.pk}
        )
        self.assertEqual(
            self.ids("admin", f"?student={self.student_profile.pk}"), {self.student_row.pk}
        )
        self.assertEqual(
            self.ids("admin", f"?course={self.course.pk}"), {self.child_row.pk, self.child_later.pk}
        )
        self.assertEqual(
            self.ids("admin", f"?lecture={self.elsewhere.pk}"),
            {self.student_row.pk, self.other_row.pk},
        )
        self.assertEqual(
            self.ids("admin", "?present=false"), {self.child_row.pk, self.other_row.pk}
        )
        self.assertEqual(
            self.ids("admin", "?date_after=2026-11-11&date_before=2026-11-16"),
            {self.student_row.pk, self.other_row.pk},
        )
        # Filters narrow the scope, never widen it.
        self.assertEqual(self.ids("parent", f"?child={self.other_child.pk}"), set())

    def test_bad_filters_are_400(self):
        self.as_user("admin")
        for query in ("?child=abc", "?date_after=nope", "?lecture=1.5", f"?course={10**25}"):
            with self.subTest(query=query):
                self.assertEqual(self.client.get(URL + query).status_code, 400)

    def test_scan_still_routes_to_the_scan_endpoint(self):
        self.as_user("admin")
        response = self.client.post(f"{URL}scan/", {}, format="json")
        # The scan endpoint authenticates devices, not users: never the history's 405.
        self.assertNotEqual(response.status_code, 405)
        self.assertNotEqual(response.status_code, 404)

    def test_query_count_does_not_depend_on_the_rows(self):
        self.as_user("parent")
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(
                len(self.client.get(f"{URL}?present=false&page_size=100").data["results"]), 1
            )
        lectures = [LectureFactory(course=self.course) for _ in range(29)]
        for lecture in lectures:
            make_attendance(lecture, child=self.child, present=False)
        with CaptureQueriesContext(connection) as thirty:
            self.assertEqual(
                len(self.client.get(f"{URL}?present=false&page_size=100").data["results"]), 30
            )
        self.assertEqual(len(one), len(thirty))
        # A second child of the parent shows too, within the same queries.
        make_attendance(self.lecture, child=make_child(self.parent_profile), present=False)
        with CaptureQueriesContext(connection) as more:
            self.assertEqual(
                len(self.client.get(f"{URL}?present=false&page_size=100").data["results"]), 31
            )
        self.assertEqual(len(more), len(one))


class HistoryOrUpcomingTests(PersonaTestCase):
    """By default the history: lectures that have started, newest first. ``?upcoming=true``:
    the others, soonest first."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.now = datetime(2026, 11, 10, 18, 0, tzinfo=CENTER_TZ)
        at = {
            "last_week": (date(2026, 11, 3), time(17, 0)),
            "started_tonight": (date(2026, 11, 10), time(17, 0)),
            "started_now": (date(2026, 11, 10), time(18, 0)),  # attendance may be taken
            "in_a_minute": (date(2026, 11, 10), time(18, 1)),
            "next_week": (date(2026, 11, 17), time(17, 0)),
            "in_two_weeks": (date(2026, 11, 24), time(17, 0)),
        }
        cls.rows = {
            name: make_attendance(
                LectureFactory(course=cls.course, date=day, start_time=start),
                child=cls.child,
                present=None,
            )
            for name, (day, start) in at.items()
        }

    def names(self, query: str = "") -> list[str]:
        by_id = {row.pk: name for name, row in self.rows.items()}
        with time_machine.travel(self.now, tick=False):
            response = self.client.get(URL + query)
        self.assertEqual(response.status_code, 200, response.data)
        return [by_id[row["id"]] for row in response.data["results"]]

    def test_the_history_is_what_has_started_newest_first(self):
        self.as_user("parent")
        history = ["started_now", "started_tonight", "last_week"]
        self.assertEqual(self.names(), history)
        self.assertEqual(self.names("?upcoming=false"), history)

    def test_upcoming_is_the_rest_soonest_first(self):
        self.as_user("parent")
        self.assertEqual(self.names("?upcoming=true"), ["in_a_minute", "next_week", "in_two_weeks"])

    def test_a_row_to_come_is_still_readable_by_id(self):
        self.as_user("parent")
        with time_machine.travel(self.now, tick=False):
            response = self.client.get(f"{URL}{self.rows['next_week'].pk}/")
        self.assertEqual(response.status_code, 200)

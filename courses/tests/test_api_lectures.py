"""/api/lectures/ and /api/exams/ with their permission matrices."""

from datetime import date, time
from decimal import Decimal

from courses.models import Exam, Lecture
from courses.tests.base import PersonaTestCase, matrix
from courses.tests.factories import (
    CourseFactory,
    ExamFactory,
    LectureFactory,
    everyone_enrolled,
    make_attendance,
    make_result,
)
from users.tests.factories import make_child, make_parent


class LectureApiTests(PersonaTestCase):
    def setUp(self):
        self.lecture = LectureFactory(course=self.course, number=1, date=date(2026, 11, 7))
        self.later = LectureFactory(course=self.course, number=2, date=date(2026, 11, 14))
        self.url = f"/api/lectures/{self.lecture.pk}/"

    def ids(self, who, query=""):
        response = self.call(who, "get", f"/api/lectures/?{query}")
        self.assertEqual(response.status_code, 200, response.data)
        return {row["id"] for row in response.data["results"]}

    def test_lectures_are_visible_to_staff_their_instructors_and_supervisors(self):
        self.assertMatrix("get", "/api/lectures/", matrix(401, 200, 200, 200, 200, 200))
        mine = {self.lecture.pk, self.later.pk}
        self.assertEqual(self.ids("instructor"), mine)
        self.assertEqual(self.ids("admin"), mine)
        self.assertEqual(self.ids("supervisor"), mine)
        # No enrollments exist yet, so parents and students see none.
        for who in ("parent", "student", "other_instructor"):
            self.assertEqual(self.ids(who), set())
        self.assertMatrix("get", self.url, matrix(401, 404, 404, 200, 404, 200))

    def test_a_substitute_sees_the_lecture_they_teach(self):
        Lecture.objects.filter(pk=self.lecture.pk).update(instructor=self.other_instructor_profile)
        self.assertEqual(self.ids("other_instructor"), {self.lecture.pk})

    def test_a_lecture_has_cairo_datetimes(self):
        data = self.call("admin", "get", self.url).data
        self.assertEqual(data["starts_at"], "2026-11-07T17:00:00+02:00")
        self.assertEqual(data["ends_at"], "2026-11-07T18:30:00+02:00")
        self.assertEqual(data["number"], 1)

    def test_the_list_filters(self):
        self.lecture.status = "cancelled"
        self.lecture.save()
        cases = {
            f"course={self.course.pk}": {self.lecture.pk, self.later.pk},
            "course=999999": set(),
            "date=2026-11-07": {self.lecture.pk},
            "date_after=2026-11-08": {self.later.pk},
            "date_before=2026-11-08": {self.lecture.pk},
            "status=cancelled": {self.lecture.pk},
            f"instructor={self.instructor_profile.pk}": {self.lecture.pk, self.later.pk},
        }
        for query, expected in cases.items():
            with self.subTest(query):
                self.assertEqual(self.ids("admin", query), expected)
        for query in (
            "date=tomorrow",
            "course=x",
            "course=1.5",
            f"course={10**25}",
            "status=lost",
            "date_after=2026-02-30",
        ):
            with self.subTest(query):
                self.as_user("admin")
                self.assertEqual(self.client.get(f"/api/lectures/?{query}").status_code, 400)

    def test_admins_add_and_the_courses_instructor_proposes_an_extra_lecture(self):
        body = {
            "course": self.course.pk,
            "date": "2026-11-02",
            "start_time": "09:00",
            "end_time": "10:00",
        }
        self.assertMatrix("post", "/api/lectures/", matrix(401, 403, 403, 201, 404, 201), body)
        response = self.call("admin", "post", "/api/lectures/", body)
        self.assertEqual(response.data["number"], 1)

    def test_bad_lecture_input_is_400(self):
        base = {
            "course": self.course.pk,
            "date": "2026-11-02",
            "start_time": "09:00",
            "end_time": "10:00",
        }
        for change in (
            {"end_time": "08:00"},
            {"course": 999999},
            {"course": "abc"},
            {"date": "2026-02-30"},
            {"start_time": "nine"},
            {"instructor": 999999},
            {"course": 10**25},
            {"date": "0001-01-01"},
            {"date": "9999-12-31"},
        ):
            with self.subTest(change):
                response = self.call("admin", "post", "/api/lectures/", {**base, **change})
                self.assertEqual(response.status_code, 400, response.data)
        response = self.call("admin", "patch", self.url, {"end_time": "16:00"})
        self.assertEqual(response.status_code, 400)

    def test_only_admins_edit_lectures(self):
        self.assertMatrix(
            "patch", self.url, matrix(401, 404, 404, 403, 404, 200), {"date": "2026-11-08"}
        )
        self.assertMatrix("delete", self.url, matrix(401, 404, 404, 403, 404, 204))

    def test_moving_or_deleting_a_lecture_with_marked_attendance_is_409(self):
        make_attendance(self.lecture, child=make_child(), present=True)
        for method, body in (("delete", None), ("patch", {"date": "2026-11-08"})):
            with self.subTest(method):
                response = self.call("admin", method, self.url, body)
                self.assertEqual(response.status_code, 409)
                self.assertEqual(response.data["code"], "lecture_has_attendance")
        ok = self.call("admin", "patch", self.url, {"title": "Recap"})
        self.assertEqual(ok.status_code, 200)

    def test_cancelling_keeps_the_lecture(self):
        response = self.call("admin", "patch", self.url, {"status": "cancelled"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["status"], "cancelled")
        restored = self.call("admin", "patch", self.url, {"status": "scheduled"})
        self.assertEqual(restored.data["status"], "scheduled")

    def test_a_moved_lecture_is_renumbered_in_date_order(self):
        response = self.call("admin", "patch", self.url, {"date": "2026-11-20"})
        self.assertEqual(response.data["number"], 2)
        self.assertTrue(response.data["is_manual"])


class ExamApiTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.child = make_child(cls.parent_profile)
        cls.other_child = make_child(make_parent())

    def setUp(self):
        self.exam = ExamFactory(
            course=self.course, total_marks=Decimal("20"), pass_mark=Decimal("10")
        )
        make_result(exam=self.exam, child=self.child, marks=Decimal("15"))
        make_result(exam=self.exam, child=self.other_child, marks=Decimal("5"))
        make_result(exam=self.exam, student=self.student_profile, marks=Decimal("9"))
        self.url = f"/api/exams/{self.exam.pk}/"

    def body(self, **extra):
        return {
            "course": self.course.pk,
            "title": "Final",
            "kind": "final",
            "total_marks": "100",
            "pass_mark": "50",
            **extra,
        }

    def test_exams_are_read_by_staff_the_instructor_and_participants_with_results(self):
        self.assertMatrix("get", "/api/exams/", matrix(401, 200, 200, 200, 200, 200))
        self.assertMatrix("get", self.url, matrix(401, 200, 200, 200, 404, 200))
        empty = ExamFactory(course=self.course)
        self.assertMatrix("get", f"/api/exams/{empty.pk}/", matrix(401, 404, 404, 200, 404, 200))

    def test_admins_and_the_courses_instructor_write_exams(self):
        self.assertMatrix("post", "/api/exams/", matrix(401, 403, 403, 201, 403, 201), self.body())
        self.assertMatrix(
            "patch", self.url, matrix(401, 403, 403, 200, 404, 200), {"title": "Quiz 1"}
        )
        empty = ExamFactory(course=self.course)
        self.assertMatrix("delete", f"/api/exams/{empty.pk}/", matrix(401, 404, 404, 204, 404, 204))

    def test_an_exam_with_results_cannot_be_deleted(self):
        response = self.call("admin", "delete", self.url)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "exam_has_results")

    def test_bad_exam_input_is_400(self):
        for change in (
            {"pass_mark": "101"},
            {"course": 999999},
            {"total_marks": "0"},
            {"kind": "oral"},
            {"total_marks": "abc"},
        ):
            with self.subTest(change):
                response = self.call("admin", "post", "/api/exams/", self.body(**change))
                self.assertEqual(response.status_code, 400, response.data)
        response = self.call("admin", "patch", self.url, {"total_marks": "12"})
        self.assertEqual(response.data["code"], "marks_exceed_total")
        # Another instructor cannot point an exam at a draft course they cannot see.
        response = self.call(
            "other_instructor", "post", "/api/exams/", self.body(course=self.draft.pk)
        )
        self.assertEqual(response.status_code, 400)

    def test_an_exam_date_outside_the_centers_calendar_is_400(self):
        for when in ("0001-01-01T00:30:00Z", "2999-05-01T10:00:00+02:00"):
            with self.subTest(when):
                response = self.call("admin", "post", "/api/exams/", self.body(scheduled_at=when))
                self.assertEqual(response.status_code, 400, response.data)
                self.assertIn("scheduled_at", response.data)
                response = self.call("admin", "patch", self.url, {"scheduled_at": when})
                self.assertEqual(response.status_code, 400, response.data)
                self.assertIn("scheduled_at", response.data)
        self.exam.refresh_from_db()
        self.assertIsNone(self.exam.scheduled_at)

    def test_results_are_visible_to_the_instructor_and_each_participants_own_people(self):
        url = f"{self.url}results/"
        self.assertMatrix("get", url, matrix(401, 200, 200, 200, 404, 200))
        seen = {
            who: {
                r["child"] or ("s", r["student"])
                for r in self.call(who, "get", url).data["results"]
            }
            for who in ("parent", "student", "instructor", "admin")
        }
        self.assertEqual(seen["parent"], {self.child.pk})
        self.assertEqual(seen["student"], {("s", self.student_profile.pk)})
        self.assertEqual(len(seen["instructor"]), 3)
        self.assertEqual(len(seen["admin"]), 3)

    def test_supervisors_read_every_exam_and_every_result(self):
        empty = ExamFactory(course=self.course)
        drafts = ExamFactory(course=self.draft)
        elsewhere = ExamFactory()  # a course another instructor teaches
        listed = self.call("supervisor", "get", "/api/exams/?page_size=100").data["results"]
        self.assertEqual(
            {e["id"] for e in listed}, {self.exam.pk, empty.pk, drafts.pk, elsewhere.pk}
        )
        for exam in (self.exam, drafts, elsewhere):
            self.assertEqual(
                self.call("supervisor", "get", f"/api/exams/{exam.pk}/").status_code, 200
            )
        results = self.call("supervisor", "get", f"{self.url}results/").data
        self.assertEqual(results["count"], 3)
        self.assertEqual(
            {r["child"] or ("s", r["student"]) for r in results["results"]},
            {self.child.pk, self.other_child.pk, ("s", self.student_profile.pk)},
        )

    def test_supervisors_write_no_exam_or_result_of_a_course_not_theirs(self):
        empty = ExamFactory(course=self.course)
        with everyone_enrolled():
            calls = {
                "create": ("post", "/api/exams/", self.body()),
                "edit": ("patch", self.url, {"title": "Changed"}),
                "delete": ("delete", f"/api/exams/{empty.pk}/", None),
                "result": ("post", f"{self.url}results/", {"child": self.child.pk, "marks": "1"}),
            }
            for name, (method, url, body) in calls.items():
                with self.subTest(name):
                    response = self.call("supervisor", method, url, body)
                    self.assertEqual(response.status_code, 403, response.data)
                    self.assertEqual(response.data["code"], "not_course_instructor")
        self.exam.refresh_from_db()
        self.assertNotEqual(self.exam.title, "Changed")
        self.assertTrue(Exam.objects.filter(pk=empty.pk).exists())
        self.assertEqual(self.exam.results.get(child=self.child).marks, Decimal("15"))
        self.assertEqual(Exam.objects.filter(course=self.course).count(), 2)

    def test_a_supervisor_who_teaches_a_course_writes_its_exams_as_its_instructor(self):
        taught = CourseFactory(instructor=self.supervisor_profile, season=self.season)
        response = self.call("supervisor", "post", "/api/exams/", self.body(course=taught.pk))
        self.assertEqual(response.status_code, 201, response.data)

    def test_results_are_entered_by_admins_and_the_courses_instructor(self):
        url = f"{self.url}results/"
        body = {"child": self.child.pk, "marks": "18"}
        with everyone_enrolled():
            self.assertMatrix("post", url, matrix(401, 403, 403, 200, 404, 200), body)
            response = self.call("instructor", "post", url, body)
            fresh = self.call("admin", "post", url, {"child": make_child().pk, "marks": "2"})
        self.assertEqual(response.data["percentage"], "90.00")
        self.assertTrue(response.data["passed"])
        self.assertEqual(fresh.status_code, 201)
        self.assertFalse(fresh.data["passed"])

    def test_no_result_for_anyone_outside_the_course_and_no_hint_who_exists(self):
        """The leak of issue #6: an instructor posted any child's id and got their name and
        code back. Nobody is enrolled yet, so every id gets one and the same 400."""
        url = f"{self.url}results/"
        strangers = {
            "own parent's child": {"child": self.child.pk},
            "another parent's child": {"child": make_child(make_parent()).pk},
            "child with no result": {"child": make_child().pk},
            "nonexistent child": {"child": 987654},
        }
        bodies = {}
        for who in ("instructor", "admin"):
            for name, ids in strangers.items():
                with self.subTest(who=who, participant=name):
                    response = self.call(who, "post", url, {**ids, "marks": "18"})
                    self.assertEqual(response.status_code, 400, response.data)
                    self.assertEqual(response.data["code"], "participant_not_enrolled")
                    self.assertEqual(
                        response.data["child"], ["هذا المشارك غير مسجَّل في دورة هذا الاختبار."]
                    )
                    self.assertNotIn("participant_name", response.data)
                    bodies[(who, name)] = response.json()
        self.assertEqual(len({str(sorted(b.items())) for b in bodies.values()}), 1, bodies)
        for sid in (self.student_profile.pk, 987654):
            response = self.call("instructor", "post", url, {"student": sid, "marks": "1"})
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response.data["code"], "participant_not_enrolled")
            self.assertIn("student", response.data)
        # Nothing was written: the three results of setUp are still the only ones, unchanged.
        results = Exam.objects.get(pk=self.exam.pk).results
        self.assertEqual(results.count(), 3)
        self.assertEqual(results.get(child=self.child).marks, Decimal("15"))

    def test_a_huge_or_negative_participant_id_is_400_not_500(self):
        url = f"{self.url}results/"
        for pid in (2**70, -1, 0, "abc"):
            with self.subTest(pid=pid):
                response = self.call("admin", "post", url, {"child": pid, "marks": "1"})
                self.assertEqual(response.status_code, 400, response.data)

    def test_bad_result_input_is_400(self):
        url = f"{self.url}results/"
        for body in (
            {"marks": "5"},
            {"child": self.child.pk, "student": self.student_profile.pk, "marks": "5"},
            {"child": self.child.pk, "marks": "21"},
            {"child": self.child.pk, "marks": "-1"},
            {"child": self.child.pk, "marks": "x"},
        ):
            with self.subTest(body), everyone_enrolled():
                self.assertEqual(self.call("admin", "post", url, body).status_code, 400)
        self.assertEqual(Exam.objects.get(pk=self.exam.pk).results.count(), 3)

    def test_results_read_back_with_participant_names(self):
        data = self.call("parent", "get", f"{self.url}results/").data["results"][0]
        self.assertEqual(data["participant_code"], self.child.code)
        self.assertEqual(data["percentage"], "75.00")
        self.assertTrue(data["passed"])
        self.assertEqual(data["marks"], "15.00")

    def test_lecture_times_round_trip(self):
        lecture = LectureFactory(course=self.course, start_time=time(9, 30), end_time=time(10))
        data = self.call("admin", "get", f"/api/lectures/{lecture.pk}/").data
        self.assertEqual((data["start_time"], data["end_time"]), ("09:30:00", "10:00:00"))

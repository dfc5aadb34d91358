"""/api/courses/, /api/seasons/, /api/tags/, schedule and generate-lectures."""

from datetime import date

from courses.models import Course, CourseSchedule, Lecture
from courses.tests.base import PersonaTestCase, matrix
from courses.tests.factories import ScheduleFactory, SeasonFactory, TagFactory


def course_body(test, **overrides):
    body = {
        "name": "Arabic calligraphy",
        "season": test.season.pk,
        "instructor": test.instructor_profile.pk,
        "start_date": "2026-12-01",
        "end_date": "2026-12-31",
        "capacity": 12,
        "price": "350.00",
        "audience": "children",
        "min_age": 7,
        "max_age": 12,
        "status": "published",
    }
    body.update(overrides)
    return body


class CatalogueTests(PersonaTestCase):
    def test_everyone_reads_the_catalogue_but_only_staff_and_the_owner_see_drafts(self):
        self.assertMatrix("get", "/api/courses/", matrix(200, 200, 200, 200, 200, 200))
        for who, sees_draft in [
            ("anonymous", False),
            ("parent", False),
            ("student", False),
            ("instructor", True),
            ("other_instructor", False),
            ("admin", True),
        ]:
            with self.subTest(who=who):
                ids = {c["id"] for c in self.call(who, "get", "/api/courses/").data["results"]}
                self.assertIn(self.course.pk, ids)
                self.assertEqual(self.draft.pk in ids, sees_draft)

    def test_a_draft_course_is_404_to_the_public(self):
        url = f"/api/courses/{self.draft.pk}/"
        self.assertMatrix("get", url, matrix(404, 404, 404, 200, 404, 200))
        self.assertMatrix("get", f"/api/courses/{self.course.pk}/", matrix(*[200] * 6))

    def test_a_course_shows_schedule_instructor_name_tags_and_seats_left(self):
        ScheduleFactory(course=self.course, weekday=0)
        tag = TagFactory(name="Quran")
        self.course.tags.add(tag)
        data = self.call("anonymous", "get", f"/api/courses/{self.course.pk}/").data
        self.assertEqual(data["instructor_name"], self.instructor.get_full_name())
        self.assertEqual(data["tags"], [{"id": tag.pk, "name": "Quran"}])
        self.assertEqual(data["schedule"][0]["weekday"], 0)
        self.assertEqual(data["seats_left"], self.course.capacity)
        self.assertEqual(data["price"], "350.00")

    def test_the_catalogue_filters_and_searches(self):
        tag = TagFactory()
        self.course.tags.add(tag)
        self.as_user("admin")
        for query, expected in [
            (f"tag={tag.pk}", {self.course.pk}),
            ("status=draft", {self.draft.pk}),
            (f"season={self.season.pk}&status=published", {self.course.pk}),
            (f"instructor={self.other_instructor_profile.pk}", set()),
            ("audience=adults", set()),
            (f"search={self.draft.name}", {self.draft.pk}),
        ]:
            with self.subTest(query=query):
                response = self.client.get(f"/api/courses/?{query}")
                self.assertEqual({c["id"] for c in response.data["results"]}, expected)

    def test_bad_filter_values_are_400(self):
        for query in ("season=abc", "audience=aliens", "status=secret", "page_size=abc"):
            with self.subTest(query=query):
                status = self.client.get(f"/api/courses/?{query}").status_code
                self.assertIn(status, (200, 400))
                self.assertNotEqual(status, 500)
        self.assertEqual(self.client.get("/api/courses/?season=abc").status_code, 400)
        self.assertEqual(self.client.get(f"/api/courses/?tag={10**25}").status_code, 400)


class CourseManagementTests(PersonaTestCase):
    def test_only_admins_create_courses(self):
        self.assertMatrix(
            "post", "/api/courses/", matrix(401, 403, 403, 403, 403, 201), course_body(self)
        )

    def test_created_course_gets_a_slug_and_its_tags(self):
        tag = TagFactory()
        self.as_user("admin")
        response = self.client.post(
            "/api/courses/", course_body(self, tags=[tag.pk]), format="json"
        )
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["slug"], "arabic-calligraphy")
        self.assertEqual(response.data["tags"][0]["id"], tag.pk)

    def test_a_slug_in_arabic_is_made_from_the_name_and_accepted_as_given(self):
        self.as_user("admin")
        made = self.client.post(
            "/api/courses/", course_body(self, name="خط عربي للأطفال"), format="json"
        )
        self.assertEqual(made.status_code, 201, made.data)
        self.assertEqual(made.data["slug"], "خط-عربي-للأطفال")
        given = self.client.post("/api/courses/", course_body(self, slug="قرآن_2"), format="json")
        self.assertEqual((given.status_code, given.data["slug"]), (201, "قرآن_2"))
        listed = self.client.get("/api/courses/").data["results"]
        self.assertLessEqual({"خط-عربي-للأطفال", "قرآن_2"}, {row["slug"] for row in listed})
        for bad in ("قرآن كريم", "a/b", "", "x" * 221):
            with self.subTest(bad):
                response = self.client.post(
                    "/api/courses/", course_body(self, slug=bad), format="json"
                )
                self.assertEqual(response.status_code, 400, response.data)

    def test_bad_course_input_is_400_never_500(self):
        self.as_user("admin")
        cases = {
            "reversed dates": course_body(self, end_date="2026-11-01"),
            "capacity 0": course_body(self, capacity=0),
            "unknown season": course_body(self, season=999999),
            "huge season id": course_body(self, season=10**30),
            "string season": course_body(self, season="x"),
            "unknown instructor": course_body(self, instructor=999999),
            "no end nor count": course_body(self, end_date=None),
            "ages reversed": course_body(self, min_age=12, max_age=7),
            "bad price": course_body(self, price="abc"),
            "negative price": course_body(self, price="-5"),
            "bad date": course_body(self, start_date="2026-13-45"),
            "unknown tag": course_body(self, tags=[999999]),
            "too many lectures": course_body(self, end_date=None, num_lectures=100000),
            "bad slug": course_body(self, slug="not a slug!"),
            "far past": course_body(self, start_date="0001-01-01"),
            "years long": course_body(self, end_date="2035-01-01"),
        }
        for name, body in cases.items():
            with self.subTest(name):
                response = self.client.post("/api/courses/", body, format="json")
                self.assertEqual(response.status_code, 400, response.data)
        self.assertEqual(self.client.post("/api/courses/", [1, 2], format="json").status_code, 400)

    def test_a_duplicate_slug_is_400(self):
        self.as_user("admin")
        response = self.client.post(
            "/api/courses/", course_body(self, slug=self.course.slug), format="json"
        )
        self.assertEqual(response.status_code, 400)

    def test_the_courses_instructor_may_patch_only_the_description(self):
        url = f"/api/courses/{self.course.pk}/"
        body = {"description": "New words"}
        self.assertMatrix("patch", url, matrix(401, 403, 403, 200, 403, 200), body)
        self.assertMatrix(
            "patch", f"/api/courses/{self.draft.pk}/", matrix(401, 404, 404, 200, 404, 200), body
        )
        response = self.call("instructor", "patch", url, {"capacity": 1})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.data["code"], "field_not_editable")
        self.call("instructor", "patch", url, [1])  # a list body is not a 500

    def test_admin_patch_validates_dates_against_the_stored_course(self):
        response = self.call(
            "admin", "patch", f"/api/courses/{self.course.pk}/", {"end_date": "2020-01-01"}
        )
        self.assertEqual(response.status_code, 400)

    def test_only_admins_delete_a_course_without_history(self):
        url = f"/api/courses/{self.course.pk}/"
        self.assertMatrix("delete", url, matrix(401, 403, 403, 403, 403, 204))
        self.assertMatrix(
            "delete", f"/api/courses/{self.draft.pk}/", matrix(401, 404, 404, 403, 404, 204)
        )

    def test_deleting_a_course_with_attendance_is_409(self):
        Lecture.objects.create(
            course=self.course,
            number=1,
            date=date(2026, 11, 7),
            start_time="17:00",
            end_time="18:00",
            instructor=self.instructor_profile,
            attendance_taken=True,
        )
        response = self.call("admin", "delete", f"/api/courses/{self.course.pk}/")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "course_has_history")
        self.assertTrue(Course.objects.filter(pk=self.course.pk).exists())


class ScheduleApiTests(PersonaTestCase):
    def setUp(self):
        self.slot = ScheduleFactory(course=self.course, weekday=0)

    def url(self, course=None):
        return f"/api/courses/{(course or self.course).pk}/schedule/"

    def test_anyone_who_sees_the_course_reads_its_schedule(self):
        self.assertMatrix("get", self.url(), matrix(*[200] * 6))
        self.assertMatrix("get", self.url(self.draft), matrix(404, 404, 404, 200, 404, 200))
        data = self.call("anonymous", "get", self.url()).data
        self.assertEqual(data["results"][0]["id"], self.slot.pk)

    def test_only_admins_write_the_schedule(self):
        body = {"weekday": 3, "start_time": "10:00", "end_time": "11:00"}
        self.assertMatrix("post", self.url(), matrix(401, 403, 403, 403, 403, 201), body)
        slot_url = f"{self.url()}{self.slot.pk}/"
        self.assertMatrix(
            "patch", slot_url, matrix(401, 403, 403, 403, 403, 200), {"end_time": "19:00"}
        )
        self.assertMatrix("delete", slot_url, matrix(401, 403, 403, 403, 403, 204))
        self.assertMatrix(
            "delete", f"{self.url(self.draft)}{self.slot.pk}/", matrix(401, 404, 404, 404, 404, 404)
        )

    def test_overlapping_and_reversed_slots_are_400(self):
        self.as_user("admin")
        cases = [
            ({"weekday": 0, "start_time": "17:30", "end_time": "19:00"}, "schedule_overlap"),
            ({"weekday": 1, "start_time": "12:00", "end_time": "11:00"}, None),
            ({"weekday": 7, "start_time": "10:00", "end_time": "11:00"}, None),
            ({"weekday": 1, "start_time": "25:00", "end_time": "26:00"}, None),
            ({"weekday": "x"}, None),
        ]
        for body, code in cases:
            with self.subTest(body=body):
                response = self.client.post(self.url(), body, format="json")
                self.assertEqual(response.status_code, 400, response.data)
                if code:
                    self.assertEqual(response.data["code"], code)
        self.assertEqual(CourseSchedule.objects.filter(course=self.course).count(), 1)

    def test_a_course_id_that_is_not_a_number_is_404_on_a_slot(self):
        # Schemathesis sent /api/courses/null,null/schedule/0/: a ValueError and a 500.
        slot_id = self.slot.pk
        for course_id in ("null,null", "abc", "1.5", "-"):
            for method, body in (("patch", {"end_time": "19:00"}), ("delete", None)):
                with self.subTest(course_id=course_id, method=method):
                    url = f"/api/courses/{course_id}/schedule/{slot_id}/"
                    response = self.call("admin", method, url, body)
                    self.assertEqual(response.status_code, 404)
                    self.assertEqual(response.json()["code"], "not_found")
        self.assertTrue(CourseSchedule.objects.filter(pk=slot_id).exists())

    def test_a_slot_patch_that_would_overlap_is_400(self):
        other = ScheduleFactory(course=self.course, weekday=1)
        response = self.call("admin", "patch", f"{self.url()}{other.pk}/", {"weekday": 0})
        self.assertEqual(response.status_code, 400)


class GenerateApiTests(PersonaTestCase):
    def setUp(self):
        ScheduleFactory(course=self.course, weekday=0)
        ScheduleFactory(course=self.draft, weekday=0)

    def test_only_admins_generate_lectures(self):
        url = f"/api/courses/{self.course.pk}/generate-lectures/"
        self.assertMatrix("post", url, matrix(401, 403, 403, 403, 403, 200))
        draft_url = f"/api/courses/{self.draft.pk}/generate-lectures/"
        self.assertMatrix("post", draft_url, matrix(401, 404, 404, 403, 404, 200))

    def test_generating_twice_creates_nothing_new(self):
        url = f"/api/courses/{self.course.pk}/generate-lectures/"
        first = self.call("admin", "post", url).data
        second = self.call("admin", "post", url).data
        self.assertGreater(first["created"], 0)
        self.assertEqual(second["created"], 0)
        self.assertEqual(second["lectures"], first["lectures"])

    def test_generating_without_a_schedule_is_400(self):
        self.course.schedule.all().delete()
        response = self.call("admin", "post", f"/api/courses/{self.course.pk}/generate-lectures/")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "course_has_no_schedule")


class SeasonAndTagApiTests(PersonaTestCase):
    def test_seasons_are_public_to_read_and_admin_to_write(self):
        self.assertMatrix("get", "/api/seasons/", matrix(*[200] * 6))
        body = {
            "name": "Summer",
            "kind": "summer_camp",
            "start_date": "2027-07-01",
            "end_date": "2027-08-31",
        }
        self.assertMatrix("post", "/api/seasons/", matrix(401, 403, 403, 403, 403, 201), body)
        url = f"/api/seasons/{self.season.pk}/"
        self.assertMatrix("patch", url, matrix(401, 403, 403, 403, 403, 200), {"name": "X"})

    def test_only_admins_delete_an_empty_season(self):
        empty = SeasonFactory()
        self.assertMatrix(
            "delete", f"/api/seasons/{empty.pk}/", matrix(401, 403, 403, 403, 403, 204)
        )

    def test_a_season_with_courses_cannot_be_deleted(self):
        response = self.call("admin", "delete", f"/api/seasons/{self.season.pk}/")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "season_has_courses")

    def test_reversed_season_dates_are_400(self):
        body = {"name": "S", "kind": "eid", "start_date": "2027-07-01", "end_date": "2027-06-01"}
        self.assertEqual(self.call("admin", "post", "/api/seasons/", body).status_code, 400)
        self.assertEqual(
            self.call("admin", "post", "/api/seasons/", {**body, "kind": "x"}).status_code, 400
        )

    def test_tags_are_public_to_read_and_admin_to_write(self):
        tag = TagFactory()
        self.assertMatrix("get", "/api/tags/", matrix(*[200] * 6))
        self.assertMatrix(
            "post", "/api/tags/", matrix(401, 403, 403, 403, 403, 201), {"name": "Tajweed"}
        )
        self.assertMatrix(
            "patch", f"/api/tags/{tag.pk}/", matrix(401, 403, 403, 403, 403, 200), {"name": "Fiqh"}
        )
        self.assertMatrix("delete", f"/api/tags/{tag.pk}/", matrix(401, 403, 403, 403, 403, 204))
        self.call("admin", "post", "/api/tags/", {"name": "Dup"})
        self.assertEqual(self.call("admin", "post", "/api/tags/", {"name": "Dup"}).status_code, 400)

"""One way to refer to things (docs/api.md, "References"), checked on the schema and on
real answers.

The rule, as the schema states it: every field that holds another object's id carries
``x-id-of``, the path of that object's own endpoint. Checked here:

- every id-like field of the schema (named like a foreign key of the project's models,
  ``*_id``, ``*_by``, or a nested reference's ``id``) carries ``x-id-of``, and it names a
  path of the schema;
- a field named like a foreign key refers to the model that foreign key points to, in
  every answer and request of the API (``instructor`` is always an instructor's id);
- on the demo data, every ``x-id-of`` id found in real answers opens that endpoint, and
  the references' names are the names the endpoint gives.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APITestCase

from core.schema_refs import ID_OF, PARTICIPANT, PARTICIPANT_PATHS, detail_paths
from courses.models import Course, Lecture
from enrollments_payments.demo import seed_demo
from users import demo as people
from users.models import Child, CustomUser, Instructor

PROJECT_APPS = {"users", "courses", "enrollments_payments", "attendance", "notifications", "core"}


def _schema_and_paths() -> tuple[dict, dict[str, str]]:
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    return schema, detail_paths(generator)


def foreign_key_names() -> dict[str, set[str]]:
    """Field name → labels of the models the project's foreign keys of that name point to."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey | models.OneToOneField) and field.concrete:
                found.setdefault(field.name, set()).add(field.related_model._meta.label)
    return found


def _properties(schema: dict):
    """(container path, property name, property schema) of every object schema."""

    def walk(node, where):
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                if isinstance(prop, dict):
                    yield where, name, prop
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}/{index}")

    yield from walk(schema.get("components", {}), "components")
    yield from walk(schema.get("paths", {}), "paths")


def _integer_target(prop: dict) -> dict | None:
    """The integer schema of an id field (itself, or an array's items), else None."""
    target = prop.get("items") if prop.get("type") == "array" else prop
    if isinstance(target, dict) and target.get("type") == "integer":
        return target
    return None


class ReferenceRuleInTheSchemaTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.schema, cls.paths = _schema_and_paths()
        cls.fk_names = foreign_key_names()

    def _id_like(self, name: str) -> bool:
        return name in self.fk_names or name.endswith(("_id", "_by"))

    def test_every_id_like_field_names_the_endpoint_whose_id_it_holds(self):
        missing, unknown = [], []
        for where, name, prop in _properties(self.schema):
            target = _integer_target(prop)
            if target is None:
                continue
            nested_ref = name == "id" and ID_OF in target
            if not (self._id_like(name) or nested_ref):
                continue
            id_of = target.get(ID_OF)
            if id_of is None:
                missing.append(f"{where}.{name}")
            elif id_of != PARTICIPANT and id_of not in self.schema["paths"]:
                unknown.append(f"{where}.{name} → {id_of}")
        self.assertEqual(missing, [], "id fields without x-id-of")
        self.assertEqual(unknown, [], "x-id-of naming no endpoint of the schema")

    def test_a_nested_reference_has_an_id_that_says_whose_it_is(self):
        components = self.schema["components"]["schemas"]
        bare = []
        for where, name, prop in _properties(self.schema):
            if not self._id_like(name) or _integer_target(prop) is not None:
                continue
            ref = prop.get("$ref") or next(
                (part.get("$ref") for part in prop.get("allOf", ()) if "$ref" in part), None
            )
            nested = components[ref.rsplit("/", 1)[1]] if ref else prop
            if nested.get("type") != "object":
                continue
            id_schema = (nested.get("properties") or {}).get("id") or {}
            if ID_OF not in id_schema:
                bare.append(f"{where}.{name}")
        self.assertEqual(bare, [], "objects under a reference's name without a marked id")

    def test_a_field_named_like_a_foreign_key_holds_that_models_id_everywhere(self):
        wrong = []
        for where, name, prop in _properties(self.schema):
            target = _integer_target(prop)
            if target is None or name not in self.fk_names or ID_OF not in target:
                continue
            allowed = {self.paths[label] for label in self.fk_names[name] if label in self.paths}
            if target[ID_OF] not in allowed:
                wrong.append(f"{where}.{name} → {target[ID_OF]} (expected one of {allowed})")
        self.assertEqual(wrong, [])

    def test_an_instructor_is_always_the_instructor_profiles_id(self):
        instructor_path = self.paths[Instructor._meta.label]
        seen = 0
        for where, name, prop in _properties(self.schema):
            target = _integer_target(prop)
            if target is not None and name in ("instructor", "instructor_id", "supervisor"):
                seen += 1
                self.assertEqual(target.get(ID_OF), instructor_path, f"{where}.{name}")
        self.assertGreater(seen, 10)
        for operation in self._operations():
            for parameter in operation.get("parameters", ()):
                if parameter["name"] in ("instructor", "supervisor"):
                    self.assertEqual(parameter["schema"].get(ID_OF), instructor_path)

    def test_me_carries_the_callers_profile_ids(self):
        user = self.schema["components"]["schemas"]["User"]["properties"]
        self.assertEqual(user["instructor_id"][ID_OF], self.paths["users.Instructor"])
        self.assertEqual(user["parent_id"][ID_OF], self.paths["users.Parent"])
        self.assertEqual(user["student_id"][ID_OF], self.paths["users.StudentUser"])
        self.assertIn("code", user)

    def test_the_dashboards_references_have_one_shape(self):
        components = self.schema["components"]["schemas"]
        lecture = components["DashboardLecture"]["properties"]
        staff = components["DashboardStaffRow"]["properties"]
        self.assertEqual(lecture["course"]["$ref"], "#/components/schemas/CourseRef")
        self.assertEqual(staff["course"]["allOf"][0]["$ref"], "#/components/schemas/CourseRef")
        self.assertEqual(staff["lecture"]["allOf"][0]["$ref"], "#/components/schemas/LectureRef")
        self.assertEqual(
            set(components["LectureRef"]["properties"]), set(components["CourseRef"]["properties"])
        )
        self.assertIn("unmarked", components["DashboardCounts"]["properties"])

    def _operations(self):
        for operations in self.schema["paths"].values():
            yield from operations.values()


def _resolve(schema: dict, components: dict) -> dict:
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def references_in(data, schema: dict, components: dict):
    """(x-id-of, id, field name, the object holding it) of every marked id in ``data``."""
    schema = _resolve(schema, components)
    if isinstance(data, list):
        for item in data:
            yield from references_in(item, schema.get("items", {}), components)
    elif isinstance(data, dict):
        for name, value in data.items():
            prop = (schema.get("properties") or {}).get(name)
            if prop is None or value is None:
                continue
            target = _integer_target(_resolve(prop, components))
            if target is not None and ID_OF in target:
                for one in value if isinstance(value, list) else [value]:
                    yield target[ID_OF], one, name, data
            else:
                yield from references_in(value, prop, components)


# The demo data on the real clock; the admin reads every list.
class ReferencesInRealAnswersTests(APITestCase):
    LISTS = (
        "/api/courses/",
        "/api/lectures/",
        "/api/children/",
        "/api/enrollment-requests/",
        "/api/enrollments/",
        "/api/payments/",
        "/api/refund-requests/",
        "/api/attendance/",
        "/api/instructor-attendance/",
        "/api/instructor-ratings/",
        "/api/exams/",
        "/api/supervisor-shifts/",
        "/api/parent-links/",
        "/api/dashboard/",
        "/api/landing/",
    )

    @classmethod
    def setUpTestData(cls):
        # Users without a profile first, so that no profile's id equals its user's id by
        # chance: a user id under an instructor's name would not resolve to the same person.
        for n in range(7):
            CustomUser.objects.create_user(phone_number1=f"+2011000000{n:02d}", password="x")
        seed_demo()
        cls.admin = CustomUser.objects.get(phone_number1=people.ADMIN_PHONE)
        schema, _ = _schema_and_paths()
        cls.schema = schema
        cls.components = schema["components"]["schemas"]

    def _response_schema(self, path: str) -> dict:
        operation = self.schema["paths"][path]["get"]
        return operation["responses"]["200"]["content"]["application/json"]["schema"]

    def _get(self, path: str):
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200, f"{path}: {response.content[:300]}")
        return response.json()

    def _open(self, id_of: str, value: int, holder: dict) -> dict:
        if id_of == PARTICIPANT:
            id_of = PARTICIPANT_PATHS[holder["type"]]
        return self._get(id_of.replace("{id}", str(value)))

    def test_every_reference_in_the_answers_opens_its_endpoint(self):
        self.client.force_authenticate(self.admin)
        checked: dict[str, int] = {}
        for path in self.LISTS:
            data = self._get(path)
            for id_of, value, name, holder in references_in(
                data, self._response_schema(path), self.components
            ):
                opened = self._open(id_of, value, holder)
                self.assertEqual(opened["id"], value, f"{path}: {id_of}")
                if name == "id" and "name" in holder:
                    # A nested {id, name}: the name the object's endpoint gives.
                    self.assertIn(
                        opened.get("full_name") or opened.get("name") or opened.get("title"),
                        {holder["name"], None},
                    )
                checked[id_of] = checked.get(id_of, 0) + 1
        for endpoint in (
            "/api/instructors/{id}/",
            "/api/courses/{id}/",
            "/api/children/{id}/",
            "/api/parents/{id}/",
            "/api/enrollments/{id}/",
            "/api/lectures/{id}/",
            "/auth/users/{id}/",
        ):
            self.assertGreater(checked.get(endpoint, 0), 0, f"no {endpoint} reference seen")

    def test_a_lectures_instructor_is_the_instructor_not_the_user(self):
        self.client.force_authenticate(self.admin)
        lecture = Lecture.objects.select_related("instructor").first()
        self.assertNotEqual(lecture.instructor.pk, lecture.instructor.user_id)
        answer = self._get(f"/api/lectures/{lecture.pk}/")
        self.assertEqual(answer["instructor"], lecture.instructor.pk)
        course = Course.objects.filter(instructor__isnull=False).first()
        listed = self._get(f"/api/courses/?instructor={course.instructor_id}")
        self.assertIn(course.pk, [row["id"] for row in listed["results"]])
        for row in listed["results"]:
            self.assertEqual(row["instructor"], course.instructor_id)

    def test_me_names_each_roles_profile(self):
        for phone, key, label in (
            (people.INSTRUCTOR_PHONE, "instructor_id", "instructor_profile"),
            (people.PARENT_PHONE, "parent_id", "parent_profile"),
            (people.STUDENT_PHONE, "student_id", "student_profile"),
        ):
            user = CustomUser.objects.get(phone_number1=phone)
            self.client.force_authenticate(user)
            me = self._get("/auth/users/me/")
            self.assertEqual(me[key], getattr(user, label).pk)
            others = {"instructor_id", "parent_id", "student_id"} - {key}
            self.assertEqual({name: me[name] for name in others}, dict.fromkeys(others))
            if key == "student_id":
                self.assertEqual(me["code"], user.student_profile.code)

    def test_a_childs_primary_parent_is_a_parent_with_its_name(self):
        parent_user = CustomUser.objects.get(phone_number1=people.PARENT_PHONE)
        child = Child.objects.filter(primary_parent=parent_user.parent_profile).first()
        self.client.force_authenticate(parent_user)
        answer = self._get(f"/api/children/{child.pk}/")
        self.assertEqual(answer["primary_parent"], parent_user.parent_profile.pk)
        self.assertEqual(
            answer["primary_parent_detail"],
            {"id": parent_user.parent_profile.pk, "name": parent_user.get_full_name()},
        )


def test_reference_components_are_named_for_clients():
    schema, _ = _schema_and_paths()
    names = set(schema["components"]["schemas"])
    for name in ("UserRef", "ParentRef", "InstructorRef", "ChildRef", "CourseRef", "LectureRef"):
        assert name in names
    assert all(re.fullmatch(r"[A-Za-z0-9]+", name) for name in names)

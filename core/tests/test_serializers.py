"""core.serializers.FieldsOnceMixin: an output serializer's fields are built once per class."""

from __future__ import annotations

from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase
from rest_framework import serializers

from core.serializers import FieldsOnceMixin


class Slot(serializers.Serializer):
    day = serializers.IntegerField(read_only=True)


class Lesson(serializers.Serializer):
    title = serializers.CharField(read_only=True)
    room = serializers.CharField(source="place.name", read_only=True)
    slots = Slot(many=True, read_only=True)


class SharedLesson(FieldsOnceMixin, Lesson):
    pass


def a_lesson() -> dict:
    return {"title": "Tajweed", "place": {"name": "Room 3"}, "slots": [{"day": 0}, {"day": 5}]}


class FieldsOnceMixinTests(SimpleTestCase):
    def test_it_renders_exactly_what_the_plain_serializer_renders(self):
        lessons = [a_lesson(), {**a_lesson(), "title": "Fiqh", "slots": []}]

        self.assertEqual(SharedLesson(lessons, many=True).data, Lesson(lessons, many=True).data)
        self.assertEqual(SharedLesson(lessons[0]).data, Lesson(lessons[0]).data)

    def test_every_instance_shares_the_fields_built_once(self):
        class Fresh(FieldsOnceMixin, Lesson):
            pass

        with mock.patch.object(Lesson, "get_fields", wraps=Fresh().get_fields) as get_fields:
            first, second = Fresh(a_lesson()), Fresh(a_lesson())
            first.data, second.data  # noqa: B018 - renders both

        self.assertIs(first.fields, second.fields)
        self.assertEqual(get_fields.call_count, 1)

    def test_each_subclass_builds_its_own_fields(self):
        class WithTeacher(SharedLesson):
            teacher = serializers.CharField(read_only=True)

        self.assertNotIn("teacher", SharedLesson().fields)
        self.assertIn("teacher", WithTeacher().fields)

    def test_it_refuses_a_writable_field(self):
        class Writable(FieldsOnceMixin, serializers.Serializer):
            title = serializers.CharField()

        with self.assertRaisesMessage(ImproperlyConfigured, "these are not: title"):
            Writable({"title": "x"}).data  # noqa: B018 - builds the fields

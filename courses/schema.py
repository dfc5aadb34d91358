"""OpenAPI names for our ``status`` choice sets.

Several models have a ``status`` field with different choices; drf-spectacular would warn
and invent hashed enum names. These extensions publish ``CourseStatusEnum`` and
``LectureStatusEnum`` as named components instead (loaded from CoursesConfig.ready)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent

from courses.models import CourseStatus, LectureStatus


class _NamedEnumExtension(OpenApiSerializerFieldExtension):
    enum_name = ""
    values: list[str] = []

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name=self.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=self.enum_name,
            schema={"type": "string", "enum": list(self.values)},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class CourseStatusFieldExtension(_NamedEnumExtension):
    target_class = "courses.serializers.CourseStatusField"
    enum_name = "CourseStatusEnum"
    values = CourseStatus.values


class LectureStatusFieldExtension(_NamedEnumExtension):
    target_class = "courses.serializers.LectureStatusField"
    enum_name = "LectureStatusEnum"
    values = LectureStatus.values

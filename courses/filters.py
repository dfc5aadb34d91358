"""Query-string filters. Ids are plain numbers (no lookup query of their own)."""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from courses.models import Audience, CourseRating, CourseStatus, ExamKind, LectureStatus

_MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": _MAX_ID})
class IdFilter(filters.Filter):
    """An integer id within the database's range: ``1.5``, ``abc`` or ``10**25`` → 400.

    (NumberFilter takes decimals, and an id too large for a 64-bit column makes SQLite raise
    OverflowError — a 500.)"""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", _MAX_ID)
        super().__init__(*args, **kwargs)


class CourseFilter(filters.FilterSet):
    season = IdFilter(field_name="season_id")
    tag = IdFilter(field_name="tags__id")
    instructor = IdFilter(field_name="instructor_id")
    audience = filters.ChoiceFilter(choices=Audience.choices)
    status = filters.ChoiceFilter(choices=CourseStatus.choices)


class LectureFilter(filters.FilterSet):
    course = IdFilter(field_name="course_id")
    date = filters.DateFilter(field_name="date")
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="date", lookup_expr="lte")
    status = filters.ChoiceFilter(choices=LectureStatus.choices)
    instructor = IdFilter(field_name="instructor_id")


class ExamFilter(filters.FilterSet):
    course = IdFilter(field_name="course_id")
    kind = filters.ChoiceFilter(choices=ExamKind.choices)


class CourseRatingFilter(filters.FilterSet):
    course = IdFilter(field_name="course_id")
    online_course = IdFilter(field_name="online_course_id")
    child = IdFilter(field_name="child_id")
    student = IdFilter(field_name="student_id")

    class Meta:
        model = CourseRating
        fields = ["course", "online_course", "child", "student"]

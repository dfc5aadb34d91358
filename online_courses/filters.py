"""Query-string filters of the online-course catalogue."""

from django_filters import rest_framework as filters

from courses.filters import IdFilter
from courses.models import Audience, CourseStatus


class OnlineCourseFilter(filters.FilterSet):
    instructor = IdFilter(field_name="instructor_id")
    audience = filters.ChoiceFilter(choices=Audience.choices)
    status = filters.ChoiceFilter(choices=CourseStatus.choices)
    sequential = filters.BooleanFilter()

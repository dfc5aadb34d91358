"""Query-string filters of the staff side of attendance."""

from django_filters import rest_framework as filters

from attendance.models import InstructorAttendanceStatus
from courses.filters import IdFilter


class InstructorAttendanceFilter(filters.FilterSet):
    instructor = IdFilter(field_name="instructor_id")
    date = filters.DateFilter(field_name="date")
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="date", lookup_expr="lte")
    status = filters.ChoiceFilter(choices=InstructorAttendanceStatus.choices)
    lecture = IdFilter(field_name="lecture_id")
    shift = IdFilter(field_name="shift_id")


class SupervisorShiftFilter(filters.FilterSet):
    supervisor = IdFilter(field_name="supervisor_id")
    weekday = filters.NumberFilter(field_name="weekday")
    is_active = filters.BooleanFilter(field_name="is_active")

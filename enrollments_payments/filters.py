"""Query-string filters of the enrollment, payment and refund lists."""

from django_filters import rest_framework as filters

from courses.filters import IdFilter
from enrollments_payments.models import (
    EnrollmentRequest,
    EnrollmentStatus,
    PaymentMethod,
    PaymentStatus,
    RefundStatus,
    RequestStatus,
)


class EnrollmentRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    course = IdFilter(field_name="course_id")
    online_course = IdFilter(field_name="online_course_id")
    child = IdFilter(field_name="child_id")
    student = IdFilter(field_name="student_id")

    class Meta:
        model = EnrollmentRequest
        fields = ["status", "course", "online_course", "child", "student"]


class EnrollmentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=EnrollmentStatus.choices)
    course = IdFilter(field_name="course_id")
    online_course = IdFilter(field_name="online_course_id")
    season = IdFilter(field_name="course__season_id")
    child = IdFilter(field_name="child_id")
    student = IdFilter(field_name="student_id")


class PaymentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PaymentStatus.choices)
    method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    enrollment = IdFilter(field_name="enrollment_id")
    course = IdFilter(field_name="enrollment__course_id")
    online_course = IdFilter(field_name="enrollment__online_course_id")
    paid_after = filters.DateFilter(field_name="paid_at", lookup_expr="date__gte")
    paid_before = filters.DateFilter(field_name="paid_at", lookup_expr="date__lte")


class RefundFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RefundStatus.choices)
    enrollment = IdFilter(field_name="enrollment_id")
    course = IdFilter(field_name="enrollment__course_id")
    online_course = IdFilter(field_name="enrollment__online_course_id")

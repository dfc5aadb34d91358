"""Helpers for online-course enrollment tests: requests and approvals made through the
services the API uses."""

from __future__ import annotations

from decimal import Decimal

from enrollments_payments import payment_services, services
from enrollments_payments.models import Enrollment, EnrollmentRequest
from enrollments_payments.tests.factories import NOW
from online_courses.models import OnlineCourse
from users.models import Child, StudentUser
from users.tests.factories import make_admin


def request_online(
    *, participant: Child | StudentUser, online_course: OnlineCourse, now=NOW
) -> EnrollmentRequest:
    if isinstance(participant, Child):
        return services.enrollment_request_create(
            actor=participant.primary_parent.user,
            online_course=online_course,
            child=participant,
            now=now,
        )
    return services.enrollment_request_create(
        actor=participant.user, online_course=online_course, now=now
    )


def enrol_online(
    *,
    participant: Child | StudentUser,
    online_course: OnlineCourse,
    admin=None,
    now=NOW,
    paid: str | None = None,
) -> Enrollment:
    request = request_online(participant=participant, online_course=online_course, now=now)
    payment = payment_services.PaymentInput(amount=Decimal(paid), method="cash") if paid else None
    return services.enrollment_request_approve(
        request=request, actor=admin or make_admin(), payment=payment, now=now
    )

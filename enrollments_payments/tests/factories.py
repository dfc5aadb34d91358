"""Enrollment test data, made through the services the API uses."""

from __future__ import annotations

import datetime
from decimal import Decimal

from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, LectureFactory
from enrollments_payments import payment_services, services
from enrollments_payments.models import Enrollment, EnrollmentRequest
from users.models import Child, CustomUser, StudentUser
from users.tests.factories import make_admin

# "Now" for these tests: the CourseFactory course runs 1–30 November 2026.
NOW = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=CENTER_TZ)


def make_lectures(course, dates_times) -> list:
    """Lectures of ``course`` at (date, start hour) pairs, numbered in order."""
    return [
        LectureFactory(
            course=course,
            number=i + 1,
            date=day,
            start_time=datetime.time(hour, 0),
            end_time=datetime.time(hour + 1, 0),
        )
        for i, (day, hour) in enumerate(dates_times)
    ]


def make_request(
    *, participant: Child | StudentUser, course=None, now=NOW, note: str = ""
) -> EnrollmentRequest:
    course = course or CourseFactory()
    if isinstance(participant, Child):
        actor: CustomUser = participant.primary_parent.user
        return services.enrollment_request_create(
            actor=actor, course=course, child=participant, note=note, now=now
        )
    return services.enrollment_request_create(
        actor=participant.user, course=course, note=note, now=now
    )


def make_enrollment(
    *, participant: Child | StudentUser, course=None, admin=None, now=NOW, paid: str | None = None
) -> Enrollment:
    request = make_request(participant=participant, course=course, now=now)
    payment = payment_services.PaymentInput(amount=Decimal(paid), method="cash") if paid else None
    return services.enrollment_request_approve(
        request=request, actor=admin or make_admin(), payment=payment, now=now
    )

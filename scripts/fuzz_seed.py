"""Data for the fuzz run (scripts/fuzz.py), on top of ``seed_demo``: every demo persona
gets rows of its own, so the fuzzer's requests reach more than empty lists and 404s.

- the parent: a child enrolled in the children's course (paid, a refund asked, a lecture
  marked, an exam result), the other child with a pending request;
- the student: enrolled in the adults' course, a pending request for calligraphy;
- the instructor: the courses' instructor, with this week's instructor-attendance rows;
- the supervisor: a weekly supervision shift;
- the admin: an attendance device (its key goes to the ``device`` role), job logs.

Prints one JSON object: ``{"device_key": "..."}``. Safe to run again (a second run only
gives the device a new key). Runs in the server's environment:

    DJANGO_SETTINGS_MODULE=Redwan_courses_center.settings python scripts/fuzz_seed.py
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance import device_services, shift_services  # noqa: E402
from attendance.cron import generate_instructor_attendance_weekly  # noqa: E402
from attendance.job_services import today_in_cairo  # noqa: E402
from attendance.models import Device  # noqa: E402
from attendance.submission import attendance_submit  # noqa: E402
from courses import exam_services  # noqa: E402
from courses.models import Course  # noqa: E402
from enrollments_payments import payment_services, services  # noqa: E402
from users import demo  # noqa: E402
from users.models import CustomUser  # noqa: E402

DEVICE_NAME = "fuzz gate"


def _user(phone: str) -> CustomUser:
    return CustomUser.objects.get(phone_number1=phone)


@transaction.atomic
def seed() -> str:
    """The rows above; returns a fresh key of the fuzz device."""
    device = Device.objects.filter(name=DEVICE_NAME).first()
    if device is not None:
        return device_services.device_rotate_key(device=device).key
    now = timezone.now()
    admin, parent, student = (
        _user(demo.ADMIN_PHONE),
        _user(demo.PARENT_PHONE),
        _user(demo.STUDENT_PHONE),
    )
    instructor, supervisor = _user(demo.INSTRUCTOR_PHONE), _user(demo.SUPERVISOR_PHONE)
    kids = Course.objects.get(slug="quran-kids")
    adults = Course.objects.get(slug="arabic-adults")
    calligraphy = Course.objects.get(slug="calligraphy-all")
    older, younger = parent.parent_profile.primary_children.order_by("dob")
    # seed_demo's student has no date of birth, and an unknown age fails the adults'
    # course's age limit.
    CustomUser.objects.filter(pk=student.pk, dob__isnull=True).update(dob=date(2000, 5, 1))

    # The older child: enrolled, paid, a refund asked for.
    request = services.enrollment_request_create(actor=parent, course=kids, child=older, now=now)
    enrollment = services.enrollment_request_approve(request=request, actor=admin, now=now)
    payment_services.payment_record(
        enrollment=enrollment,
        actor=admin,
        data=payment_services.PaymentInput(amount=Decimal("200.00"), method="cash"),
        now=now,
    )
    payment_services.refund_request_create(
        enrollment=enrollment, actor=parent, amount=Decimal("50.00"), reason="fuzz"
    )
    # The younger child and the student: a pending request each; the student enrolled.
    services.enrollment_request_create(actor=parent, course=calligraphy, child=younger, now=now)
    request = services.enrollment_request_create(actor=student, course=adults, now=now)
    services.enrollment_request_approve(request=request, actor=admin, now=now)
    services.enrollment_request_create(actor=student, course=calligraphy, now=now)

    # A marked lecture (history and progress have something to show) and an exam result.
    lecture = kids.lectures.filter(date__lte=today_in_cairo(now=now)).order_by("date").last()
    if lecture is not None:
        attendance_submit(
            lecture=lecture,
            actor=admin,
            records=[{"child": older.pk, "present": True, "rating": 9}],
            now=now,
        )
    exam = exam_services.exam_create(
        actor=instructor,
        course=kids,
        title="Fuzz exam",
        total_marks=Decimal("100"),
        pass_mark=Decimal("50"),
        kind="quiz",
    )
    exam_services.exam_result_save(exam=exam, marks=Decimal("80"), child=older, entered_by=admin)

    shift_services.supervisor_shift_create(
        supervisor=supervisor.instructor_profile,
        weekday=0,
        start_time=time(16),
        end_time=time(20),
    )
    return device_services.device_create(name=DEVICE_NAME, kind="fingerprint").key


if __name__ == "__main__":
    key = seed()
    # This week's instructor-attendance rows, and a job log for the admin to read.
    generate_instructor_attendance_weekly()
    sys.stdout.write(json.dumps({"device_key": key}) + "\n")

"""Benchmark of enrolment approval (SPEC §9): a course with 200 lectures.

Builds a throwaway test database (PostgreSQL when DATABASE_URL is set; SQLite otherwise,
for a quick look), makes courses with 20 and with 200 future lectures and approves one
pending request for each, twice per size: through ``enrollment_request_approve`` (the
service) and through ``POST /api/enrollment-requests/{id}/approve/`` with a first payment
(the whole request). For each it reports the statements, how many of them insert
attendance rows, the rows created and the time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench .venv/bin/python benchmarks/approval.py

Budget: the attendance rows of an approval are written by exactly one INSERT, and the
statement count does not depend on the number of lectures. Exits non-zero when broken.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.database import throwaway_database  # noqa: E402
from benchmarks.results import Recorder  # noqa: E402

SIZES = (20, 200)
START = datetime.date(2030, 1, 5)
# Before the first lecture: every lecture is in the future, so every one gets a row.
NOW = datetime.datetime(2030, 1, 1, 9, tzinfo=datetime.UTC)


def course_with_lectures(count: int):
    from courses.models import Lecture
    from courses.tests.factories import CourseFactory

    course = CourseFactory(
        start_date=START, end_date=START + datetime.timedelta(days=count), capacity=50
    )
    Lecture.objects.bulk_create(
        Lecture(
            course=course,
            number=n + 1,
            date=START + datetime.timedelta(days=n),
            start_time=datetime.time(17),
            end_time=datetime.time(18),
            instructor=course.instructor,
        )
        for n in range(count)
    )
    return course


def pending_request(course):
    from enrollments_payments import services
    from users.tests.factories import make_child, make_parent

    parent = make_parent()
    return services.enrollment_request_create(
        actor=parent.user, course=course, child=make_child(parent), now=NOW
    )


def measure(approve) -> dict:
    """Statements, attendance INSERTs and milliseconds of one ``approve()`` call."""
    from attendance.models import LectureAttendance

    table = LectureAttendance._meta.db_table
    before = LectureAttendance.objects.count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        approve()
        elapsed = time.perf_counter() - started
    inserts = [q for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"')]
    return {
        "statements": len(queries),
        "attendance_inserts": len(inserts),
        "rows": LectureAttendance.objects.count() - before,
        "ms": elapsed * 1000,
    }


def service_approval(course, admin) -> dict:
    from enrollments_payments import services

    request = pending_request(course)
    return measure(
        lambda: services.enrollment_request_approve(request=request, actor=admin, now=NOW)
    )


def api_approval(course, admin) -> dict:
    import time_machine
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin)
    request = pending_request(course)
    body = {"payment": {"amount": "100.00", "method": "cash"}}

    def approve():
        response = client.post(
            f"/api/enrollment-requests/{request.pk}/approve/", body, format="json"
        )
        assert response.status_code == 200, response.content

    with time_machine.travel(NOW, tick=True):
        return measure(approve)


def main() -> int:
    from users.tests.factories import make_admin

    record = Recorder.from_argv("approval")
    results = []
    with throwaway_database():
        admin = make_admin()
        api_approval(course_with_lectures(1), admin)  # warm-up: URLconf, serializers
        for size in SIZES:
            course = course_with_lectures(size)
            results.append(("service", size, service_approval(course, admin)))
            results.append(("API + payment", size, api_approval(course, admin)))

    print(f"database: {connection.vendor}")
    print("| approval | lectures | statements | attendance INSERTs | rows created | ms |")
    print("|---|---|---|---|---|---|")
    problems = []
    for how, size, result in results:
        print(
            f"| {how} | {size} | {result['statements']} | {result['attendance_inserts']} "
            f"| {result['rows']} | {result['ms']:.1f} |"
        )
        one_insert = result["attendance_inserts"] == 1 and result["rows"] == size
        if not one_insert:
            problems.append(f"{how}, {size} lectures: {result['attendance_inserts']} INSERTs")
        if size == SIZES[-1]:
            record.add(
                f"{how}: attendance INSERTs for {size} lectures ({result['rows']} rows)",
                result["attendance_inserts"],
                "statements",
                budget="1 bulk insert",
                passed=one_insert,
            )
            record.add(f"{how}, {size} lectures: time", result["ms"], "ms")
    for how in ("service", "API + payment"):
        counts = [r["statements"] for h, _s, r in results if h == how]
        same = len(set(counts)) == 1
        if not same:
            problems.append(f"{how}: statements grow with lectures {counts}")
        record.add(
            f"{how}: statements for {SIZES[-1]} lectures (vs {SIZES[0]}: {counts[0]})",
            counts[-1],
            "statements",
            budget=f"same as for {SIZES[0]} lectures",
            passed=same,
        )
    print("\nOK" if not problems else "\nbudget broken: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

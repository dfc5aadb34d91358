"""CPU cost of the reports of SPEC §6.6, against a course-list request measured beside it.

Builds a throwaway test database (PostgreSQL when DATABASE_URL is set, SQLite otherwise)
with 20 published courses, one of them with 100 enrolled children and 10 lectures, every
roster row marked (present or absent, a rating on the present ones), a month of
instructor attendance and a season of payments; then sends each report below through
Django's test client as an admin (Bearer token) and reports the CPU time of this process
per request (``time.process_time``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench .venv/bin/python benchmarks/reports.py

The reference is ``GET /api/courses/?page_size=20`` (anonymous, 20 courses): an ordinary
list request of the API. Each report is warmed up, then measured in rounds of about
``--round-seconds`` of CPU time, each round followed by a round of the reference of the
same length (benchmarks/request_cpu.py); the figure judged is the median over the rounds of (the report's CPU per
request / the reference's). Budgets (``Case.budget``, chosen in benchmarks/README.md):

- the course attendance report, 100 participants × 10 lectures: JSON, CSV and XLSX
- the instructor attendance report of the month, and the finance report of the season

Also printed, never judged: CPU milliseconds, SQL statements and wall time per request.
Options: ``--json PATH`` appends one JSON object per measure (benchmarks/results.py);
``--profile`` prints each case's hottest functions. Exits 1 over budget.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import warnings
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from benchmarks.database import analyze, throwaway_database  # noqa: E402
from benchmarks.request_cpu import Case, Rounds, measure, print_table, record  # noqa: E402
from benchmarks.results import Recorder, add_json_argument  # noqa: E402

COURSES = 20
PARTICIPANTS = 100
LECTURES = 10
ROUNDS = 3
# Report CPU per request / the course list's; why these budgets: benchmarks/README.md.
COURSE_BUDGET = 4.0
COURSE_XLSX_BUDGET = 8.0
INSTRUCTOR_BUDGET = 3.0
FINANCE_BUDGET = 5.0
REFERENCE_PATH = "/api/courses/?page_size=20"
MONTH = "2026-11"


def fill() -> dict:
    """20 courses of one season; the first with 100 children × 10 lectures, all marked
    (80 present with a rating, 20 absent), half of them paid; an instructor row per
    lecture. Rows are inserted in bulk: the benchmark is the report, not the set-up."""
    from attendance.models import LectureAttendance
    from attendance.tests.factories import LectureRowFactory
    from courses.rules import CENTER_TZ
    from courses.tests.factories import CourseFactory, SeasonFactory
    from enrollments_payments.models import Enrollment, Payment
    from enrollments_payments.tests.factories import make_lectures
    from users.models import Child
    from users.tests.factories import make_admin, make_parent

    at = datetime.datetime
    season = SeasonFactory()
    courses = [CourseFactory(season=season) for _ in range(COURSES)]
    big = courses[0]
    lectures = make_lectures(big, [(datetime.date(2026, 11, 11 + d), 17) for d in range(LECTURES)])
    parent = make_parent()
    admin = make_admin()
    Child.objects.bulk_create(
        Child(
            first_name="طفل",
            last_name=str(i),
            dob=datetime.date(2016, 5, 1),
            gender="male",
            code=f"B{i:05d}",
            primary_parent=parent,
        )
        for i in range(PARTICIPANTS)
    )
    children = list(Child.objects.order_by("pk"))
    enrolled_at = at(2026, 11, 1, 10, tzinfo=CENTER_TZ)
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(course=big, child=child, price=big.price, enrolled_at=enrolled_at)
        for child in children
    )
    Payment.objects.bulk_create(
        Payment(
            enrollment=enrollment,
            amount=Decimal("100.00"),
            method="cash",
            received_by=admin,
            paid_at=enrolled_at,
        )
        for enrollment in enrollments[::2]
    )
    LectureAttendance.objects.bulk_create(
        LectureAttendance(
            lecture=lecture,
            child=child,
            present=i < 80,
            rating=Decimal("8.00") if i < 80 else None,
            source="admin",
            marked_by=admin,
            marked_at=at.combine(lecture.date, datetime.time(17, 5), tzinfo=CENTER_TZ),
        )
        for lecture in lectures
        for i, child in enumerate(children)
    )
    for lecture in lectures:
        LectureRowFactory(
            lecture=lecture,
            status="late",
            check_in_at=at.combine(lecture.date, datetime.time(17, 12), tzinfo=CENTER_TZ),
            rating=7,
        )
    return {"admin": admin, "big": big, "season": season}


def cases(data: dict) -> list[Case]:
    from rest_framework_simplejwt.tokens import AccessToken

    token = str(AccessToken.for_user(data["admin"]))
    base = f"/api/reports/courses/{data['big'].pk}/attendance/"
    return [
        Case("course attendance, 100 × 10, JSON", base, COURSE_BUDGET, token),
        Case("course attendance, 100 × 10, CSV", base + "?format=csv", COURSE_BUDGET, token),
        Case("course attendance, 100 × 10, XLSX", base + "?format=xlsx", COURSE_XLSX_BUDGET, token),
        Case(
            "instructor attendance of a month, XLSX",
            f"/api/reports/instructor-attendance/?month={MONTH}&format=xlsx",
            INSTRUCTOR_BUDGET,
            token,
        ),
        Case(
            "finance of a season (20 courses), XLSX",
            f"/api/reports/finance/?season={data['season'].pk}&format=xlsx",
            FINANCE_BUDGET,
            token,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_json_argument(parser)
    parser.add_argument(
        "--round-seconds", type=float, default=0.2, help="CPU seconds per round (default 0.2)"
    )
    parser.add_argument("--profile", action="store_true", help="print each case's hot spots")
    args = parser.parse_args(argv)

    rounds = Rounds(count=ROUNDS, seconds=args.round_seconds, warmup=5, calibration=3)
    with throwaway_database():
        data = fill()
        analyze()
        results = [
            measure(case, REFERENCE_PATH, rounds, profile=args.profile) for case in cases(data)
        ]

    print(f"database: {connection.vendor}; load average: {os.getloadavg()[0]:.2f}")
    failures = print_table(results, what="report", reference="course list")
    record(
        Recorder("reports", args.json),
        results,
        per="the course list's",
        reference="course list, page of 20: CPU per request (median)",
    )
    print("\nOK" if not failures else f"\n{failures} budget(s) broken")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

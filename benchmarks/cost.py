"""CPU cost per request in-process, against a reference request measured beside it.

Builds a throwaway test database (PostgreSQL when DATABASE_URL is set, like the other
benchmarks; SQLite otherwise, for a quick look) with 200 published courses (two weekly
slots and two tags each, 2,000 lectures in all, one course with 100), then sends each
request below through Django's test client — the whole middleware stack, JWT
authentication, the view, the serializer and the JSON renderer — and reports the CPU time
of this process per request (``time.process_time``): Python and the database driver, not
PostgreSQL's own work and not opening a connection (the test client keeps the connection
between requests, as a server with connection reuse does).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench .venv/bin/python benchmarks/cost.py

The reference is ``GET /healthz/`` through the same kind of client in the same process:
the middleware stack and a JSON answer, no database, no DRF. Each case is warmed up, then
measured in rounds of about ``--round-seconds`` of CPU time, each round followed by a
round of the reference of the same length (benchmarks/request_cpu.py); the figure judged
is the median over the rounds of (the case's CPU per request / the reference's). A busy
or slow machine slows both alike, so the ratio holds where milliseconds do not. Budgets
(``Case.budget``, chosen in benchmarks/README.md):

- ``GET /api/courses/?page_size=20`` (anonymous, 200 courses in the database)
- ``GET /api/courses/{id}/`` (anonymous)
- ``GET /api/lectures/?course={id}&page_size=100`` (an admin, Bearer token)

Also printed, never judged: the CPU milliseconds themselves, the SQL statements per
request, the wall time per request, and what opening a new database connection costs
(what ``CONN_MAX_AGE=0`` paid on every request).

Options: ``--json PATH`` appends one JSON object per measure (the benchmarks' common
format); ``--profile`` prints each case's hottest functions (cProfile). Exits 1 over
budget.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings_test")
# WhiteNoise warns that collectstatic has not run; static files play no part here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from benchmarks.database import analyze, throwaway_database  # noqa: E402
from benchmarks.request_cpu import Case, Rounds, measure, print_table, record  # noqa: E402
from benchmarks.results import Recorder, add_json_argument  # noqa: E402

COURSES = 200
LECTURES_PER_COURSE = 10
BIG_COURSE_LECTURES = 100
ROUNDS = 7
# CPU per request / the reference's. Measured (medians, loads of 1-20): course list
# 18-27x, course 11-15x, 100 lectures 30-46x; the ratio of one case moves by a quarter
# between two CI runs on the same quiet machine, so the budgets are about 1.5x the
# highest median seen: benchmarks/README.md.
LIST_BUDGET, DETAIL_BUDGET, LECTURES_BUDGET = 40.0, 25.0, 70.0
REFERENCE_PATH = "/healthz/"


def fill() -> dict:
    """200 published courses (2 slots, 2 tags each), 10 lectures each, one with 100."""
    from courses.models import Course, CourseSchedule, Lecture
    from courses.tests.factories import CourseFactory, SeasonFactory, TagFactory
    from users.tests.factories import make_admin, make_instructor

    season = SeasonFactory()
    tags = [TagFactory() for _ in range(10)]
    instructors = [make_instructor() for _ in range(20)]
    courses = [
        CourseFactory(
            season=season,
            instructor=instructors[i % len(instructors)],
            description="وصف الدورة " * 10,
            location=f"Room {i % 7}",
            start_date=datetime.date(2026, 9, 5) + datetime.timedelta(days=i % 30),
            end_date=datetime.date(2027, 6, 30),
        )
        for i in range(COURSES)
    ]
    Course.tags.through.objects.bulk_create(
        Course.tags.through(course_id=course.pk, tag_id=tags[(i + k) % len(tags)].pk)
        for i, course in enumerate(courses)
        for k in range(2)
    )
    CourseSchedule.objects.bulk_create(
        CourseSchedule(
            course=course,
            weekday=(i + k * 3) % 7,
            start_time=datetime.time(9 + 2 * k),
            end_time=datetime.time(10 + 2 * k, 30),
        )
        for i, course in enumerate(courses)
        for k in range(2)
    )
    big = courses[0]
    lectures = []
    for course in courses:
        count = BIG_COURSE_LECTURES if course is big else LECTURES_PER_COURSE
        lectures += [
            Lecture(
                course=course,
                number=n,
                title=f"Lecture {n}",
                date=course.start_date + datetime.timedelta(days=3 * n),
                start_time=datetime.time(9),
                end_time=datetime.time(10, 30),
                instructor=course.instructor,
            )
            for n in range(1, count + 1)
        ]
    Lecture.objects.bulk_create(lectures, batch_size=500)
    return {"admin": make_admin(), "big": big, "detail": courses[COURSES // 2]}


def cases(data: dict) -> list[Case]:
    from rest_framework_simplejwt.tokens import AccessToken

    admin_token = str(AccessToken.for_user(data["admin"]))
    return [
        Case("course list, page of 20 of 200", "/api/courses/?page_size=20", LIST_BUDGET),
        Case("course detail", f"/api/courses/{data['detail'].pk}/", DETAIL_BUDGET),
        Case(
            "lecture list, page of 100",
            f"/api/lectures/?course={data['big'].pk}&page_size=100",
            LECTURES_BUDGET,
            token=admin_token,
        ),
    ]


def new_connection_ms() -> tuple[float, float]:
    """(wall ms, CPU ms) to open a connection and run one statement: what every request
    paid with ``CONN_MAX_AGE=0``. Median of 20."""
    walls, cpus = [], []
    for _ in range(20):
        connection.close()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        walls.append((time.perf_counter() - wall0) * 1000)
        cpus.append((time.process_time() - cpu0) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_json_argument(parser)
    parser.add_argument(
        "--round-seconds", type=float, default=0.4, help="CPU seconds per round (default 0.4)"
    )
    parser.add_argument("--profile", action="store_true", help="print each case's hot spots")
    args = parser.parse_args(argv)

    rounds = Rounds(count=ROUNDS, seconds=args.round_seconds, warmup=20, calibration=10)
    with throwaway_database():
        data = fill()
        analyze()
        results = [
            measure(case, REFERENCE_PATH, rounds, profile=args.profile) for case in cases(data)
        ]
        connect = new_connection_ms()

    print(f"database: {connection.vendor}; load average: {os.getloadavg()[0]:.2f}")
    failures = print_table(results, what="request", reference=REFERENCE_PATH)
    print(
        f"\nopening a {connection.vendor} connection + one statement: {connect[0]:.2f} ms wall, "
        f"{connect[1]:.2f} ms CPU here (paid by every request with CONN_MAX_AGE=0)"
    )
    recorder = Recorder("cost", args.json)
    record(
        recorder,
        results,
        per=REFERENCE_PATH,
        reference=f"{REFERENCE_PATH}: CPU per request (median over the cases)",
    )
    recorder.add(f"opening a {connection.vendor} connection (wall)", connect[0], "ms")
    print("\nOK" if not failures else f"\n{failures} budget(s) broken")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

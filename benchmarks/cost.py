"""CPU cost per request in-process (issue #12, point 4).

Builds a throwaway test database (PostgreSQL when DATABASE_URL is set, like the other
benchmarks; SQLite otherwise, for a quick look) with 200 published courses (two weekly
slots and two tags each, 2,000 lectures in all, one course with 100), then sends each
request below through Django's test client — the whole middleware stack, JWT
authentication, the view, the serializer and the JSON renderer — and reports the CPU time
of this process per request (``time.process_time``): Python and the database driver, not
PostgreSQL's own work and not opening a connection (the test client keeps the connection
between requests, as a server with connection reuse does).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench .venv/bin/python benchmarks/cost.py

Each case is warmed up, then measured in rounds of about ``--round-seconds`` of CPU time;
the figure is the median of the rounds' per-request means. Budgets (issue #12):

- ``GET /api/courses/?page_size=20`` (anonymous, 200 courses in the database): < 10 ms
- ``GET /api/courses/{id}/`` (anonymous): < 5 ms
- ``GET /api/lectures/?course={id}&page_size=100`` (an admin, Bearer token): < 20 ms

Also printed: the SQL statements per request, the wall time per request, and what opening
a new database connection costs (what ``CONN_MAX_AGE=0`` paid on every request).

Options: ``--json PATH`` appends one JSON object per measure (the benchmarks' common
format); ``--margin F`` judges against F × the budget (for a noisy machine: CI);
``--profile`` prints each case's hottest functions (cProfile). Exits 1 over budget.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings_test")
# WhiteNoise warns that collectstatic has not run; static files play no part here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

COURSES = 200
LECTURES_PER_COURSE = 10
BIG_COURSE_LECTURES = 100
ROUNDS = 5


@dataclass
class Case:
    measure: str
    path: str
    budget_ms: float
    token: str | None = None


@dataclass
class Result:
    case: Case
    cpu_ms: float
    cpu_ms_min: float
    wall_ms: float
    statements: int
    requests: int


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
        Case("course list, page of 20 of 200", "/api/courses/?page_size=20", 10),
        Case("course detail", f"/api/courses/{data['detail'].pk}/", 5),
        Case(
            "lecture list, page of 100",
            f"/api/lectures/?course={data['big'].pk}&page_size=100",
            20,
            token=admin_token,
        ),
    ]


def requester(case: Case) -> Callable[[], None]:
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {case.token}"} if case.token else {}

    def send() -> None:
        response = client.get(case.path, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{case.path}: {response.status_code} {response.content[:200]!r}")

    return send


def measure(case: Case, *, round_seconds: float, profile: bool) -> Result:
    send = requester(case)
    with CaptureQueriesContext(connection) as queries:
        send()
    statements = len(queries.captured_queries)
    for _ in range(20):  # warm-up: URL resolver, translations, serializer classes, plans
        send()
    # Size a round from one timed batch, so every case takes about the same time.
    started = time.process_time()
    for _ in range(10):
        send()
    per_request = max((time.process_time() - started) / 10, 1e-5)
    batch = max(10, int(round_seconds / per_request))
    profiler = cProfile.Profile(time.process_time) if profile else None
    rounds, walls = [], []
    for _ in range(ROUNDS):
        if profiler is not None:
            profiler.enable()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(batch):
            send()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if profiler is not None:
            profiler.disable()
        rounds.append(cpu / batch * 1000)
        walls.append(wall / batch * 1000)
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        print(f"\n--- profile: {case.measure} ({ROUNDS * batch} requests) ---")
        print(out.getvalue())
    return Result(
        case=case,
        cpu_ms=statistics.median(rounds),
        cpu_ms_min=min(rounds),
        wall_ms=statistics.median(walls),
        statements=statements,
        requests=ROUNDS * batch,
    )


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


def json_lines(results: list[Result], connect: tuple[float, float], margin: float) -> list[dict]:
    lines = []
    for result in results:
        limit = result.case.budget_ms * margin
        lines.append(
            {
                "benchmark": "cost",
                "measure": f"{result.case.measure}: CPU per request",
                "value": round(result.cpu_ms, 2),
                "unit": "ms",
                "budget": f"< {result.case.budget_ms:g} ms"
                + (f" (judged at {limit:g} ms)" if margin != 1 else ""),
                "passed": result.cpu_ms < limit,
            }
        )
        lines.append(
            {
                "benchmark": "cost",
                "measure": f"{result.case.measure}: SQL statements",
                "value": result.statements,
                "unit": "statements",
                "budget": None,
                "passed": None,
            }
        )
    lines.append(
        {
            "benchmark": "cost",
            "measure": f"opening a {connection.vendor} connection (wall)",
            "value": round(connect[0], 2),
            "unit": "ms",
            "budget": None,
            "passed": None,
        }
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="PATH", help="append one JSON object per measure")
    parser.add_argument(
        "--margin", type=float, default=1.0, help="judge against MARGIN × budget (default 1)"
    )
    parser.add_argument(
        "--round-seconds", type=float, default=0.6, help="CPU seconds per round (default 0.6)"
    )
    parser.add_argument("--profile", action="store_true", help="print each case's hot spots")
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        data = fill()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        results = [
            measure(case, round_seconds=args.round_seconds, profile=args.profile)
            for case in cases(data)
        ]
        connect = new_connection_ms()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"database: {connection.vendor}; load average: {os.getloadavg()[0]:.2f}")
    print(
        "| request | CPU ms / request | best round | wall ms | statements | budget | |\n"
        "|---|---|---|---|---|---|---|"
    )
    failures = 0
    for r in results:
        limit = r.case.budget_ms * args.margin
        ok = r.cpu_ms < limit
        failures += not ok
        judged = f" (× {args.margin:g} = {limit:g})" if args.margin != 1 else ""
        print(
            f"| {r.case.measure} | {r.cpu_ms:.2f} | {r.cpu_ms_min:.2f} | {r.wall_ms:.2f} "
            f"| {r.statements} | < {r.case.budget_ms:g} ms{judged} | {'ok' if ok else 'OVER'} |"
        )
    print(
        f"\nopening a {connection.vendor} connection + one statement: {connect[0]:.2f} ms wall, "
        f"{connect[1]:.2f} ms CPU here (paid by every request with CONN_MAX_AGE=0)"
    )
    if args.json:
        with open(args.json, "a", encoding="utf-8") as out:
            for line in json_lines(results, connect, args.margin):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print("\nOK" if not failures else f"\n{failures} budget(s) broken")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

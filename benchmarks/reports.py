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
same length; the figure judged is the median over the rounds of (the report's CPU per
request / the reference's). Budgets (``Case.budget``, chosen in benchmarks/README.md):

- the course attendance report, 100 participants × 10 lectures: JSON, CSV and XLSX
- the instructor attendance report of the month, and the finance report of the season

Also printed, never judged: CPU milliseconds, SQL statements and wall time per request.
Options: ``--json PATH`` appends one JSON object per measure (benchmarks/results.py);
``--profile`` prints each case's hottest functions. Exits 1 over budget.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

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


@dataclass
class Case:
    measure: str
    path: str
    budget: float


@dataclass
class Result:
    case: Case
    ratio: float
    ratio_max: float
    cpu_ms: float
    reference_ms: float
    wall_ms: float
    statements: int


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
    base = f"/api/reports/courses/{data['big'].pk}/attendance/"
    return [
        Case("course attendance, 100 × 10, JSON", base, COURSE_BUDGET),
        Case("course attendance, 100 × 10, CSV", base + "?format=csv", COURSE_BUDGET),
        Case("course attendance, 100 × 10, XLSX", base + "?format=xlsx", COURSE_XLSX_BUDGET),
        Case(
            "instructor attendance of a month, XLSX",
            f"/api/reports/instructor-attendance/?month={MONTH}&format=xlsx",
            INSTRUCTOR_BUDGET,
        ),
        Case(
            "finance of a season (20 courses), XLSX",
            f"/api/reports/finance/?season={data['season'].pk}&format=xlsx",
            FINANCE_BUDGET,
        ),
    ]


def requester(path: str, token: str | None = None) -> Callable[[], None]:
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def send() -> None:
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.content[:200]!r}")
        if response.streaming:
            b"".join(response.streaming_content)

    return send


def batch_size(send: Callable[[], None], round_seconds: float) -> int:
    started = time.process_time()
    for _ in range(3):
        send()
    per_request = max((time.process_time() - started) / 3, 1e-5)
    return max(3, int(round_seconds / per_request))


def timed_round(send: Callable[[], None], batch: int) -> tuple[float, float]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(batch):
        send()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return cpu / batch * 1000, wall / batch * 1000


def measure(case: Case, token: str, *, round_seconds: float, profile: bool) -> Result:
    send = requester(case.path, token)
    reference = requester(REFERENCE_PATH)
    with CaptureQueriesContext(connection) as queries:
        send()
    statements = len(queries.captured_queries)
    for _ in range(5):
        send()
        reference()
    batch = batch_size(send, round_seconds)
    reference_batch = batch_size(reference, round_seconds)
    profiler = cProfile.Profile(time.process_time) if profile else None
    ratios, cpus, references, walls = [], [], [], []
    for _ in range(ROUNDS):
        if profiler is not None:
            profiler.enable()
        cpu, wall = timed_round(send, batch)
        if profiler is not None:
            profiler.disable()
        reference_cpu, _wall = timed_round(reference, reference_batch)
        ratios.append(cpu / reference_cpu)
        cpus.append(cpu)
        references.append(reference_cpu)
        walls.append(wall)
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(f"\n--- profile: {case.measure} ---\n{out.getvalue()}")
    return Result(
        case=case,
        ratio=statistics.median(ratios),
        ratio_max=max(ratios),
        cpu_ms=statistics.median(cpus),
        reference_ms=statistics.median(references),
        wall_ms=statistics.median(walls),
        statements=statements,
    )


def record(recorder: Recorder, results: list[Result]) -> None:
    for r in results:
        name = r.case.measure
        recorder.add(
            f"{name}: CPU per request / the course list's",
            r.ratio,
            "x",
            budget=f"<= {r.case.budget:g}x",
            passed=r.ratio <= r.case.budget,
        )
        recorder.add(f"{name}: CPU per request", r.cpu_ms, "ms")
        recorder.add(f"{name}: SQL statements", r.statements, "statements")
    reference = statistics.median(r.reference_ms for r in results)
    recorder.add("course list, page of 20: CPU per request (median)", reference, "ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_json_argument(parser)
    parser.add_argument(
        "--round-seconds", type=float, default=0.2, help="CPU seconds per round (default 0.2)"
    )
    parser.add_argument("--profile", action="store_true", help="print each case's hot spots")
    args = parser.parse_args(argv)

    from rest_framework_simplejwt.tokens import AccessToken

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        data = fill()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        token = str(AccessToken.for_user(data["admin"]))
        results = [
            measure(case, token, round_seconds=args.round_seconds, profile=args.profile)
            for case in cases(data)
        ]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"database: {connection.vendor}; load average: {os.getloadavg()[0]:.2f}")
    print(
        "| report | CPU ms / request | course list CPU ms | ratio (median / worst round) "
        "| wall ms | statements | budget | |\n|---|---|---|---|---|---|---|---|"
    )
    failures = 0
    for r in results:
        ok = r.ratio <= r.case.budget
        failures += not ok
        print(
            f"| {r.case.measure} | {r.cpu_ms:.2f} | {r.reference_ms:.2f} "
            f"| {r.ratio:.2f}× / {r.ratio_max:.2f}× | {r.wall_ms:.2f} | {r.statements} "
            f"| ≤ {r.case.budget:g}× | {'ok' if ok else 'OVER'} |"
        )
    record(Recorder("reports", args.json), results)
    print("\nOK" if not failures else f"\n{failures} budget(s) broken")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

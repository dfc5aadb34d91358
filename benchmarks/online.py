"""Benchmark of online courses (SPEC §9): the course detail with progress, and progress
writes.

Builds a throwaway test database (PostgreSQL when DATABASE_URL is set; SQLite otherwise)
and measures, through the API as an enrolled student:

- ``GET /api/online-courses/{id}/`` of a sequential course with 5 and with 100 lessons,
  each with a material and the student's progress (every lesson's player, signed URLs,
  progress and lock are built): the SQL statements must be the same for both;
- ``GET /api/online-courses/?page_size=`` 1 and 20 (courses with 5 lessons each): the same;
- ``POST …/lessons/{id}/progress/`` in the situations the rules tell apart — the first
  report, more watched, the same report again, the position moved within 10 s, the
  position moved after 10 s, completion — counting all statements and the writing ones
  (INSERT/UPDATE/DELETE): one write when the report changes something, none when not.

    .venv/bin/python benchmarks/online.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench .venv/bin/python benchmarks/online.py

Exits non-zero when a budget is broken. Times are printed, not judged.
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
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from benchmarks.results import Recorder  # noqa: E402

SIZES = (5, 100)
PAGES = (1, 20)
WRITES = ("INSERT", "UPDATE", "DELETE")
NOW = datetime.datetime(2030, 1, 1, 9, tzinfo=datetime.UTC)


def course_with_lessons(count: int, student, *, progress: bool = True):
    from django.utils import timezone

    from online_courses.models import LessonMaterial, LessonProgress
    from online_courses.tests.base import enrol
    from online_courses.tests.factories import LessonFactory, OnlineCourseFactory

    course = OnlineCourseFactory(sequential=True)
    enrol(student, course)
    lessons = [LessonFactory(online_course=course, number=n + 1) for n in range(count)]
    LessonMaterial.objects.bulk_create(
        LessonMaterial(
            lesson=lesson,
            original_name="a.pdf",
            file=f"m/{lesson.pk}.pdf",
            size=1,
            content_type="x",
        )
        for lesson in lessons
    )
    if progress:
        now = timezone.now()
        LessonProgress.objects.bulk_create(
            LessonProgress(
                lesson=lesson,
                student=student,
                position_seconds=60,
                watched_seconds=lesson.duration_seconds if n < count - 1 else 60,
                completed_at=now if n < count - 1 else None,
                updated_at=now,
            )
            for n, lesson in enumerate(lessons)
        )
    return course, lessons


def client_for(user):
    from rest_framework.test import APIClient

    from users.models import CustomUser

    client = APIClient()
    # Fresh from the database, as the JWT authentication reads it on every request.
    client.force_authenticate(CustomUser.objects.get(pk=user.pk))
    return client


def measure(call) -> dict:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content
    sql = [q["sql"] for q in queries.captured_queries]
    return {
        "statements": len(sql),
        "writes": sum(1 for s in sql if s.lstrip().upper().startswith(WRITES)),
        "ms": elapsed * 1000,
        "body": response.json(),
    }


def detail_counts(student) -> dict[int, dict]:
    found = {}
    for size in SIZES:
        course, _ = course_with_lessons(size, student)
        url = f"/api/online-courses/{course.pk}/"
        found[size] = measure(lambda url=url: client_for(student.user).get(url))
        assert len(found[size]["body"]["lessons"]) == size
    return found


def list_counts(student) -> dict[int, dict]:
    for _ in range(max(PAGES)):
        course_with_lessons(5, student, progress=False)
    return {
        size: measure(
            lambda size=size: client_for(student.user).get(f"/api/online-courses/?page_size={size}")
        )
        for size in PAGES
    }


def progress_writes(student) -> list[tuple[str, dict]]:
    """(situation, measure) of reports in the order a player sends them."""
    import time_machine

    _, lessons = course_with_lessons(2, student, progress=False)
    lesson = lessons[0]  # 600 s: completes at 540 watched
    url = f"/api/online-courses/{lesson.online_course_id}/lessons/{lesson.pk}/progress/"
    steps = [
        ("first report", 0, 30, 30),
        ("more watched (3 s later)", 3, 40, 40),
        ("the same report again", 4, 40, 40),
        ("position moved within 10 s", 8, 25, 40),
        ("position moved after 10 s", 20, 25, 40),
        ("completion (90% watched)", 21, 545, 545),
    ]
    results = []
    for name, seconds, position, watched in steps:
        at = NOW + datetime.timedelta(seconds=seconds)
        body = {"position_seconds": position, "watched_seconds": watched}
        with time_machine.travel(at, tick=False):
            client = client_for(student.user)
            results.append((name, measure(lambda c=client, b=body: c.post(url, b, format="json"))))
    return results


def main() -> int:
    from users.tests.factories import make_student

    record = Recorder.from_argv("online")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        student = make_student()
        detail_counts(student)  # warm-up: URLconf, serializers, the schema of answers
        details = detail_counts(student)
        lists = list_counts(student)
        writes = progress_writes(student)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    problems = []
    print(f"database: {connection.vendor}")
    print("\n| course detail with progress | lessons | statements | ms |\n|---|---|---|---|")
    for size, result in details.items():
        print(
            f"| GET /api/online-courses/{{id}}/ | {size} | {result['statements']} | {result['ms']:.1f} |"
        )
    small, large = (details[size]["statements"] for size in SIZES)
    if small != large:
        problems.append(
            f"course detail: {small} statements for {SIZES[0]} lessons, {large} for {SIZES[1]}"
        )
    record.add(
        f"course detail with progress, {SIZES[1]} lessons: statements (vs {SIZES[0]}: {small})",
        large,
        "statements",
        budget=f"same as for {SIZES[0]} lessons",
        passed=small == large,
    )
    record.add(f"course detail, {SIZES[1]} lessons: time", details[SIZES[1]]["ms"], "ms")

    print("\n| catalogue page | courses | statements | ms |\n|---|---|---|---|")
    for size, result in lists.items():
        print(
            f"| GET /api/online-courses/ | {size} | {result['statements']} | {result['ms']:.1f} |"
        )
    one, many = (lists[size]["statements"] for size in PAGES)
    if one != many:
        problems.append(f"catalogue: {one} statements for a page of 1, {many} for {PAGES[1]}")
    record.add(
        f"catalogue page of {PAGES[1]}: statements (vs page of 1: {one})",
        many,
        "statements",
        budget="same as a page of 1",
        passed=one == many,
    )

    print(
        "\n| progress report | statements | writes | stored (position, watched, completed) | ms |"
    )
    print("|---|---|---|---|---|")
    for name, result in writes:
        body = result["body"]
        state = (body["position_seconds"], body["watched_seconds"], body["completed"])
        print(
            f"| {name} | {result['statements']} | {result['writes']} | {state} | {result['ms']:.1f} |"
        )
    changes = {
        "first report": True,
        "more watched (3 s later)": True,
        "the same report again": False,
        "position moved within 10 s": False,
        "position moved after 10 s": True,
        "completion (90% watched)": True,
    }
    for name, result in writes:
        expected = 1 if changes[name] else 0
        ok = result["writes"] == expected
        if not ok:
            problems.append(f"progress, {name}: {result['writes']} writes, expected {expected}")
        record.add(
            f"progress report, {name}: write statements",
            result["writes"],
            "statements",
            budget=f"{expected} ({'changes something' if expected else 'changes nothing'})",
            passed=ok,
        )
    print("\nOK" if not problems else "\nbudget broken: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Query-count and bulk-write benchmark for the list endpoints and lecture generation.

Builds a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL is set),
fills it at two sizes and reports, per list endpoint, the SQL queries for a page of 1 and a
page of 100 (they must be equal) — the memories feeds too, as a parent, over posts that
each carry photos and tags —, for the public landing page the queries with one item of
each list featured and with every course, online course and instructor of the fill
featured (they must be equal), and for lecture generation the queries and time it takes
to create a long course's lectures (bulk insert: the count must not grow with lectures).

    .venv/bin/python benchmarks/queries.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench .venv/bin/python benchmarks/queries.py

Exits non-zero when a budget is broken, so it can guard a change by hand or in CI.
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
from rest_framework.test import APIClient  # noqa: E402

from benchmarks.database import throwaway_database  # noqa: E402
from benchmarks.results import Recorder  # noqa: E402

LIST_URLS = [
    "/api/children/",
    "/api/parent-links/",
    "/api/instructors/",
    "/api/students/",
    "/api/parents/",
    "/api/notifications/",
    "/api/seasons/",
    "/api/tags/",
    "/api/courses/",
    "/api/lectures/",
    "/api/exams/",
    "/api/enrollment-requests/",
    "/api/enrollments/",
    "/api/payments/",
    "/api/refund-requests/",
    "/auth/users/",
    "/api/memories/?feed=family",
    "/api/memories/?feed=center",
]
# Read as the fill's parent (a family's own lists and feeds); the rest as the admin.
PARENT_URLS = ("/api/children/", "/api/parent-links/", "/api/memories/")


def fill(rows: int) -> dict:
    """``rows`` of everything a list shows, owned by one parent so its lists fill up too."""
    from decimal import Decimal

    from courses import services as course_services
    from courses.models import CourseSchedule
    from courses.rules import CENTER_TZ
    from courses.tests.factories import CourseFactory, TagFactory
    from enrollments_payments import payment_services
    from enrollments_payments import services as enrollment_services
    from memories.services import ParticipantRef, memory_create
    from notifications.services import notification_create
    from online_courses.tests.factories import OnlineCourseFactory
    from testkit.images import image_upload
    from users import services as user_services
    from users.models import PhotoConsent
    from users.tests.factories import (
        make_admin,
        make_child,
        make_instructor,
        make_parent,
        make_student,
    )

    admin = make_admin()
    parent = make_parent()
    for i in range(rows):
        child = make_child(parent)
        other = make_parent()
        user_services.parent_link_request_create(requester=other, child_code=child.code)
        student = make_student()
        instructor = make_instructor()
        TagFactory().instructors.add(instructor)
        course = CourseFactory(instructor=instructor)
        OnlineCourseFactory(instructor=instructor)
        CourseSchedule.objects.create(
            course=course, weekday=i % 7, start_time=datetime.time(10), end_time=datetime.time(11)
        )
        course_services.course_generate_lectures(course=course)
        notification_create(recipient=admin, kind="bench", title=f"n{i}")
        # An enrollment with a payment and a refund request, plus a pending request.
        when = datetime.datetime.combine(course.start_date, datetime.time(8), tzinfo=CENTER_TZ)
        request = enrollment_services.enrollment_request_create(
            actor=parent.user, course=course, child=child, now=when
        )
        enrollment = enrollment_services.enrollment_request_approve(
            request=request,
            actor=admin,
            payment=payment_services.PaymentInput(amount=Decimal("100.00"), method="cash"),
            now=when,
        )
        payment_services.refund_request_create(
            enrollment=enrollment, actor=admin, amount=Decimal("10.00")
        )
        enrollment_services.enrollment_request_create(
            actor=parent.user, course=CourseFactory(), child=make_child(parent), now=when
        )
        # Two memories, two photos and two tags each: a family post of the parent's child
        # and a student, and a center post of both once they consent to it.
        tags = [ParticipantRef("child", child.pk), ParticipantRef("student", student.pk)]
        for audience in ("family", "center"):
            if audience == "center":
                for participant in (child, student):
                    participant.photo_consent = PhotoConsent.CENTER
                    participant.save(update_fields=["photo_consent"])
            memory_create(
                author=admin,
                caption=f"Day {i}",
                taken_on=course.start_date,
                audience=audience,
                course=course,
                participants=tags,
                uploads=[image_upload(f"{audience}-{n}.png") for n in range(2)],
            )
    return {"admin": admin, "parent": parent.user}


def list_budget(users: dict) -> list[tuple[str, int, int]]:
    client = APIClient()
    rows = []
    for url in LIST_URLS:
        path = url.partition("?")[0]
        client.force_authenticate(users["parent" if path in PARENT_URLS else "admin"])
        counts = []
        for size in (1, 100):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{url}{'&' if '?' in url else '?'}page_size={size}")
            assert response.status_code == 200, (url, response.status_code)
            if path == "/api/memories/":  # the feed holds what it is measured on
                assert response.json()["count"] >= 5, (url, response.json()["count"])
            counts.append(len(ctx.captured_queries))
        rows.append((url, counts[0], counts[1]))
    return rows


def landing_budget() -> tuple[int, int, int]:
    """Queries of ``GET /api/landing/`` (anonymous) with one item of each list featured,
    then with every published course and online course and every instructor featured:
    ``(items per list, queries with one, queries with all)``."""
    from courses.models import Course
    from landing import services
    from online_courses.models import OnlineCourse
    from users.models import Instructor

    courses = list(Course.objects.published().order_by("pk"))
    online = list(OnlineCourse.objects.published().order_by("pk"))
    instructors = list(Instructor.objects.order_by("pk"))
    client = APIClient()
    counts = []
    for n in (1, None):
        services.landing_courses_set(courses=courses[:n])
        services.landing_online_courses_set(online_courses=online[:n])
        services.landing_instructors_set(instructors=instructors[:n])
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/landing/")
        assert response.status_code == 200, response.status_code
        shown = response.json()
        assert len(shown["courses"]) == len(courses[:n]), len(shown["courses"])
        assert len(shown["instructors"]) == len(instructors[:n]), len(shown["instructors"])
        counts.append(len(ctx.captured_queries))
    return min(len(courses), len(online), len(instructors)), counts[0], counts[1]


def generation_budget(weeks: int) -> tuple[int, int, float]:
    from courses import services as course_services
    from courses.models import CourseSchedule
    from courses.tests.factories import CourseFactory

    start = datetime.date(2030, 1, 5)
    course = CourseFactory(start_date=start, end_date=start + datetime.timedelta(weeks=weeks))
    for weekday in (0, 2, 4):
        CourseSchedule.objects.create(
            course=course, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(10)
        )
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        result = course_services.course_generate_lectures(course=course)
    elapsed = time.perf_counter() - began
    return result.created, len(ctx.captured_queries), elapsed


def main() -> int:
    record = Recorder.from_argv("queries")
    failures = 0
    seen: dict[str, list[tuple[int, int, int]]] = {}
    with throwaway_database():
        print(f"database: {connection.vendor}")
        for rows in (5, 60):
            users = fill(rows)
            print(f"\nlist endpoints with about {rows} rows each: queries for page_size=1 / 100")
            for url, small, large in list_budget(users):
                flag = "" if small == large else "   <-- grows with the page"
                failures += small != large
                print(f"  {url:30} {small:3} / {large:3}{flag}")
                seen.setdefault(url, []).append((rows, small, large))
            items, one, every = landing_budget()
            flag = "" if one == every else "   <-- grows with the featured items"
            failures += one != every
            print(f"  {'/api/landing/ (1 / all)':30} {one:3} / {every:3}{flag}")
            seen.setdefault("/api/landing/", []).append((items, one, every))
        for url, sizes in seen.items():
            landing = url == "/api/landing/"
            detail = "; ".join(
                f"{rows} {'items' if landing else 'rows'}: {small} / {large}"
                for rows, small, large in sizes
            )
            record.add(
                f"{url} queries, {'1 / all featured' if landing else 'page_size=1 / 100'}"
                f" ({detail})",
                sizes[-1][2],
                "queries",
                budget="all featured = 1 featured" if landing else "page 100 = page 1",
                passed=all(small == large for _rows, small, large in sizes),
            )
        print("\nlecture generation (3 weekly slots), one call:")
        counts = []
        for weeks in (10, 100):
            created, queries, elapsed = generation_budget(weeks)
            counts.append(queries)
            print(f"  {created:4} lectures: {queries:3} queries, {elapsed * 1000:7.1f} ms")
            record.add(f"generate {created} lectures", queries, "queries")
            record.add(f"generate {created} lectures", elapsed * 1000, "ms")
        if connection.vendor == "sqlite":
            # SQLite caps a statement at 999 parameters, so Django splits one bulk insert
            # into batches; the count grows by one per ~90 lectures, not per lecture.
            print("  (SQLite: bulk inserts are split into batches of <= 999 parameters)")
        elif counts[0] != counts[1]:
            failures += 1
            print("  <-- query count grows with the number of lectures")
        record.add(
            "lecture generation: queries grow with lectures",
            counts[1] - counts[0],
            "queries",
            budget="0 (one bulk insert; SQLite batches)",
            passed=None if connection.vendor == "sqlite" else counts[0] == counts[1],
        )
    print("\nOK" if not failures else f"\n{failures} budget(s) broken")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

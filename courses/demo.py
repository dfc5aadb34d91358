"""Demo data for the quick start: an active season and published courses with a weekly
schedule and generated lectures (idempotent: courses are looked up by slug), and the
extra lecture the demo adds today when the schedule has none running."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses import rules, services
from courses.generation import lectures_generate
from courses.models import (
    Audience,
    Course,
    CourseStatus,
    Lecture,
    LectureStatus,
    Season,
    SeasonKind,
    Tag,
)
from users.models import Instructor

logger = logging.getLogger(__name__)

# Named in both languages like the courses: the Arabic dashboard shows it in a heading.
DEMO_SEASON = "الموسم التجريبي — Demo season"
# The name demo databases made before that still carry.
_OLD_DEMO_SEASON = "Demo season"

# (slug, name, audience, min_age, max_age, price, location, tags, slots)
_COURSES = [
    (
        "quran-kids",
        "تحفيظ القرآن للأطفال — Quran for children",
        Audience.CHILDREN,
        6,
        12,
        Decimal("350.00"),
        "Room 1",
        ["Quran"],
        [(0, time(17, 0), time(18, 30)), (3, time(17, 0), time(18, 30))],
    ),
    (
        "arabic-adults",
        "اللغة العربية للكبار — Arabic for adults",
        Audience.ADULTS,
        18,
        None,
        Decimal("500.00"),
        "Room 2",
        ["Arabic"],
        [(1, time(19, 0), time(20, 30))],
    ),
    (
        "calligraphy-all",
        "الخط العربي — Calligraphy",
        Audience.ALL,
        None,
        None,
        Decimal("250.00"),
        "Art room",
        ["Arabic", "Art"],
        [(5, time(16, 0), time(17, 0))],
    ),
]


@transaction.atomic
def seed_courses(*, instructor: Instructor, now: datetime | None = None) -> dict[str, Course]:
    """Create the demo season and courses if missing, with schedules and lectures.
    Returns the demo courses by slug."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # The season runs from two weeks ago for three months, so the demo shows both held and
    # upcoming lectures whenever it is loaded.
    start = today - timedelta(days=14)
    # Season names are not unique: admins (or a fuzzer) may have added more seasons with the
    # demo's name since the first run; the oldest is the demo's own.
    season = Season.objects.filter(name__in=[DEMO_SEASON, _OLD_DEMO_SEASON]).order_by("pk").first()
    if season is None:
        season = Season.objects.create(
            name=DEMO_SEASON,
            kind=SeasonKind.OTHER,
            start_date=start,
            end_date=start + timedelta(days=90),
            is_active=True,
        )
    courses = {}
    for slug, name, audience, min_age, max_age, price, room, tag_names, slots in _COURSES:
        course = Course.objects.filter(slug=slug).first()
        if course is not None:
            courses[slug] = course
            continue
        tags = [Tag.objects.get_or_create(name=n)[0] for n in tag_names]
        course = services.course_create(
            slug=slug,
            name=name,
            description=name,
            season=season,
            instructor=instructor,
            tags=tags,
            start_date=season.start_date,
            end_date=season.start_date + timedelta(days=56),
            capacity=20,
            price=price,
            audience=audience,
            min_age=min_age,
            max_age=max_age,
            location=room,
            status=CourseStatus.PUBLISHED,
        )
        for weekday, start_time, end_time in slots:
            services.schedule_slot_create(
                course=course, weekday=weekday, start_time=start_time, end_time=end_time, now=now
            )
        result = lectures_generate(course=course, now=now)
        logger.info("demo course %s: %d lectures", slug, result.created)
        courses[slug] = course
    return courses


# The extra lecture's length, and how long before the seeding it began: long enough that
# its instructor checked in late and took attendance, short enough that it is still on.
EXTRA_LENGTH = timedelta(minutes=90)
EXTRA_STARTED = timedelta(minutes=50)


def demo_extra_lecture_today(*, course: Course, now: datetime) -> Lecture | None:
    """An extra review lecture of ``course`` running at ``now``, made the way an admin adds
    one (``services.lecture_create``): the weekly slots are fixed, and a newcomer opening
    the dashboard should still find a lecture today. It starts 50 minutes before ``now``
    (at midnight at the earliest) and lasts 90 minutes (until 23:59 at the latest).

    Returns None, creating nothing, when the course does not run today or already has a
    lecture at that time."""
    local = timezone.localtime(now, rules.CENTER_TZ)
    today = local.date()
    if not course.start_date <= today <= (course.end_date or today):
        return None
    start = max(local - EXTRA_STARTED, local.replace(hour=0, minute=0, second=0, microsecond=0))
    start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    end = min(start + EXTRA_LENGTH, local.replace(hour=23, minute=59, second=0, microsecond=0))
    if end <= start:
        return None
    busy = (
        course.lectures.filter(date=today, start_time__lt=end.time(), end_time__gt=start.time())
        .exclude(status=LectureStatus.CANCELLED)
        .exists()
    )
    if busy:
        return None
    return services.lecture_create(
        course=course,
        date=today,
        start_time=start.time(),
        end_time=end.time(),
        title="مراجعة — Review",
    )

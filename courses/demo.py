"""Demo data for the quick start: an active season and published courses with a weekly
schedule and generated lectures. Idempotent: courses are looked up by slug."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses import services
from courses.generation import lectures_generate
from courses.models import Audience, Course, CourseStatus, Season, SeasonKind, Tag
from users.models import Instructor

logger = logging.getLogger(__name__)

DEMO_SEASON = "Demo season"

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
def seed_courses(*, instructor: Instructor, now: datetime | None = None) -> None:
    """Create the demo season and courses if missing, with schedules and lectures."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # The season runs from two weeks ago for three months, so the demo shows both held and
    # upcoming lectures whenever it is loaded.
    start = today - timedelta(days=14)
    # Season names are not unique: admins (or a fuzzer) may have added more seasons with the
    # demo's name since the first run; the oldest is the demo's own.
    season = Season.objects.filter(name=DEMO_SEASON).order_by("pk").first()
    if season is None:
        season = Season.objects.create(
            name=DEMO_SEASON,
            kind=SeasonKind.OTHER,
            start_date=start,
            end_date=start + timedelta(days=90),
            is_active=True,
        )
    for slug, name, audience, min_age, max_age, price, room, tag_names, slots in _COURSES:
        if Course.objects.filter(slug=slug).exists():
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

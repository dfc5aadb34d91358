"""What the landing page's tests share."""

from __future__ import annotations

from landing import services

URL = "/api/landing/"


def feature(*, courses=(), online_courses=(), instructors=()) -> None:
    """Make the page's three lists exactly these items, in this order."""
    services.landing_courses_set(courses=list(courses))
    services.landing_online_courses_set(online_courses=list(online_courses))
    services.landing_instructors_set(instructors=list(instructors))

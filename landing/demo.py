"""The landing page of the demo: the demo's courses, online course and instructors
featured, once."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from courses.models import Course
from landing.models import LandingPage
from landing.services import (
    landing_courses_set,
    landing_instructors_set,
    landing_online_courses_set,
    landing_page,
)
from online_courses.models import OnlineCourse
from users.models import Instructor


@transaction.atomic
def seed_landing(
    *,
    courses: Sequence[Course],
    instructors: Sequence[Instructor],
    online_courses: Sequence[OnlineCourse] = (),
) -> bool:
    """Feature ``courses``, ``online_courses`` and ``instructors`` in this order on a page
    that was never made (True); a page that exists is the office's, even empty, and is
    left as it is."""
    if LandingPage.objects.exists():
        return False
    landing_page()
    landing_courses_set(courses=courses)
    landing_online_courses_set(online_courses=online_courses)
    landing_instructors_set(instructors=instructors)
    return True

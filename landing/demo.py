"""The landing page of the demo: the demo's courses and instructors featured, once."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from courses.models import Course
from landing.models import LandingPage
from landing.services import landing_courses_set, landing_instructors_set, landing_page
from users.models import Instructor


@transaction.atomic
def seed_landing(*, courses: Sequence[Course], instructors: Sequence[Instructor]) -> bool:
    """Feature ``courses`` and ``instructors`` in this order on a page that was never made
    (True); a page that exists is the office's, even empty, and is left as it is."""
    if LandingPage.objects.exists():
        return False
    landing_page()
    landing_courses_set(courses=courses)
    landing_instructors_set(instructors=instructors)
    return True

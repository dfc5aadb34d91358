"""What the public landing page shows (SPEC §6.11): the featured items the public may
see, each list in the office's order, in a fixed number of queries.

Visibility is the catalogue's: published courses and online courses, instructors whose
account is active (``users.selectors.instructors_public``, which also gives the same
``rating_average`` and ``rating_count`` as ``/api/instructors/``). A featured row whose
item may not be shown is skipped, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet

from courses.models import Course
from courses.selectors import with_rating_summary
from online_courses.models import OnlineCourse
from users.models import Instructor
from users.selectors import full_name, instructors_public

# The office's order; the row's id breaks a tie between two equal positions.
_ORDER = ("landing_feature__position", "landing_feature__id")


def featured_courses() -> QuerySet[Course]:
    """Published featured courses with ``season_name`` and ``instructor_name`` from the
    same query (no season or user objects)."""
    return (
        with_rating_summary(Course.objects.published())
        .filter(landing_feature__isnull=False)
        .annotate(season_name=F("season__name"), instructor_name=full_name("instructor__user"))
        .order_by(*_ORDER)
    )


def featured_online_courses() -> QuerySet[OnlineCourse]:
    """Published featured online courses with ``instructor_name`` (null without one)."""
    return (
        with_rating_summary(OnlineCourse.objects.published())
        .filter(landing_feature__isnull=False)
        .annotate(instructor_name=full_name("instructor__user"))
        .order_by(*_ORDER)
    )


def featured_instructors() -> QuerySet[Instructor]:
    """Featured instructors the public list shows, with their ratings and tags. Only the
    user's name and photo are read: the phone numbers, e-mail, identity number and date of
    birth never leave the database for this page."""
    return (
        instructors_public()
        .filter(landing_feature__isnull=False)
        .only("id", "bio", "kind", "user__id", "user__first_name", "user__last_name", "user__photo")
        .order_by(*_ORDER)
    )


@dataclass(frozen=True)
class LandingContent:
    courses: list[Course]
    online_courses: list[OnlineCourse]
    instructors: list[Instructor]


def landing_content() -> LandingContent:
    """The three lists, read now: three queries whatever their lengths, and one more for
    the instructors' tags when an instructor is shown."""
    return LandingContent(
        courses=list(featured_courses()),
        online_courses=list(featured_online_courses()),
        instructors=list(featured_instructors()),
    )

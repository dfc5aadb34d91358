"""Participants rate courses and online courses (§6.10 Course ratings).

Who: a student for themself, a parent (primary or linked) for their child — the rule of
instructor ratings (attendance.rating_services.rating_participant). Which courses: one the
participant is or was enrolled in, whatever the enrollment became since (active,
completed, dropped or refunded: a family that left a course is the one whose opinion the
center most needs, and leaving it out would lift every average). A request that never
became an enrollment does not count. One rating per (rater, participant, course): rating
again updates it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from attendance.rating_services import rating_participant
from core.errors import Invalid
from courses.models import RATING_MAX, RATING_MIN, Course, CourseRating
from enrollments_payments.models import Enrollment
from online_courses.models import OnlineCourse
from users.models import Child, CustomUser
from users.participants import participant_lookup


def course_rating_save(
    *,
    rater: CustomUser,
    rating: int,
    comment: str = "",
    course: Course | None = None,
    online_course: OnlineCourse | None = None,
    child: Child | None = None,
) -> tuple[CourseRating, bool]:
    """Create or update ``rater``'s rating of ``course`` or ``online_course`` (exactly one)
    for a participant; returns ``(row, created)``.

    A parent names the ``child``; a student rates for themself (no ``child``). Two identical
    calls at once end with one row: the insert that loses the race to the unique index is
    retried as the update of the winner's row (``update_or_create`` under a row lock).
    """
    if (course is None) == (online_course is None):
        raise Invalid(
            "one_course_required",
            _("Name exactly one: a course or an online course."),
            field="course",
        )
    participant = rating_participant(rater=rater, child=child)
    if not RATING_MIN <= rating <= RATING_MAX:
        raise Invalid("rating_out_of_range", _("The rating must be from 1 to 10."), field="rating")
    offering = {"course": course} if course is not None else {"online_course": online_course}
    who = participant_lookup(participant)
    if not Enrollment.objects.filter(**offering, **who).exists():
        raise Invalid(
            "participant_not_enrolled",
            _("This participant is not and was not enrolled in this course."),
            field=next(iter(offering)),
        )
    with transaction.atomic():
        row, created = CourseRating.objects.select_for_update().update_or_create(
            rater=rater,
            **offering,
            **who,
            defaults={"rating": rating, "comment": comment},
        )
    return row, created

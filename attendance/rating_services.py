"""Participants rate their instructors (§6.4 StudentInstructorRating).

A student rates for themself; a parent (primary or linked) for their child. The course
must be one the participant is in now (an active enrollment) or was in (they have an
attendance row of one of its lectures). One rating per (rater, participant, course): a
second POST updates it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from attendance.models import LectureAttendance, StudentInstructorRating
from core.errors import Forbidden, Invalid
from courses.models import Course
from courses.selectors import participant_in_course
from users.models import Child, CustomUser, StudentUser
from users.participants import Participant, participant_lookup
from users.selectors import parent_of

RATING_MIN, RATING_MAX = 1, 10


def not_a_rater() -> Forbidden:
    return Forbidden(
        "not_a_rater", _("Only a student, or a parent for their child, gives a rating.")
    )


def instructor_rating_save(
    *,
    rater: CustomUser,
    course: Course,
    rating: int,
    comment: str = "",
    child: Child | None = None,
) -> tuple[StudentInstructorRating, bool]:
    """Create or update the rater's rating of ``course``'s instructor; ``(row, created)``.

    A parent names the ``child``; a student rates for themself (no ``child``).
    """
    participant = rating_participant(rater=rater, child=child)
    if not RATING_MIN <= rating <= RATING_MAX:
        raise Invalid("rating_out_of_range", _("The rating must be from 1 to 10."), field="rating")
    if not _took_part(course=course, participant=participant):
        raise Invalid(
            "participant_not_enrolled",
            _("This participant is not and was not enrolled in this course."),
            field="course",
        )
    who = participant_lookup(participant)
    with transaction.atomic():
        row, created = StudentInstructorRating.objects.select_for_update().update_or_create(
            rater=rater,
            course=course,
            **who,
            defaults={"instructor_id": course.instructor_id, "rating": rating, "comment": comment},
        )
    return row, created


def rating_participant(*, rater: CustomUser, child: Child | None) -> Participant:
    """The participant a rating by ``rater`` is for: the named ``child`` of a parent
    (primary or linked), the student themself. The same rule for instructor and course
    ratings (courses.rating_services)."""
    parent = parent_of(rater)
    if parent is not None:
        if child is None:
            raise Invalid("child_required", _("Name the child you rate for."), field="child")
        if not Child.objects.of_parent(parent).filter(pk=child.pk).exists():
            raise not_a_rater()
        return child
    if rater.is_authenticated and rater.role == "student" and child is None:
        student = StudentUser.objects.filter(user=rater).first()
        if student is not None:
            return student
    raise not_a_rater()


def _took_part(*, course: Course, participant: Participant) -> bool:
    who = participant_lookup(participant)
    if participant_in_course(course, **who):
        return True
    return LectureAttendance.objects.filter(lecture__course=course, **who).exists()

"""Who reads which instructor ratings."""

from __future__ import annotations

from django.db.models import QuerySet

from attendance.models import StudentInstructorRating
from core.permissions import is_admin
from courses.selectors import instructor_of


def ratings_visible_to(user) -> QuerySet[StudentInstructorRating]:
    """Admins: all. An instructor: the ratings of themself (without who gave them, see the
    serializer). Anyone else: the ratings they gave."""
    qs = StudentInstructorRating.objects.select_related(
        "course", "instructor__user", "child", "student__user"
    ).order_by("-updated_at", "-id")
    if is_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    instructor = instructor_of(user)
    if instructor is not None:
        return qs.filter(instructor=instructor)
    return qs.filter(rater=user)

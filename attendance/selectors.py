"""Reads of the staff side of attendance, scoped to the caller (others' rows are 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from attendance.models import InstructorAttendance, SupervisorShift
from core.permissions import is_admin


def _instructor_profile(user):
    if not (user and user.is_authenticated) or getattr(user, "role", None) != "instructor":
        return None
    return getattr(user, "instructor_profile", None)


def instructor_attendance_visible_to(user) -> QuerySet[InstructorAttendance]:
    """Admins: every row; an instructor: their own; anyone else: nothing."""
    rows = InstructorAttendance.objects.select_related(
        "instructor__user", "lecture__course", "shift", "device", "rated_by"
    )
    if is_admin(user):
        return rows
    profile = _instructor_profile(user)
    return rows.filter(instructor=profile) if profile else rows.none()


def shifts_visible_to(user) -> QuerySet[SupervisorShift]:
    """Admins: every shift; a supervisor: their own; anyone else: nothing."""
    shifts = SupervisorShift.objects.select_related("supervisor__user")
    if is_admin(user):
        return shifts
    profile = _instructor_profile(user)
    return shifts.filter(supervisor=profile) if profile else shifts.none()

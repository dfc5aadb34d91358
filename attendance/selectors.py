"""Reads of attendance: who belongs on a lecture's roster, and the staff side scoped to the
caller (others' rows are 404)."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import F, QuerySet

from attendance.models import InstructorAttendance, SupervisorShift
from core.permissions import is_admin
from courses.models import LectureStatus
from enrollments_payments.models import Enrollment


def roster_rows(*, lecture_ids: Collection[int]) -> QuerySet:
    """Values rows ``lecture_id, child_id, student_id``: each of these lectures (scheduled
    or completed; a cancelled lecture has no roster) × each active participant of its
    course. One query wherever it is evaluated."""
    return (
        Enrollment.objects.active()
        # One filter() call: both conditions are on the same joined lecture.
        .filter(
            course__lectures__in=lecture_ids,
            course__lectures__status__in=[LectureStatus.SCHEDULED, LectureStatus.COMPLETED],
        )
        .order_by()
        .annotate(lecture_id=F("course__lectures__id"))
        .values("lecture_id", "child_id", "student_id")
    )


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

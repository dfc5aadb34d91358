"""Reads of attendance: who belongs on a lecture's roster, the staff side scoped to the
caller (others' rows are 404), and the counts of a lecture's rows."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Count, F, Q, QuerySet

from attendance.models import InstructorAttendance, LectureAttendance, SupervisorShift
from attendance.rules import COUNT_KEYS
from core.permissions import is_admin
from courses.models import Lecture, LectureStatus
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


# --- The counts of a lecture ----------------------------------------------------------

# What each count of a lecture's rows is (the submission's response, the roster, the
# ``attendance_update`` event): every row, the present ones, the absent ones, the rows
# nobody has marked yet.
_COUNTED = {
    "total": {},
    "present": {"present": True},
    "absent": {"present": False},
    "unmarked": {"present__isnull": True},
}


def _count_expressions(path: str) -> dict[str, Count]:
    """``n_<key>`` → the count of the rows at ``path`` (``""``: the rows themselves;
    ``"attendance__"``: a lecture's rows) that satisfy the key's condition."""
    return {
        f"n_{key}": Count(
            f"{path}pk", filter=Q(**{f"{path}{name}": value for name, value in wanted.items()})
        )
        for key, wanted in _COUNTED.items()
    }


def attendance_counts(rows: QuerySet[LectureAttendance]) -> dict[str, int]:
    """``{"total", "present", "absent", "unmarked"}`` of these attendance rows (a lecture's,
    or the part of them a caller may see), in one aggregate query."""
    totals = rows.order_by().aggregate(**_count_expressions(""))
    return {key: int(totals[f"n_{key}"] or 0) for key in COUNT_KEYS}


def lecture_counts(*, lecture: Lecture) -> dict[str, int]:
    """The counts of every row of the lecture."""
    return attendance_counts(LectureAttendance.objects.filter(lecture=lecture))


def lectures_with_counts(lectures: QuerySet[Lecture]) -> QuerySet[Lecture]:
    """The lectures, each annotated with its counts (read them with ``counts_of``): one
    query for any number of lectures."""
    return lectures.annotate(**_count_expressions("attendance__"))


def counts_of(lecture: Lecture) -> dict[str, int]:
    """The counts of a lecture read by ``lectures_with_counts``."""
    return {key: int(getattr(lecture, f"n_{key}")) for key in COUNT_KEYS}

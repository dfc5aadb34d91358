"""Submitting a lecture's attendance (§6.4): the rules and the order of the work.

``attendance_submit`` checks who may submit and when, validates every record before it
writes anything (``attendance.submission_records``), then — holding a row lock on the
lecture, so that two submissions for one lecture serialise — has the writer
(``attendance.submission_write``, the same on PostgreSQL and SQLite) resolve the
participants, refuse one named twice, write the rows, count them, set
``attendance_taken`` and record one audit row with each row's old and new values,
announces the absences it wrote (``attendance.absence_alerts``) and, after the commit,
pushes ``attendance_update`` (``attendance.live``) and texts the alerts. The number of
SQL statements does not depend on the number of records (``benchmarks/attendance.py``
measures it).

Lock order (courses.services): course → lecture → attendance rows. This service locks the
lecture only; the rows are written under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from attendance import errors, rules
from attendance.absence_alerts import absence_alerts_for_rows
from attendance.live import broadcast_attendance_update
from attendance.models import AttendanceSource, AttendanceSubmission
from attendance.submission_records import parse_records
from attendance.submission_write import write_marks
from core.locking import lock_row
from core.permissions import is_admin
from courses.models import OFF_SCHEDULE, UNAPPROVED, Lecture, LectureStatus
from courses.selectors import instructor_of
from users.models import CustomUser


@dataclass
class SubmissionResult:
    lecture: Lecture
    updated: int
    created: int
    not_enrolled: list[dict]
    counts: dict[str, int]
    submission_id: int | None = None  # the AttendanceSubmission (audit) row
    alerts: dict[str, int] = field(default_factory=dict)

    @property
    def attendance_taken(self) -> bool:
        return bool(self.lecture.attendance_taken)

    @property
    def submission(self) -> AttendanceSubmission | None:
        """The audit row (read on demand: the write does not build it in Python)."""
        if self.submission_id is None:
            return None
        return AttendanceSubmission.objects.get(pk=self.submission_id)

    def as_response(self) -> dict:
        return {
            "lecture": self.lecture.pk,
            "updated": self.updated,
            "created": self.created,
            "not_enrolled": self.not_enrolled,
            "attendance_taken": self.attendance_taken,
            "counts": self.counts,
        }


# --- Who and when ---------------------------------------------------------------------


def attendance_window(*, lecture: Lecture) -> tuple[datetime, datetime]:
    """``(opens_at, closes_at)`` of the lecture for non-admins."""
    return rules.submission_window(
        starts_at=lecture.starts_at,
        ends_at=lecture.ends_at,
        hours=settings.ATTENDANCE_EDIT_WINDOW_HOURS,
    )


def attendance_may_take(*, lecture: Lecture, actor: CustomUser) -> bool:
    """The lecture's instructor (a substitute for their lecture, the course's instructor),
    any supervisor, or an admin — whatever the time."""
    if is_admin(actor):
        return True
    instructor = instructor_of(actor)
    if instructor is None:
        return False
    return instructor.is_supervisor or instructor.pk in (
        lecture.instructor_id,
        lecture.course.instructor_id,
    )


def attendance_can_submit(*, lecture: Lecture, actor: CustomUser, now: datetime) -> bool:
    """Whether a submission by ``actor`` at ``now`` would pass the who/when rules."""
    if lecture.status in OFF_SCHEDULE or not attendance_may_take(lecture=lecture, actor=actor):
        return False
    if is_admin(actor):
        return True
    opens_at, closes_at = attendance_window(lecture=lecture)
    return rules.window_state(opens_at=opens_at, closes_at=closes_at, now=now) == rules.WINDOW_OPEN


def attendance_check_submitter(*, lecture: Lecture, actor: CustomUser, now: datetime) -> None:
    """Raise the 403/409 a submission by ``actor`` at ``now`` would get."""
    if not attendance_may_take(lecture=lecture, actor=actor):
        raise errors.not_course_instructor()
    if lecture.status == LectureStatus.CANCELLED:
        raise errors.lecture_cancelled()
    if lecture.status in UNAPPROVED:
        raise errors.lecture_not_approved()
    if is_admin(actor):
        return
    opens_at, closes_at = attendance_window(lecture=lecture)
    state = rules.window_state(opens_at=opens_at, closes_at=closes_at, now=now)
    if state == rules.WINDOW_NOT_OPEN:
        raise errors.attendance_not_open()
    if state == rules.WINDOW_CLOSED:
        raise errors.attendance_window_closed()


# --- The submission -------------------------------------------------------------------


def attendance_submit(
    *,
    lecture: Lecture,
    actor: CustomUser,
    records: Any,
    now: datetime | None = None,
) -> SubmissionResult:
    """Mark the lecture's participants: all records or none (§6.4).

    ``records`` is the request's list as sent (validated here, after the who/when rules, so
    that a refused caller learns nothing from validation errors). Raises ``Forbidden``
    (``not_course_instructor``, ``attendance_not_open``, ``attendance_window_closed``),
    ``Conflict`` (``lecture_cancelled``) or ``Invalid`` (``invalid_record``,
    ``duplicate_participant``, ``records_required``, ``too_many_records``).
    """
    now = now or timezone.now()
    attendance_check_submitter(lecture=lecture, actor=actor, now=now)
    marks = parse_records(records)
    source = AttendanceSource.ADMIN if is_admin(actor) else AttendanceSource.INSTRUCTOR

    with transaction.atomic():
        # The lock that serialises submissions; the rules are checked again on the locked
        # row (an admin may have cancelled the lecture meanwhile).
        locked = _lock(lecture)
        attendance_check_submitter(lecture=locked, actor=actor, now=now)
        outcome = write_marks(lecture=locked, actor=actor, marks=marks, source=source, now=now)
        locked.attendance_taken = outcome.attendance_taken
        # Nothing to announce when no written record is absent: skip the claim statement.
        alerts = (
            absence_alerts_for_rows(attendance_ids=outcome.absent_rows, now=now)
            if outcome.absent_rows
            else {}
        )
        broadcast_attendance_update(
            lecture=locked, counts=outcome.counts, submitted_by=actor, at=now
        )
    lecture.attendance_taken = locked.attendance_taken
    return SubmissionResult(
        lecture=locked,
        updated=outcome.updated,
        created=outcome.created,
        not_enrolled=outcome.not_enrolled,
        counts=outcome.counts,
        submission_id=outcome.submission_id,
        alerts=alerts,
    )


def _lock(lecture: Lecture) -> Lecture:
    """The lecture, read again under a row lock (``SELECT … FOR UPDATE``) on the lecture
    row only, as the lock order wants (course → lecture → rows; courses.services). The
    rules read the course's instructor: the caller's lecture has usually loaded the course
    already (a non-admin's check did), and the locked copy shares it instead of reading it
    a second time."""
    # A lecture deleted meanwhile answers 404, as it would have a moment earlier.
    locked = lock_row(Lecture, lecture.pk)
    course = Lecture._meta.get_field("course")
    if locked.course_id == lecture.course_id and course.is_cached(lecture):
        course.set_cached_value(locked, course.get_cached_value(lecture))
    return locked

"""The one place instructor attendance changes are pushed to admins (§7).

The consumer of the attendance WebSocket (its own issue) forwards ``instructor_attendance_
update`` events of the admins group to the socket; this module only sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from attendance.models import InstructorAttendance
from core.realtime import admins_group, group_send_safely

EVENT = "instructor_attendance_update"


def instructor_attendance_event(row: InstructorAttendance) -> dict:
    """The event for one row: plain JSON values only (it crosses Redis)."""

    def iso(value):
        return timezone.localtime(value).isoformat() if value else None

    return {
        "type": EVENT,
        "id": row.pk,
        "instructor": row.instructor_id,
        "lecture": row.lecture_id,
        "shift": row.shift_id,
        "date": row.date.isoformat(),
        "status": row.status,
        "check_in_at": iso(row.check_in_at),
        "check_out_at": iso(row.check_out_at),
        "check_in_method": row.check_in_method,
        "rating": row.rating,
        "at": iso(timezone.now()),
    }


def broadcast_instructor_attendance(rows: Iterable[InstructorAttendance]) -> None:
    """After the current transaction commits, tell the admins about each row."""
    for row in rows:
        transaction.on_commit(partial(group_send_safely, admins_group(), _event(row)))


def _event(row: InstructorAttendance) -> dict:
    # Built now, while the row has the values this transaction wrote.
    return instructor_attendance_event(row)

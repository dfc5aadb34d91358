"""Supervisors' weekly shifts (§6.4)."""

from __future__ import annotations

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from attendance import errors
from attendance.models import InstructorAttendance, InstructorAttendanceStatus, SupervisorShift
from core.locking import lock_row
from core.unset import UNSET, Unset, given
from users.models import Instructor, InstructorKind


def _check_supervisor(supervisor: Instructor) -> None:
    if supervisor.kind != InstructorKind.SUPERVISOR:
        raise errors.not_a_supervisor()


@transaction.atomic
def supervisor_shift_create(
    *,
    supervisor: Instructor,
    weekday: int,
    start_time: time,
    end_time: time,
    is_active: bool = True,
) -> SupervisorShift:
    _check_supervisor(supervisor)
    shift = SupervisorShift(
        supervisor=supervisor,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        is_active=is_active,
    )
    shift.full_clean()
    shift.save()
    return shift


@transaction.atomic
def supervisor_shift_update(
    *,
    shift: SupervisorShift,
    supervisor: Instructor | Unset = UNSET,
    weekday: int | Unset = UNSET,
    start_time: time | Unset = UNSET,
    end_time: time | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    now: datetime | None = None,
) -> SupervisorShift:
    """Edit a shift. Rows already planned for it keep their dates; a deactivated shift (or
    one handed to another supervisor) loses its pending rows from today on, recorded rows
    stay."""
    changes = given(
        supervisor=supervisor,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        is_active=is_active,
    )
    if "supervisor" in changes:
        _check_supervisor(changes["supervisor"])
    replanned = {"supervisor", "weekday"} & changes.keys() or changes.get("is_active") is False
    for field, value in changes.items():
        setattr(shift, field, value)
    shift.full_clean()
    shift.save()
    if replanned:
        today = timezone.localdate(now or timezone.now())
        InstructorAttendance.objects.filter(
            shift=shift, status=InstructorAttendanceStatus.PENDING, date__gte=today
        ).delete()
    return shift


@transaction.atomic
def supervisor_shift_delete(*, shift: SupervisorShift) -> None:
    """Delete a shift with nothing recorded (its pending rows go with it); a shift with a
    check-in, an absence or a rating must stay — deactivate it."""
    shift = lock_row(SupervisorShift, shift.pk)
    rows = InstructorAttendance.objects.filter(shift=shift)
    if rows.exclude(status=InstructorAttendanceStatus.PENDING).exists():
        raise errors.shift_has_attendance()
    rows.delete()
    shift.delete()

"""Instructor attendance: manual check-in/out, absence and rating by admins, and the
device scan (§6.4). Every change is pushed to admins after commit (attendance.broadcast).

Lock order: instructor → their attendance rows (the scan); a manual action locks its one
row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance import errors, rules
from attendance.broadcast import broadcast_instructor_attendance
from attendance.job_services import instructor_attendance_plan
from attendance.models import (
    CHECKED_IN,
    CheckInMethod,
    Device,
    DeviceScan,
    InstructorAttendance,
    InstructorAttendanceStatus,
    ScanOutcome,
)
from core.errors import Invalid
from core.locking import lock_row
from core.unset import UNSET, Unset, given
from courses.models import LectureStatus
from courses.rules import local_datetime
from users.models import CustomUser, Instructor

Status = InstructorAttendanceStatus


def _session_start(row: InstructorAttendance) -> tuple[date, time]:
    """The date and wall-clock start of the row's session (the lecture's, which follows a
    moved lecture, or the shift's on the row's date)."""
    if row.lecture_id is not None:
        return row.lecture.date, row.lecture.start_time
    return row.date, row.shift.start_time


def _status_at(row: InstructorAttendance, at: datetime) -> str:
    day, start = _session_start(row)
    return rules.check_in_status(
        day=day, start=start, at=at, grace_minutes=settings.INSTRUCTOR_LATE_GRACE_MINUTES
    )


def _locked(row: InstructorAttendance) -> InstructorAttendance:
    return lock_row(
        InstructorAttendance.objects.select_related("lecture", "shift"), row.pk, of=("self",)
    )


def _not_in_future(at: datetime, now: datetime) -> None:
    if at - now > rules.MAX_CLOCK_SKEW:
        raise errors.time_in_future()


def _on_session_day(row: InstructorAttendance, at: datetime) -> None:
    """A manual time belongs to the session's day (a fuzzer's check-in in 1723 was taken,
    and served with Cairo's old +02:05:09 offset, which is not ISO 8601)."""
    if not rules.on_session_day(day=_session_start(row)[0], at=at):
        raise errors.time_not_on_session_day()


@transaction.atomic
def instructor_attendance_check_in(
    *, row: InstructorAttendance, actor: CustomUser, at: datetime | None = None
) -> InstructorAttendance:
    """An admin checks the instructor in by hand (at ``at``, default now): ``present``, or
    ``late`` after start + grace. A row marked absent may be corrected this way."""
    now = timezone.now()
    at = at or now
    _not_in_future(at, now)
    row = _locked(row)
    if row.status in CHECKED_IN:
        raise errors.already_checked_in()
    _on_session_day(row, at)
    row.status = _status_at(row, at)
    row.check_in_at = at
    row.check_out_at = None
    row.check_in_method = CheckInMethod.MANUAL
    row.device = None
    # No full_clean(): every value is set here from the row and ``at`` (checked above).
    row.save(
        update_fields=[
            "status",
            "check_in_at",
            "check_out_at",
            "check_in_method",
            "device",
            "updated_at",
        ]
    )
    broadcast_instructor_attendance([row])
    return row


@transaction.atomic
def instructor_attendance_check_out(
    *, row: InstructorAttendance, actor: CustomUser, at: datetime | None = None
) -> InstructorAttendance:
    """Record when the instructor left (default now); a later check-out replaces it."""
    now = timezone.now()
    at = at or now
    _not_in_future(at, now)
    row = _locked(row)
    if row.status not in CHECKED_IN:
        raise errors.not_checked_in()
    _on_session_day(row, at)
    if at < row.check_in_at:
        raise errors.check_out_before_check_in()
    row.check_out_at = at
    # No full_clean(): ``at``, the one value from the caller, is checked above.
    row.save(update_fields=["check_out_at", "updated_at"])
    broadcast_instructor_attendance([row])
    return row


@transaction.atomic
def instructor_attendance_mark_absent(
    *, row: InstructorAttendance, actor: CustomUser, now: datetime | None = None
) -> InstructorAttendance:
    """Mark the session absent; a wrong check-in (and its rating) is cleared. Marking an
    absent row again changes nothing. A session that has not started cannot be missed yet
    (400 ``session_not_started``): the nightly job, or an admin once it has begun."""
    row = _locked(row)
    if (now or timezone.now()) < local_datetime(*_session_start(row)):
        raise errors.session_not_started()
    if row.status == Status.ABSENT:
        return row
    row.status = Status.ABSENT
    row.check_in_at = row.check_out_at = None
    row.check_in_method = ""
    row.device = None
    row.rating = None
    row.rated_by = None
    # No full_clean(): a status change that clears fields; nothing from the caller.
    row.save()
    broadcast_instructor_attendance([row])
    return row


@transaction.atomic
def instructor_attendance_rate(
    *,
    row: InstructorAttendance,
    actor: CustomUser,
    rating: int,
    notes: str | Unset = UNSET,
) -> InstructorAttendance:
    """The admin's 1–10 rating of the day's work; only for a session attended."""
    if not rules.rating_valid(rating):
        raise Invalid(
            "rating_out_of_range", _("The rating must be between 1 and 10."), field="rating"
        )
    row = _locked(row)
    if row.status not in CHECKED_IN:
        raise errors.rating_not_allowed()
    row.rating = rating
    row.rated_by = actor
    for name, value in given(notes=notes).items():
        setattr(row, name, value)
    # No full_clean(): the rating is checked above (``rules.rating_valid``), the notes
    # are free text (the model bounds neither their length nor their content; the API's
    # serializer does), the rest is set here.
    row.save(update_fields=["rating", "rated_by", "notes", "updated_at"])
    broadcast_instructor_attendance([row])
    return row


# --- the device scan ------------------------------------------------------------------------


@dataclass
class ScanResult:
    outcome: str
    at: datetime
    clamped: bool
    instructor: Instructor | None = None
    rows: list[InstructorAttendance] = field(default_factory=list)


def instructor_attendance_of_day(
    *, instructor: Instructor, day: date
) -> QuerySet[InstructorAttendance]:
    """The instructor's sessions of ``day``: their shifts, and the lectures they teach that
    day — a substitute's lecture belongs to the substitute, whoever the row was made for."""
    return InstructorAttendance.objects.filter(
        Q(lecture__isnull=True, instructor=instructor, date=day)
        | Q(
            lecture__instructor=instructor,
            lecture__date=day,
            lecture__status__in=[LectureStatus.SCHEDULED, LectureStatus.COMPLETED],
        )
    )


@transaction.atomic
def instructor_attendance_scan(
    *,
    device: Device,
    fingerprint_id: str,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> ScanResult:
    """One scan at the gate. The first scan of the day checks in every pending session of
    the instructor for that day; the next (two minutes or more later) checks out; a scan
    within two minutes of the last one that counted is ignored. Always logged."""
    now = now or timezone.now()
    at, clamped = rules.scan_time(sent=scanned_at, now=now)
    instructor = (
        Instructor.objects.select_for_update().filter(fingerprint_id=fingerprint_id).first()
        if fingerprint_id
        else None
    )
    result = ScanResult(outcome=ScanOutcome.UNKNOWN, at=at, clamped=clamped, instructor=instructor)
    if instructor is not None:
        _apply_scan(result, instructor=instructor, device=device)
    DeviceScan.objects.create(
        device=device,
        instructor=instructor,
        fingerprint_id=fingerprint_id[:64],
        scanned_at=at,
        device_time=scanned_at,
        outcome=result.outcome,
        rows=len(result.rows),
    )
    return result


def _apply_scan(result: ScanResult, *, instructor: Instructor, device: Device) -> None:
    at = result.at
    previous = (
        DeviceScan.objects.filter(
            instructor=instructor, outcome__in=[ScanOutcome.CHECK_IN, ScanOutcome.CHECK_OUT]
        )
        .order_by("-scanned_at", "-id")
        .values_list("scanned_at", flat=True)
        .first()
    )
    if rules.is_repeat(previous=previous, at=at):
        result.outcome = ScanOutcome.REPEAT
        return
    day = timezone.localdate(at)
    # A lecture or shift added after the weekly job still counts at the gate.
    instructor_attendance_plan(first=day, last=day, instructor=instructor)
    rows = list(
        instructor_attendance_of_day(instructor=instructor, day=day)
        .select_for_update(of=("self",))
        .select_related("lecture", "shift")
        .order_by("id")
    )
    pending = [row for row in rows if row.status == Status.PENDING]
    if pending:
        for row in pending:
            row.instructor = instructor
            row.status = _status_at(row, at)
            row.check_in_at = at
            row.check_in_method = CheckInMethod.DEVICE
            row.device = device
        fields = ["instructor", "status", "check_in_at", "check_in_method", "device"]
        result.outcome, result.rows = ScanOutcome.CHECK_IN, pending
    else:
        present = [r for r in rows if r.status in CHECKED_IN and r.check_in_at <= at]
        for row in present:
            row.check_out_at = at
        fields = ["check_out_at"]
        result.outcome = ScanOutcome.CHECK_OUT if present else ScanOutcome.NO_SESSION
        result.rows = present
    if result.rows:
        now = timezone.now()
        for row in result.rows:
            row.updated_at = now
        InstructorAttendance.objects.bulk_update(result.rows, [*fields, "updated_at"])
        broadcast_instructor_attendance(result.rows)

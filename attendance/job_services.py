"""The steps of the attendance jobs (§8), set-based: a fixed number of statements whatever
the number of rows. They run inside ``attendance.jobs.run_job`` (lock, transaction, log)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from attendance import rules
from attendance.models import (
    AttendanceSource,
    InstructorAttendance,
    InstructorAttendanceStatus,
    LectureAttendance,
    SupervisorShift,
)
from courses.models import Lecture, LectureStatus
from courses.rules import CENTER_TZ, center_weekday

Status = InstructorAttendanceStatus
HELD = [LectureStatus.SCHEDULED, LectureStatus.COMPLETED]


def _reassign_substitutes(*, first: date, last: date) -> int:
    """Pending lecture rows follow the lecture's instructor (a substitute set after the
    rows were planned). One UPDATE."""
    lecture_instructor = Lecture.objects.filter(pk=OuterRef("lecture_id")).values("instructor_id")
    return (
        InstructorAttendance.objects.filter(
            status=Status.PENDING, lecture__date__gte=first, lecture__date__lte=last
        )
        .exclude(instructor_id=Subquery(lecture_instructor))
        .update(instructor_id=Subquery(lecture_instructor))
    )


def instructor_attendance_generate_week(*, day: date) -> dict:
    """Pending rows for every lecture (not cancelled) and every active shift of the seven
    days from ``day``. Existing rows are left alone, so a second run creates nothing."""
    days = rules.week_days(day)
    first, last = days[0], days[-1]
    reassigned = _reassign_substitutes(first=first, last=last)

    has_row = InstructorAttendance.objects.filter(lecture=OuterRef("pk"))
    lectures = (
        Lecture.objects.filter(date__gte=first, date__lte=last, status__in=HELD)
        .exclude(Exists(has_row))
        .values_list("pk", "instructor_id", "date")
    )
    lecture_rows = [
        InstructorAttendance(lecture_id=pk, instructor_id=instructor_id, date=when)
        for pk, instructor_id, when in lectures
    ]

    shifts = list(
        SupervisorShift.objects.filter(
            is_active=True, supervisor__user__is_active=True
        ).values_list("pk", "supervisor_id", "weekday")
    )
    existing = set(
        InstructorAttendance.objects.filter(
            shift__isnull=False, date__gte=first, date__lte=last
        ).values_list("shift_id", "date")
    )
    shift_rows = [
        InstructorAttendance(shift_id=pk, instructor_id=supervisor_id, date=when)
        for when in days
        for pk, supervisor_id, weekday in shifts
        if weekday == center_weekday(when) and (pk, when) not in existing
    ]
    # The job's lock makes these rows new; ignore_conflicts is the belt to those braces.
    InstructorAttendance.objects.bulk_create(
        lecture_rows + shift_rows, batch_size=2000, ignore_conflicts=True
    )
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "lecture_rows": len(lecture_rows),
        "shift_rows": len(shift_rows),
        "reassigned": reassigned,
    }


def _ended(day: date, now: datetime, *, end_field: str) -> Q:
    """Sessions of ``day`` over by ``now``: all of a past day, those ended today, none of a
    future day."""
    local = timezone.localtime(now, CENTER_TZ)
    if day < local.date():
        return Q()
    if day == local.date():
        return Q(**{f"{end_field}__lte": local.time()})
    return Q(pk__in=[])


def attendance_mark_absent_day(*, day: date, now: datetime | None = None) -> dict:
    """The nightly marking of ``day`` (§8), in four statements:

    1. unmarked participants' rows of that day's held lectures (ended by ``now``) become
       ``present=false``, ``source="system"``, no ``marked_by``, ``marked_at=now``;
    2. pending rows of lectures taught by a substitute move to the substitute;
    3. pending instructor rows of that day's held lectures and shifts become ``absent``;
    4. pending instructor rows of that day's cancelled lectures are removed.

    Nothing already marked is touched (every UPDATE filters on "still unmarked").
    ``attendance_taken`` stays as it was: it says that someone took the attendance.

    The absence alerts (§6.6) hook in here: the rows this run marked are exactly
    ``LectureAttendance(source="system", marked_at=now, lecture__date=day)``, so the alert
    step can be a single INSERT … SELECT on that filter inside the same transaction.
    """
    now = now or timezone.now()
    roster = LectureAttendance.objects.filter(
        present__isnull=True,
        lecture__date=day,
        lecture__status__in=HELD,
    ).filter(_ended(day, now, end_field="lecture__end_time"))
    absent_participants = roster.update(
        present=False,
        rating=None,
        source=AttendanceSource.SYSTEM,
        marked_by=None,
        marked_at=now,
        updated_at=now,
    )

    reassigned = _reassign_substitutes(first=day, last=day)
    lecture_rows = Q(lecture__date=day, lecture__status__in=HELD) & _ended(
        day, now, end_field="lecture__end_time"
    )
    shift_rows = Q(lecture__isnull=True, date=day) & _ended(day, now, end_field="shift__end_time")
    absent_instructors = (
        InstructorAttendance.objects.filter(status=Status.PENDING)
        .filter(lecture_rows | shift_rows)
        .update(status=Status.ABSENT, updated_at=now)
    )
    cancelled, _ = InstructorAttendance.objects.filter(
        status=Status.PENDING, lecture__date=day, lecture__status=LectureStatus.CANCELLED
    ).delete()
    return {
        "date": day.isoformat(),
        "participants_absent": absent_participants,
        "instructors_absent": absent_instructors,
        "reassigned": reassigned,
        "cancelled_removed": cancelled,
    }


def today_in_cairo(now: datetime | None = None) -> date:
    """The default ``--date`` of every job: the center's today (the weekly job at Sunday
    00:05 plans Sunday … Saturday; the nightly one at 23:59 marks the day ending)."""
    return timezone.localdate(now or timezone.now(), CENTER_TZ)

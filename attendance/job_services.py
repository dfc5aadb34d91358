"""The steps of the attendance jobs (§8), set-based: a fixed number of statements whatever
the number of rows. They run inside ``core.jobs.run_job`` (lock, transaction, log)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from attendance import rules
from attendance.absence_alerts import absence_alerts_for_rows
from attendance.live import broadcast_attendance_updates
from attendance.models import (
    AttendanceSource,
    InstructorAttendance,
    InstructorAttendanceStatus,
    LectureAttendance,
    SupervisorShift,
)
from attendance.selectors import counts_of, lectures_with_counts
from core.sql import IdIn, update_returning
from courses.models import Lecture, LectureStatus
from courses.rules import CENTER_TZ, center_weekday
from users.models import Instructor

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


def instructor_attendance_plan(
    *, first: date, last: date, instructor: Instructor | None = None
) -> tuple[int, int]:
    """Create the missing pending rows of ``first`` … ``last``: one per lecture (not
    cancelled) for its instructor and one per active shift on each of its weekdays; only
    ``instructor``'s when given. Returns (lecture rows, shift rows) created. A fixed number
    of statements; existing rows are left alone, so planning twice creates nothing."""
    has_row = InstructorAttendance.objects.filter(lecture=OuterRef("pk"))
    lectures = Lecture.objects.filter(date__gte=first, date__lte=last, status__in=HELD)
    shifts = SupervisorShift.objects.filter(is_active=True, supervisor__user__is_active=True)
    if instructor is not None:
        lectures = lectures.filter(instructor=instructor)
        shifts = shifts.filter(supervisor=instructor)
    lecture_rows = [
        InstructorAttendance(lecture_id=pk, instructor_id=instructor_id, date=when)
        for pk, instructor_id, when in lectures.exclude(Exists(has_row)).values_list(
            "pk", "instructor_id", "date"
        )
    ]
    shifts = list(shifts.values_list("pk", "supervisor_id", "weekday"))
    existing = set(
        InstructorAttendance.objects.filter(
            shift_id__in=[pk for pk, _, _ in shifts], date__gte=first, date__lte=last
        ).values_list("shift_id", "date")
    )
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    shift_rows = [
        InstructorAttendance(shift_id=pk, instructor_id=supervisor_id, date=when)
        for when in days
        for pk, supervisor_id, weekday in shifts
        if weekday == center_weekday(when) and (pk, when) not in existing
    ]
    if lecture_rows or shift_rows:
        # The job's lock (or the scanned instructor's row lock) makes these rows new;
        # ignore_conflicts is the belt to those braces.
        InstructorAttendance.objects.bulk_create(
            lecture_rows + shift_rows, batch_size=2000, ignore_conflicts=True
        )
    return len(lecture_rows), len(shift_rows)


def instructor_attendance_generate_week(*, day: date) -> dict:
    """Pending rows for every lecture (not cancelled) and every active shift of the seven
    days from ``day``; pending rows of lectures given to a substitute move to them."""
    days = rules.week_days(day)
    first, last = days[0], days[-1]
    reassigned = _reassign_substitutes(first=first, last=last)
    lecture_rows, shift_rows = instructor_attendance_plan(first=first, last=last)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "lecture_rows": lecture_rows,
        "shift_rows": shift_rows,
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
    """The nightly marking of ``day`` (§8), in a fixed handful of statements:

    0. the day's held lectures are locked (the lock order of every attendance writer);
    1. unmarked participants' rows of that day's held lectures (ended by ``now``) become
       ``present=false``, ``source="system"``, no ``marked_by``, ``marked_at=now``;
    2. pending rows of lectures taught by a substitute move to the substitute, and the
       day's missing instructor rows (a lecture added after the weekly run) are planned;
    3. pending instructor rows of that day's held lectures and shifts become ``absent``;
    4. pending instructor rows of that day's cancelled lectures are removed.

    Nothing already marked is touched (every UPDATE filters on "still unmarked").
    ``attendance_taken`` stays as it was: it says that someone took the attendance.

    Between 1 and 2, the absences this run made — exactly the rows its UPDATE returned —
    are announced in bulk (``attendance.absence_alerts``: two INSERT … SELECT statements in
    this transaction, the SMS streamed after the commit), and each lecture marked gets its
    ``attendance_update`` after the commit (one SELECT, §7).
    """
    now = now or timezone.now()
    # Lock order (courses.services): lectures, then the rows hanging on them. A submission
    # holds its lecture FOR UPDATE while it writes rows and claims alerts; the job takes the
    # day's lectures (in primary-key order) before it touches their rows, so the two wait
    # in line instead of in a circle (found by RacingWritersTests: without this the job's
    # claim waited for the lecture a submission held while that submission waited for the
    # row the job had marked).
    list(
        Lecture.objects.filter(date=day, status__in=HELD)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )
    roster = LectureAttendance.objects.filter(
        present__isnull=True,
        lecture__date=day,
        lecture__status__in=HELD,
    ).filter(_ended(day, now, end_field="lecture__end_time"))
    marked = update_returning(
        roster,
        {
            "present": False,
            "rating": None,
            "source": AttendanceSource.SYSTEM,
            "marked_by": None,
            "marked_at": now,
            "updated_at": now,
        },
        returning=("id", "lecture_id"),
    )
    absent_participants = len(marked)

    row_ids = [pk for pk, _lecture in marked]
    alerts = absence_alerts_for_rows(attendance_ids=row_ids, now=now) if marked else {}
    lecture_ids = sorted({lecture for _pk, lecture in marked})
    announced = _announce_marked_lectures(lecture_ids, now=now) if marked else 0

    reassigned = _reassign_substitutes(first=day, last=day)
    planned = sum(instructor_attendance_plan(first=day, last=day))
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
        "absence_alerts": alerts.get("absence_alerts", 0),
        "absence_notifications": alerts.get("absence_notifications", 0),
        "lectures_announced": announced,
        "instructors_absent": absent_instructors,
        "reassigned": reassigned,
        "instructor_rows_planned": planned,
        "cancelled_removed": cancelled,
    }


def _announce_marked_lectures(lecture_ids: list[int], *, now: datetime) -> int:
    """§7: the job's marks are attendance submitted by the job, so each lecture it marked
    gets its ``attendance_update`` (``submitted_by`` null) after the commit, like a
    submission's. The lectures are exactly those of the rows this run marked (their ids
    came back from the UPDATE); one query reads them with their counts."""
    lectures = (
        Lecture.objects.filter(IdIn("pk", lecture_ids))
        .only("pk", "course_id", "date", "attendance_taken", "instructor_id")
        .order_by("pk")
    )
    return broadcast_attendance_updates(
        ((lecture, counts_of(lecture)) for lecture in lectures_with_counts(lectures)),
        submitted_by=None,
        at=now,
    )

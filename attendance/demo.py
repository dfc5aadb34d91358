"""The attendance part of the demo (``enrollments_payments.demo`` tells the story): roll
calls taken through ``attendance_submit`` at a time inside each lecture's window, the
instructor's sessions planned by the weekly job and checked in, out and rated by an admin,
and one day left to the nightly job. Nothing here writes a row behind a service's back."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta

from attendance.cron import generate_instructor_attendance_weekly, mark_absent_daily
from attendance.instructor_attendance_services import (
    instructor_attendance_check_in,
    instructor_attendance_check_out,
    instructor_attendance_rate,
)
from attendance.job_services import instructor_attendance_plan
from attendance.models import (
    InstructorAttendance,
    InstructorAttendanceStatus,
    LectureAttendance,
)
from attendance.submission import SubmissionResult, attendance_submit
from core.models import JobLog, JobStatus
from courses.models import Lecture
from users.models import Child, CustomUser
from users.participants import Participant

# Ratings handed out in turn, so that averages differ from child to child and from week
# to week without any randomness (a second run, or a test, sees the same figures).
RATINGS = ("9.00", "8.50", "10.00", "7.50", "9.50", "8.00", "9.00")
# §6.4 asks a rating of every record, absent ones included (the SPEC's own example gives
# an absent child 5.50); the demo follows it.
ABSENT_RATING = "5.50"
GOOD_NOTES = "حفظ ممتاز"  # "excellent memorisation", on every fifth present mark
# When the instructor takes the roll: ten minutes into the lecture.
ROLL_CALL_AFTER = timedelta(minutes=10)
# When the instructor arrives: seven minutes early, or a quarter of an hour late.
ON_TIME = timedelta(minutes=-7)
LATE = timedelta(minutes=15)
LEAVES_AFTER_END = timedelta(minutes=3)
STAFF_RATINGS = (9, 8, 10, 9, 7)


def _key(participant: Participant) -> tuple[str, int]:
    return ("child" if isinstance(participant, Child) else "student", participant.pk)


def demo_roll_call(
    *,
    lecture: Lecture,
    actor: CustomUser,
    now: datetime,
    absent: Collection[Participant] = (),
) -> SubmissionResult:
    """Take the lecture's attendance as ``actor`` (its instructor) would, ten minutes into
    it (or at ``now`` when that is earlier): everyone on the roster present with a rating,
    except ``absent``. Absences make their alerts, as any submission does."""
    at = min(lecture.starts_at + ROLL_CALL_AFTER, now)
    missing = {_key(p) for p in absent}
    records = []
    roster = LectureAttendance.objects.filter(lecture=lecture).order_by("pk")
    for turn, (child_id, student_id) in enumerate(roster.values_list("child_id", "student_id")):
        kind, pk = ("child", child_id) if child_id else ("student", student_id)
        if (kind, pk) in missing:
            records.append({kind: pk, "present": False, "rating": ABSENT_RATING})
            continue
        rating = RATINGS[(lecture.number + turn) % len(RATINGS)]
        record = {kind: pk, "present": True, "rating": rating}
        if (lecture.number + turn) % 5 == 0:
            record["notes"] = GOOD_NOTES
        records.append(record)
    return attendance_submit(lecture=lecture, actor=actor, records=records, now=at)


def demo_plan_sessions(*, first: date, today: date) -> JobLog:
    """The instructors' pending rows: the held sessions since ``first`` (what the weekly
    job made on the Sundays before), then this week's run of the weekly job itself."""
    instructor_attendance_plan(first=first, last=today)
    # Python's weekday: Monday = 0 … Sunday = 6; the job runs on Sunday at 00:05.
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    return _succeeded(generate_instructor_attendance_weekly(day=sunday))


def demo_staff_attendance(
    *,
    lectures: Iterable[Lecture],
    admin: CustomUser,
    now: datetime,
    late: Collection[Lecture] = (),
) -> int:
    """An admin records each lecture's instructor session (planned by the weekly job):
    checked in before the start — a quarter of an hour after it for ``late`` — checked
    out and rated once the lecture is over. Sessions already recorded are left alone.
    Returns how many were recorded."""
    late_ids = {lecture.pk for lecture in late}
    recorded = 0
    for turn, lecture in enumerate(lectures):
        row = InstructorAttendance.objects.filter(
            lecture=lecture, status=InstructorAttendanceStatus.PENDING
        ).first()
        if row is None:
            continue
        arrived = lecture.starts_at + (LATE if lecture.pk in late_ids else ON_TIME)
        row = instructor_attendance_check_in(row=row, actor=admin, at=min(arrived, now))
        left = lecture.ends_at + LEAVES_AFTER_END
        if left <= now:
            row = instructor_attendance_check_out(row=row, actor=admin, at=left)
            instructor_attendance_rate(
                row=row, actor=admin, rating=STAFF_RATINGS[turn % len(STAFF_RATINGS)]
            )
        recorded += 1
    return recorded


def demo_nightly_job(*, day: date) -> JobLog:
    """The nightly job for ``day``, run as ``manage.py mark_absent_daily --date`` runs it:
    the unmarked rows of that day's lectures become absences (with their alerts)."""
    return _succeeded(mark_absent_daily(day=day))


def _succeeded(log: JobLog) -> JobLog:
    if log.status != JobStatus.SUCCESS:
        raise RuntimeError(f"demo: job {log.job_name} for {log.run_date}: {log.status} {log.error}")
    return log

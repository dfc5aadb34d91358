"""Lecture generation from a course's weekly schedule, and regeneration after changes.

One function does both: it computes the sessions the schedule asks for and brings the
course's lectures in line, touching only lectures that are safe to replace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from attendance.roster import (
    roster_add_lectures,
    roster_lectures_with_marks,
    roster_remove_unmarked,
)
from courses import rules
from courses.models import MAX_NUM_LECTURES, Course, Lecture, LectureStatus

# Temporary offset that moves numbers out of the way while renumbering, so the unique
# (course, number) constraint never sees two rows with the same number mid-way.
_RENUMBER_OFFSET = 1_000_000


@dataclass(frozen=True)
class GenerationResult:
    created: int
    removed: int
    kept: int
    roster_rows: int


def _is_frozen(lecture: Lecture, *, now: datetime) -> bool:
    """Lectures regeneration must never replace: history, hand edits, marked attendance."""
    return (
        lecture.attendance_taken
        or lecture.has_marks
        or lecture.is_manual
        or lecture.status != LectureStatus.SCHEDULED
        or rules.has_started(lecture.date, lecture.start_time, now=now)
    )


def _wanted_sessions(
    course: Course, frozen: list[Lecture], *, now: datetime, initial: bool
) -> list[rules.Session]:
    slots = [(s.weekday, s.start_time, s.end_time) for s in course.schedule.all()]
    covered = set()
    for lecture in frozen:
        covered.add((lecture.date, lecture.start_time))
        if lecture.planned_date is not None:
            covered.add((lecture.planned_date, lecture.planned_start_time))

    def open_session(session: rules.Session) -> bool:
        if (session.date, session.start_time) in covered:
            return False
        # The first generation may record sessions already held; later runs never add
        # lectures in the past.
        return initial or not rules.has_started(session.date, session.start_time, now=now)

    sessions = rules.planned_sessions(
        slots=slots, start_date=course.start_date, end_date=course.end_date
    )
    candidates = (s for s in sessions if open_session(s))
    if course.num_lectures is None:
        return list(islice(candidates, MAX_NUM_LECTURES))
    # Kept lectures (held, marked, hand-made, cancelled) count towards num_lectures; the
    # schedule supplies only what is missing, from the earliest open session on.
    missing = max(course.num_lectures - len(frozen), 0)
    return list(islice(candidates, missing))


@transaction.atomic
def lectures_generate(*, course: Course, now: datetime | None = None) -> GenerationResult:
    """Create, keep or replace the course's lectures so they follow its weekly schedule.

    - Idempotent: a second run with nothing changed creates and removes nothing.
    - Never touches a lecture that has started, has ``attendance_taken`` or a marked
      attendance row, was created or moved by an admin, or is cancelled/completed.
    - Other lectures that no longer match the schedule are removed (their unmarked roster
      rows first); missing sessions are created in ONE bulk insert and given roster rows.
    - Lectures are then numbered 1…n in date order.
    """
    now = now or timezone.now()
    course = Course.objects.select_for_update().get(pk=course.pk)
    lectures = list(
        roster_lectures_with_marks(Lecture.objects.filter(course=course)).order_by(
            "date", "start_time", "id"
        )
    )
    frozen = [lec for lec in lectures if _is_frozen(lec, now=now)]
    replaceable = {(lec.date, lec.start_time, lec.end_time): lec for lec in lectures}
    for lec in frozen:
        replaceable.pop((lec.date, lec.start_time, lec.end_time), None)

    wanted = _wanted_sessions(course, frozen, now=now, initial=not lectures)
    to_create = []
    for session in wanted:
        key = (session.date, session.start_time, session.end_time)
        if replaceable.pop(key, None) is None:
            to_create.append(session)
    # Whatever replaceable lecture matched no wanted session is obsolete.
    obsolete = list(replaceable.values())
    if obsolete:
        roster_remove_unmarked(lectures=obsolete)
        Lecture.objects.filter(pk__in=[lec.pk for lec in obsolete]).delete()

    new_lectures = [
        Lecture(
            course=course,
            date=s.date,
            start_time=s.start_time,
            end_time=s.end_time,
            instructor_id=course.instructor_id,
            planned_date=s.date,
            planned_start_time=s.start_time,
        )
        for s in to_create
    ]
    # Number everything in date order before writing, so a first generation is a single
    # INSERT and later ones touch only the kept lectures whose number moves.
    obsolete_ids = {lec.pk for lec in obsolete}
    kept = [lec for lec in lectures if lec.pk not in obsolete_ids]
    ordered = sorted(
        [*kept, *new_lectures],
        key=lambda lec: (lec.date, lec.start_time, lec.pk is None, lec.pk or 0),
    )
    moved = []
    for number, lecture in enumerate(ordered, start=1):
        if lecture.pk is not None and lecture.number != number:
            moved.append(lecture)
        lecture.number = number
    _shift_out_of_the_way(moved)
    Lecture.objects.bulk_create(new_lectures)
    if moved:
        Lecture.objects.bulk_update(moved, ["number"])
    roster_rows = roster_add_lectures(lectures=new_lectures)
    return GenerationResult(
        created=len(new_lectures),
        removed=len(obsolete),
        kept=len(lectures) - len(obsolete),
        roster_rows=roster_rows,
    )


def _shift_out_of_the_way(lectures: list[Lecture]) -> None:
    """Move these lectures' stored numbers past every real number in one UPDATE, so
    writing the new numbers never trips the unique (course, number) constraint."""
    if lectures:
        Lecture.objects.filter(pk__in=[lec.pk for lec in lectures]).update(
            number=F("number") + _RENUMBER_OFFSET
        )


def lectures_renumber(*, course: Course) -> int:
    """Number the course's lectures 1…n by date and start time; return how many changed.

    A bounded number of queries: read, shift the changed rows out of the way, write back.
    """
    rows = list(
        Lecture.objects.filter(course=course)
        .order_by("date", "start_time", "id")
        .only("id", "number")
    )
    changed = []
    for number, lecture in enumerate(rows, start=1):
        if lecture.number != number:
            lecture.number = number
            changed.append(lecture)
    if not changed:
        return 0
    _shift_out_of_the_way(changed)
    Lecture.objects.bulk_update(changed, ["number"])
    return len(changed)

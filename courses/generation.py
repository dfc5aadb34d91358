"""Lecture generation from a course's weekly schedule, and regeneration after changes.

One function does both: it computes the sessions the schedule asks for and brings the
course's lectures in line, touching only lectures that are safe to change. A lecture keeps
its identity (id, title, substitute instructor, attendance rows) when its slot's times
change: it is matched by slot and planned date and updated in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.roster import (
    roster_add_lectures,
    roster_lectures_with_marks,
    roster_remove_unmarked,
)
from core.errors import Invalid
from core.locking import lock_row
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
    # Kept lectures whose times (or slot) were updated in place; counted in ``kept`` too.
    retimed: int = 0


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
) -> list[tuple[rules.Session, int]]:
    """The sessions to hold, each with the id of the weekly slot it comes from.

    Raises ``too_many_lectures`` when the course's dates give more sessions than
    ``MAX_NUM_LECTURES`` (rather than silently dropping the last ones).
    """
    slots = list(course.schedule.all())
    # (course, weekday, start_time) is unique, so it names the slot of a session.
    slot_ids = {(s.weekday, s.start_time): s.pk for s in slots}
    covered = set()
    covered_by_slot = set()
    for lecture in frozen:
        covered.add((lecture.date, lecture.start_time))
        if lecture.planned_date is not None:
            covered.add((lecture.planned_date, lecture.planned_start_time))
            if lecture.slot_id is not None:
                # A kept lecture holds its slot's session that day even after the slot's
                # times changed.
                covered_by_slot.add((lecture.slot_id, lecture.planned_date))

    def slot_of(session: rules.Session) -> int:
        return slot_ids[(rules.center_weekday(session.date), session.start_time)]

    def open_session(session: rules.Session) -> bool:
        if (session.date, session.start_time) in covered:
            return False
        if (slot_of(session), session.date) in covered_by_slot:
            return False
        # The first generation may record sessions already held; later runs never add
        # lectures in the past.
        return initial or not rules.has_started(session.date, session.start_time, now=now)

    sessions = rules.planned_sessions(
        slots=[(s.weekday, s.start_time, s.end_time) for s in slots],
        start_date=course.start_date,
        end_date=course.end_date,
    )
    if course.num_lectures is None:
        sessions = list(islice(sessions, MAX_NUM_LECTURES + 1))
        if len(sessions) > MAX_NUM_LECTURES:
            raise Invalid(
                "too_many_lectures",
                _(
                    "These dates and weekly slots give more than %(max)d lectures; "
                    "shorten the course or set a number of lectures."
                )
                % {"max": MAX_NUM_LECTURES},
                field="end_date",
            )
        return [(s, slot_of(s)) for s in sessions if open_session(s)]
    # Kept lectures (held, marked, hand-made, cancelled) count towards num_lectures; the
    # schedule supplies only what is missing, from the earliest open session on.
    missing = max(course.num_lectures - len(frozen), 0)
    return [(s, slot_of(s)) for s in islice((s for s in sessions if open_session(s)), missing)]


@transaction.atomic
def lectures_generate(*, course: Course, now: datetime | None = None) -> GenerationResult:
    """Create, keep, re-time or remove the course's lectures so they follow its schedule.

    - Idempotent: a second run with nothing changed creates and removes nothing.
    - Never touches a lecture that has started, has ``attendance_taken`` or a marked
      attendance row, was created or edited by an admin, or is cancelled/completed.
    - A lecture whose slot changed times is updated IN PLACE (matched by slot and planned
      date): it keeps its id, title, substitute instructor and attendance rows.
    - Other lectures that no longer match the schedule are removed (their unmarked roster
      rows first); missing sessions are created in ONE bulk insert and given roster rows.
    - Lectures are then numbered 1…n in date order.

    Lock order (see courses.services): the course row, then its lectures.
    """
    now = now or timezone.now()
    course = lock_row(Course, course.pk)
    lectures = list(
        roster_lectures_with_marks(Lecture.objects.filter(course=course)).order_by(
            "date", "start_time", "id"
        )
    )
    frozen = [lec for lec in lectures if _is_frozen(lec, now=now)]
    frozen_ids = {lec.pk for lec in frozen}
    replaceable = {
        (lec.date, lec.start_time, lec.end_time): lec
        for lec in lectures
        if lec.pk not in frozen_ids
    }

    wanted = _wanted_sessions(course, frozen, now=now, initial=not lectures)
    unmatched = []
    retimed = []
    for session, slot_id in wanted:
        lecture = replaceable.pop((session.date, session.start_time, session.end_time), None)
        if lecture is None:
            unmatched.append((session, slot_id))
        elif lecture.slot_id != slot_id:
            lecture.slot_id = slot_id
            retimed.append(lecture)
    # Same slot, same planned day, new times: the lecture follows its slot.
    by_slot = {
        (lec.slot_id, lec.planned_date): key
        for key, lec in replaceable.items()
        if lec.slot_id is not None
    }
    to_create = []
    for session, slot_id in unmatched:
        key = by_slot.pop((slot_id, session.date), None)
        if key is None:
            to_create.append((session, slot_id))
            continue
        lecture = replaceable.pop(key)
        lecture.date = lecture.planned_date = session.date
        lecture.start_time = lecture.planned_start_time = session.start_time
        lecture.end_time = session.end_time
        retimed.append(lecture)
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
            slot_id=slot_id,
        )
        for s, slot_id in to_create
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
    if retimed:
        Lecture.objects.bulk_update(
            retimed,
            ["date", "start_time", "end_time", "planned_date", "planned_start_time", "slot"],
        )
    roster_rows = roster_add_lectures(lectures=new_lectures)
    return GenerationResult(
        created=len(new_lectures),
        removed=len(obsolete),
        kept=len(lectures) - len(obsolete),
        roster_rows=roster_rows,
        retimed=len(retimed),
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

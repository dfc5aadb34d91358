"""Lecture generation from a course's weekly schedule, and regeneration after changes.

``lectures_plan`` — a pure function of plain values — computes the sessions the schedule
asks for and what to do to the course's lectures to follow them, touching only lectures
that are safe to change; ``lectures_generate`` reads the course, plans and applies. A lecture keeps
its identity (id, title, substitute instructor, attendance rows) when its slot's times
change: it is matched by slot and planned date and updated in place.

The plan also says what it does in terms staff understand (``moved``, ``create``,
``removed``, ``left_alone``): the admin turns it into its message after a schedule edit.
Lectures already held (ended, or with attendance) keep their numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
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
from courses.models import MAX_NUM_LECTURES, UNAPPROVED, Course, Lecture, LectureStatus

# Temporary offset that moves numbers out of the way while renumbering, so the unique
# (course, number) constraint never sees two rows with the same number mid-way.
_RENUMBER_OFFSET = 1_000_000
# What re-timing a kept lecture writes.
_RETIMED_FIELDS = [
    "date",
    "start_time",
    "end_time",
    "planned_date",
    "planned_start_time",
    "slot_id",
]


@dataclass(frozen=True)
class GenerationResult:
    created: int
    removed: int
    kept: int
    roster_rows: int
    # Kept lectures whose times (or slot) were updated in place; counted in ``kept`` too.
    retimed: int = 0
    # What was done, lecture by lecture (for messages to staff).
    plan: LecturePlan | None = None


@dataclass(frozen=True)
class ExistingLecture:
    """What the plan needs to know of a lecture of the course (plain values)."""

    id: int
    date: date
    start_time: time
    end_time: time
    number: int
    slot_id: int | None = None
    planned_date: date | None = None
    planned_start_time: time | None = None
    status: str = LectureStatus.SCHEDULED
    attendance_taken: bool = False
    has_marks: bool = False
    is_manual: bool = False


@dataclass(frozen=True)
class Slot:
    """A weekly slot of the course's schedule (plain values)."""

    id: int
    weekday: int  # the center's weekday: Saturday = 0 … Friday = 6
    start_time: time
    end_time: time


@dataclass(frozen=True)
class NewLecture:
    date: date
    start_time: time
    end_time: time
    slot_id: int
    number: int


@dataclass(frozen=True)
class Retimed:
    """A kept lecture's new slot and times (planned date and start follow the times)."""

    id: int
    slot_id: int
    date: date
    start_time: time
    end_time: time
    planned_date: date | None
    planned_start_time: time | None


@dataclass(frozen=True)
class Moved:
    """A kept lecture that changes day or times: where it was and where it goes."""

    id: int
    number: int  # its number once the plan is applied
    old_date: date
    old_start_time: time
    date: date
    start_time: time
    end_time: time


@dataclass(frozen=True)
class LecturePlan:
    """What generation will do to the course's lectures."""

    create: list[NewLecture]
    remove: list[int]  # ids of obsolete lectures
    retime: list[Retimed]
    renumber: dict[int, int]  # id → new number, for kept lectures whose number moves
    kept: int
    # The same changes as staff see them (numbers are those after the plan, except for
    # removed lectures, which keep the number they had).
    moved: list[Moved] = field(default_factory=list)
    removed: list[ExistingLecture] = field(default_factory=list)
    # Lectures edited by hand whose weekly slot moved away: kept as they are.
    left_alone: list[ExistingLecture] = field(default_factory=list)


def _is_frozen(lecture: ExistingLecture, *, now: datetime) -> bool:
    """Lectures regeneration must never replace: history, hand edits, marked attendance."""
    return (
        lecture.attendance_taken
        or lecture.has_marks
        or lecture.is_manual
        or lecture.status != LectureStatus.SCHEDULED
        or rules.has_started(lecture.date, lecture.start_time, now=now)
    )


def _is_held(lecture: ExistingLecture, *, now: datetime) -> bool:
    """History whose number people already know: ended, or with attendance."""
    return (
        lecture.attendance_taken
        or lecture.has_marks
        or now >= rules.local_datetime(lecture.date, lecture.end_time)
    )


def _slot_keys(slots: Sequence[Slot]) -> set[tuple[int, time]]:
    return {(slot.weekday, slot.start_time) for slot in slots}


def _left_alone(
    frozen: Sequence[ExistingLecture],
    *,
    slots: Sequence[Slot],
    previous_slots: Sequence[Slot],
    now: datetime,
) -> list[ExistingLecture]:
    """Hand-edited lectures still to come whose session belonged to a weekly slot of
    ``previous_slots`` that the schedule no longer has, and which still sit at a day and
    time the schedule does not hold: regeneration keeps them, staff should look at them."""
    new, old = _slot_keys(slots), _slot_keys(previous_slots)
    found = []
    for lecture in frozen:
        if not lecture.is_manual or lecture.status != LectureStatus.SCHEDULED:
            continue
        if rules.has_started(lecture.date, lecture.start_time, now=now):
            continue
        origin_date = lecture.planned_date or lecture.date
        origin = (
            rules.center_weekday(origin_date),
            lecture.planned_start_time or lecture.start_time,
        )
        where = (rules.center_weekday(lecture.date), lecture.start_time)
        if origin in old and origin not in new and where not in new:
            found.append(lecture)
    return found


def _numbers(order: list, *, pinned: dict[int, int]) -> list[int]:
    """Numbers for ``order`` (kept and new lectures in date order): ``pinned`` lectures
    (id → number) keep theirs, the others take the free numbers 1, 2, … in date order."""
    taken = set(pinned.values())
    numbers = []
    candidate = 1
    for _when, is_new, ref, _lecture in order:
        if not is_new and ref in pinned:
            numbers.append(pinned[ref])
            continue
        while candidate in taken:
            candidate += 1
        numbers.append(candidate)
        candidate += 1
    return numbers


def _wanted_sessions(
    *,
    slots: Sequence[Slot],
    start_date: date,
    end_date: date | None,
    num_lectures: int | None,
    frozen: list[ExistingLecture],
    now: datetime,
    initial: bool,
) -> list[tuple[rules.Session, int]]:
    """The sessions to hold, each with the id of the weekly slot it comes from.

    Raises ``too_many_lectures`` when the course's dates give more sessions than
    ``MAX_NUM_LECTURES`` (rather than silently dropping the last ones).
    """
    # (course, weekday, start_time) is unique, so it names the slot of a session.
    slot_ids = {(s.weekday, s.start_time): s.id for s in slots}
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
        start_date=start_date,
        end_date=end_date,
    )
    if num_lectures is None:
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
    missing = max(num_lectures - len(frozen), 0)
    return [(s, slot_of(s)) for s in islice((s for s in sessions if open_session(s)), missing)]


def lectures_plan(
    *,
    lectures: Sequence[ExistingLecture],
    slots: Sequence[Slot],
    start_date: date,
    end_date: date | None,
    num_lectures: int | None,
    now: datetime,
    previous_slots: Sequence[Slot] | None = None,
) -> LecturePlan:
    """What to create, keep, re-time, remove and renumber so that the lectures follow
    the schedule — a pure function of plain values (``lectures_generate`` applies it).

    - Never touches a lecture that has started, has ``attendance_taken`` or a marked
      attendance row, was created or edited by an admin, or is cancelled/completed.
    - A lecture whose slot changed times is re-timed IN PLACE (matched by slot and
      planned date): it keeps its id, and with it its title, substitute and rows.
    - Other replaceable lectures that match no wanted session are removed; the sessions
      still missing are created.
    - Everything kept or created is numbered 1…n in date order, except that lectures
      already held (ended, or with attendance) keep their numbers; the others take the
      free numbers in date order.
    - ``previous_slots`` (the schedule before an edit) lets the plan name the hand-edited
      lectures left on a slot's old day or time (``left_alone``).
    """
    frozen = [lec for lec in lectures if _is_frozen(lec, now=now)]
    frozen_ids = {lec.id for lec in frozen}
    replaceable = {
        (lec.date, lec.start_time, lec.end_time): lec
        for lec in lectures
        if lec.id not in frozen_ids
    }
    wanted = _wanted_sessions(
        slots=slots,
        start_date=start_date,
        end_date=end_date,
        num_lectures=num_lectures,
        frozen=frozen,
        now=now,
        initial=not lectures,
    )
    unmatched = []
    retimed: dict[int, Retimed] = {}
    for session, slot_id in wanted:
        lecture = replaceable.pop((session.date, session.start_time, session.end_time), None)
        if lecture is None:
            unmatched.append((session, slot_id))
        elif lecture.slot_id != slot_id:
            retimed[lecture.id] = Retimed(
                id=lecture.id,
                slot_id=slot_id,
                date=lecture.date,
                start_time=lecture.start_time,
                end_time=lecture.end_time,
                planned_date=lecture.planned_date,
                planned_start_time=lecture.planned_start_time,
            )
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
        retimed[lecture.id] = Retimed(
            id=lecture.id,
            slot_id=lecture.slot_id,
            date=session.date,
            start_time=session.start_time,
            end_time=session.end_time,
            planned_date=session.date,
            planned_start_time=session.start_time,
        )
    # Whatever replaceable lecture matched no wanted session is obsolete.
    obsolete = {lec.id for lec in replaceable.values()}
    # Number everything in date order (a new lecture after a kept one at the same time).
    kept = [lec for lec in lectures if lec.id not in obsolete]
    order = [(retimed.get(lec.id, lec), False, lec.id, lec) for lec in kept]
    order += [(session, True, index, None) for index, (session, _slot) in enumerate(to_create)]
    order.sort(key=lambda item: (item[0].date, item[0].start_time, item[1], item[2]))
    pinned = {lec.id: lec.number for lec in kept if _is_held(lec, now=now)}
    renumber: dict[int, int] = {}
    created_numbers: dict[int, int] = {}
    for number, (_when, is_new, ref, lecture) in zip(
        _numbers(order, pinned=pinned), order, strict=True
    ):
        if is_new:
            created_numbers[ref] = number
        elif lecture.number != number:
            renumber[ref] = number
    by_id = {lec.id: lec for lec in lectures}
    moved = [
        Moved(
            id=change.id,
            number=renumber.get(change.id, by_id[change.id].number),
            old_date=by_id[change.id].date,
            old_start_time=by_id[change.id].start_time,
            date=change.date,
            start_time=change.start_time,
            end_time=change.end_time,
        )
        for change in retimed.values()
        if (change.date, change.start_time, change.end_time)
        != (by_id[change.id].date, by_id[change.id].start_time, by_id[change.id].end_time)
    ]
    left_alone = _left_alone(frozen, slots=slots, previous_slots=previous_slots or slots, now=now)
    return LecturePlan(
        create=[
            NewLecture(
                date=session.date,
                start_time=session.start_time,
                end_time=session.end_time,
                slot_id=slot_id,
                number=created_numbers[index],
            )
            for index, (session, slot_id) in enumerate(to_create)
        ],
        remove=[lec.id for lec in lectures if lec.id in obsolete],
        retime=list(retimed.values()),
        renumber=renumber,
        kept=len(kept),
        moved=sorted(moved, key=lambda m: (m.date, m.start_time)),
        removed=[lec for lec in lectures if lec.id in obsolete],
        left_alone=[replace(lec, number=renumber.get(lec.id, lec.number)) for lec in left_alone],
    )


@transaction.atomic
def lectures_generate(
    *,
    course: Course,
    now: datetime | None = None,
    previous_slots: Sequence[Slot] | None = None,
) -> GenerationResult:
    """Create, keep, re-time or remove the course's lectures so they follow its schedule
    (``lectures_plan`` decides; this applies the plan, which the result carries).

    - Idempotent: a second run with nothing changed creates and removes nothing.
    - Obsolete lectures lose their unmarked roster rows first; the missing sessions are
      created in ONE bulk insert and given roster rows.
    - Kept lectures whose number moves are written in one bulk update (shifted out of the
      way first), the re-timed ones in another.

    Lock order (see courses.services): the course row, then its lectures.
    """
    now = now or timezone.now()
    course = lock_row(Course, course.pk)
    # Unapproved proposals stay out of the plan: not kept, not replaced, not counted.
    lectures = list(
        roster_lectures_with_marks(
            Lecture.objects.filter(course=course).exclude(status__in=UNAPPROVED)
        ).order_by("date", "start_time", "id")
    )
    plan = lectures_plan(
        lectures=[_existing(lec) for lec in lectures],
        slots=course_slots(course),
        start_date=course.start_date,
        end_date=course.end_date,
        num_lectures=course.num_lectures,
        now=now,
        previous_slots=previous_slots,
    )
    by_id = {lec.pk: lec for lec in lectures}
    if plan.remove:
        roster_remove_unmarked(lectures=[by_id[pk] for pk in plan.remove])
        Lecture.objects.filter(pk__in=plan.remove).delete()
    moved = [by_id[pk] for pk in plan.renumber]
    _shift_out_of_the_way(moved)
    for lecture in moved:
        lecture.number = plan.renumber[lecture.pk]
    new_lectures = [
        Lecture(
            course=course,
            number=new.number,
            date=new.date,
            start_time=new.start_time,
            end_time=new.end_time,
            instructor_id=course.instructor_id,
            planned_date=new.date,
            planned_start_time=new.start_time,
            slot_id=new.slot_id,
        )
        for new in plan.create
    ]
    Lecture.objects.bulk_create(new_lectures)
    if moved:
        Lecture.objects.bulk_update(moved, ["number"])
    retimed = []
    for change in plan.retime:
        lecture = by_id[change.id]
        for name in _RETIMED_FIELDS:
            setattr(lecture, name, getattr(change, name))
        retimed.append(lecture)
    if retimed:
        Lecture.objects.bulk_update(retimed, _RETIMED_FIELDS)
    roster_rows = roster_add_lectures(lectures=new_lectures)
    return GenerationResult(
        created=len(new_lectures),
        removed=len(plan.remove),
        kept=plan.kept,
        roster_rows=roster_rows,
        retimed=len(plan.retime),
        plan=plan,
    )


def course_slots(course: Course) -> list[Slot]:
    """The course's weekly slots as the plan sees them."""
    return [
        Slot(id=s.pk, weekday=s.weekday, start_time=s.start_time, end_time=s.end_time)
        for s in course.schedule.all()
    ]


def _existing(lecture: Lecture) -> ExistingLecture:
    return ExistingLecture(
        id=lecture.pk,
        date=lecture.date,
        start_time=lecture.start_time,
        end_time=lecture.end_time,
        number=lecture.number,
        slot_id=lecture.slot_id,
        planned_date=lecture.planned_date,
        planned_start_time=lecture.planned_start_time,
        status=lecture.status,
        attendance_taken=lecture.attendance_taken,
        has_marks=lecture.has_marks,
        is_manual=lecture.is_manual,
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
    Unapproved proposals keep their parked numbers (``PARKED_NUMBER`` on).

    A bounded number of queries: read, shift the changed rows out of the way, write back.
    """
    rows = list(
        Lecture.objects.filter(course=course)
        .exclude(status__in=UNAPPROVED)
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

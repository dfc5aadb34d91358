"""Recording how far a participant watched a lesson (§6.10, §9).

A player reports ``position_seconds`` (where it is) and ``watched_seconds`` (how much of
the lesson was watched, in total). What is kept:

- ``watched_seconds`` only grows: the stored value is the largest ever reported (values
  beyond the lesson's duration count as the duration);
- ``position_seconds`` is the latest reported;
- ``completed_at`` is set once watched reaches 90% of the duration (``COMPLETION_SHARE``;
  a lesson without a duration completes at its first report) and is never cleared.

Writes are spaced: a report that changes only the position is written at most once per
participant and lesson every ``THROTTLE`` (10 s); within that window the call answers the
stored state and writes nothing. A report that raises ``watched_seconds`` or completes the
lesson is always written — dropping it would lose the maximum (the player's last report,
or the one of twenty racing tabs that carried the most) — and carries its position along.
A report that changes nothing writes nothing.

The write is ONE statement on PostgreSQL and SQLite alike::

    INSERT … VALUES (…) ON CONFLICT (lesson_id, child_id | student_id) DO UPDATE SET
        watched = the larger, position = the new, completed_at = kept or now if due, …
    WHERE <it grows> OR <it completes> OR (<the position moved> AND updated_at <= now - 10 s)
    RETURNING …

The service reads the stored row first to decide whether to write at all (a call that
changes nothing runs no write statement); the statement's own ``WHERE`` decides again on
the row as it is at that moment, so racing reports never lower the maximum nor write a
position inside another's window. When its ``WHERE`` refuses, the answer is the row as
stored (read again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from online_courses import errors, selectors
from online_courses.models import COMPLETION_SHARE, Lesson, LessonProgress
from users.models import Child
from users.participants import Participant

THROTTLE = timedelta(seconds=10)


@dataclass(frozen=True)
class ProgressResult:
    """The stored state after a report, and what the answer adds to it."""

    position_seconds: int
    watched_seconds: int
    completed: bool
    written: bool
    lesson_unlocked_next: bool = False
    progress: dict[str, int] = field(default_factory=dict)


def completion_threshold(duration_seconds: int) -> int:
    """The watched seconds that complete a lesson: 90% of its duration, rounded up."""
    return math.ceil(COMPLETION_SHARE * duration_seconds)


def _bounded(value: int, duration: int) -> int:
    return min(max(value, 0), duration) if duration > 0 else max(value, 0)


def _upsert_sql(owner: str) -> str:
    quote = connection.ops.quote_name
    table = quote(LessonProgress._meta.db_table)
    return (
        f"INSERT INTO {table} AS p (lesson_id, child_id, student_id, position_seconds, "  # noqa: S608
        "watched_seconds, completed_at, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (lesson_id, {owner}) DO UPDATE SET "
        "watched_seconds = CASE WHEN excluded.watched_seconds > p.watched_seconds "
        "THEN excluded.watched_seconds ELSE p.watched_seconds END, "
        "position_seconds = excluded.position_seconds, "
        "completed_at = COALESCE(p.completed_at, CASE WHEN excluded.watched_seconds >= %s "
        "OR p.watched_seconds >= %s THEN excluded.updated_at END), "
        "updated_at = excluded.updated_at "
        "WHERE excluded.watched_seconds > p.watched_seconds "
        "OR (p.completed_at IS NULL AND (excluded.watched_seconds >= %s "
        "OR p.watched_seconds >= %s)) "
        "OR (excluded.position_seconds <> p.position_seconds AND p.updated_at <= %s) "
        # The columns themselves, compared here: SQLite 3.40 answers ``completed_at IS NOT
        # NULL`` in a RETURNING clause with 1 for a NULL.
        "RETURNING position_seconds, watched_seconds, completed_at, updated_at"
    )


def _upsert(
    *,
    lesson: Lesson,
    participant: Participant,
    position: int,
    watched: int,
    threshold: int,
    now: datetime,
) -> tuple | None:
    """The one write (see the module docstring); the stored row's (position, watched,
    completed, completed by this write), or None when its WHERE refused."""
    is_child = isinstance(participant, Child)
    stamp = connection.ops.adapt_datetimefield_value(now)
    cutoff = connection.ops.adapt_datetimefield_value(now - THROTTLE)
    params = [
        lesson.pk,
        participant.pk if is_child else None,
        None if is_child else participant.pk,
        position,
        watched,
        stamp if watched >= threshold else None,
        stamp,
        stamp,
        threshold,
        threshold,
        threshold,
        threshold,
        cutoff,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql("child_id" if is_child else "student_id"), params)
        row = cursor.fetchone()
    if row is None:
        return None
    position_seconds, watched_seconds, completed_at, updated_at = row
    # Written by this statement: it stamps both with the same value (and only the write
    # that completes the lesson sets completed_at).
    return position_seconds, watched_seconds, completed_at is not None, completed_at == updated_at


def _changes(
    stored: LessonProgress | None, *, position: int, watched: int, threshold: int, now: datetime
) -> bool:
    if stored is None:
        return True
    grows = watched > stored.watched_seconds
    completes = stored.completed_at is None and max(watched, stored.watched_seconds) >= threshold
    moves = position != stored.position_seconds and stored.updated_at <= now - THROTTLE
    return grows or completes or moves


def lesson_progress_record(
    *,
    lesson: Lesson,
    participant: Participant,
    position_seconds: int,
    watched_seconds: int,
    now: datetime | None = None,
) -> ProgressResult:
    """Record a player's report for ``participant`` (see the module docstring). 403
    ``no_access`` without an enrollment whose access runs at ``now``; 403
    ``lesson_locked`` in a sequential course whose lesson before is not completed.
    ``lesson.online_course`` is read."""
    now = now or timezone.now()
    course = lesson.online_course
    if selectors.online_access(participant=participant, online_course=course, now=now) is None:
        raise errors.no_access()
    if selectors.lesson_is_locked(lesson, participant=participant):
        raise errors.lesson_locked()
    duration = lesson.duration_seconds
    position, watched = _bounded(position_seconds, duration), _bounded(watched_seconds, duration)
    threshold = completion_threshold(duration)
    stored = selectors.lesson_progress_of(lesson, participant=participant)
    row = None
    if _changes(stored, position=position, watched=watched, threshold=threshold, now=now):
        row = _upsert(
            lesson=lesson,
            participant=participant,
            position=position,
            watched=watched,
            threshold=threshold,
            now=now,
        )
        if row is None:  # a racing report made this one moot: answer what it stored
            stored = selectors.lesson_progress_of(lesson, participant=participant)
    if row is not None:
        state = (int(row[0]), int(row[1]), bool(row[2]))
        completed_now = bool(row[3]) and not (stored is not None and stored.completed)
    else:
        state = (stored.position_seconds, stored.watched_seconds, stored.completed)
        completed_now = False
    unlocked = completed_now and course.sequential and selectors.has_lesson_after(lesson)
    return ProgressResult(
        position_seconds=state[0],
        watched_seconds=state[1],
        completed=state[2],
        written=row is not None,
        lesson_unlocked_next=unlocked,
        progress=selectors.course_progress(participant=participant, online_course=course),
    )

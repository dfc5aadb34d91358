"""The roster hook: which attendance rows a lecture has, and whether any is marked.

Courses call these functions whenever lectures appear (generation, an extra lecture, a
cancelled lecture restored) or go away (cancel, regeneration, deletion); the enrollment
services call ``roster_add_enrollment`` / ``roster_remove_enrollment`` when a participant
joins or leaves a course. Nothing else writes these rows behind this module's back. ``courses`` asks it (``roster_has_marks``, ``roster_lectures_with_marks``)
instead of reading the attendance table itself.

These functions take lectures and participants (never Enrollment objects); who is active
in a course comes from ``attendance.selectors.roster_rows``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import BigIntegerField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from attendance.models import AttendanceVia, LectureAttendance
from attendance.selectors import roster_rows
from core.sql import insert_from_select
from courses.models import OFF_SCHEDULE, Lecture
from users.participants import Participant, participant_lookup

logger = logging.getLogger(__name__)


def roster_add_lectures(*, lectures: Iterable[Lecture]) -> int:
    """Create the unmarked rows of new lectures for their courses' active participants.

    The participants are the courses' active enrollments. Cancelled lectures get no rows. One
    ``INSERT … SELECT`` whatever the number of lectures and participants; returns how many
    rows were inserted (a re-run inserts nothing: the unique constraints absorb it).
    """
    ids = [lecture.pk for lecture in lectures if lecture.pk is not None]
    if not ids:
        return 0
    return _insert_select(roster_rows(lecture_ids=ids))


def roster_add_enrollment(
    *, lectures: QuerySet[Lecture], participant: Participant, now: datetime
) -> int:
    """Give a newly enrolled participant a row for every lecture in ``lectures`` (a course's
    lectures) that has not started at ``now`` (§6.3: started = five minutes after its start
    time) and is on the schedule (not cancelled, not an unapproved proposal). One ``INSERT … SELECT``; returns the rows inserted."""
    lookup = participant_lookup(participant)
    child = lookup.get("child")
    student = lookup.get("student")
    rows = (
        lectures.not_started(now)
        .exclude(status__in=OFF_SCHEDULE)
        .order_by()
        .annotate(
            lecture_id=F("pk"),
            # Typed, so that PostgreSQL does not read a bare NULL column as text.
            child_id=Cast(Value(child.pk if child else None), BigIntegerField()),
            student_id=Cast(Value(student.pk if student else None), BigIntegerField()),
        )
        .values("lecture_id", "child_id", "student_id")
    )
    return _insert_select(rows)


def roster_remove_enrollment(
    *, lectures: QuerySet[Lecture], participant: Participant, now: datetime
) -> int:
    """A participant leaves (drop, full refund): delete their unmarked rows of lectures
    that have not started; every past or marked row stays. One DELETE."""
    future = lectures.not_started(now).order_by().values("pk")
    deleted, _ = (
        LectureAttendance.objects.unmarked()
        .filter(lecture__in=future, **participant_lookup(participant))
        .delete()
    )
    return deleted


def _insert_select(rows: QuerySet) -> int:
    """INSERT the (lecture_id, child_id, student_id) rows a values() queryset selects,
    skipping those that already exist, in one statement."""
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    return insert_from_select(
        LectureAttendance,
        {name: name for name in ("lecture_id", "child_id", "student_id")},
        rows,
        constants=[
            ("notes", ""),
            ("source", ""),
            ("via", AttendanceVia.MANUAL.value),
            ("created_at", stamp),
            ("updated_at", stamp),
        ],
        skip_conflicts=True,
    )


def roster_remove_unmarked(*, lectures: Iterable[Lecture]) -> int:
    """Delete the rows nobody has marked yet of these lectures; marked rows stay.

    Used when lectures are cancelled, replaced by regeneration or deleted. One DELETE.
    """
    ids = [lecture.pk for lecture in lectures if lecture.pk is not None]
    if not ids:
        return 0
    deleted, _ = LectureAttendance.objects.unmarked().filter(lecture_id__in=ids).delete()
    return deleted


def roster_has_marks(*, lectures: QuerySet[Lecture] | Iterable[Lecture]) -> bool:
    """True when any attendance row of these lectures is marked (one query).

    Pass a queryset (``course.lectures.all()``) to ask about a whole course in SQL.
    """
    if not isinstance(lectures, QuerySet):
        lectures = [lecture.pk for lecture in lectures if lecture.pk is not None]
    return LectureAttendance.objects.marked().filter(lecture__in=lectures).exists()


def roster_lectures_with_marks(queryset: QuerySet[Lecture]) -> QuerySet[Lecture]:
    """Annotate ``has_marks``: the lecture has at least one marked attendance row."""
    marked = LectureAttendance.objects.marked().filter(lecture=OuterRef("pk"))
    return queryset.annotate(has_marks=Exists(marked))


def roster_of(*, lectures: QuerySet[Lecture] | Iterable[Lecture]) -> QuerySet[LectureAttendance]:
    """The rows of these lectures with their participants and markers joined in (reads)."""
    if not isinstance(lectures, QuerySet):
        lectures = [lecture.pk for lecture in lectures if lecture.pk is not None]
    return (
        LectureAttendance.objects.filter(lecture__in=lectures)
        .select_related("child", "student__user", "marked_by")
        .order_by("lecture_id", "id")
    )

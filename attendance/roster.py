"""The roster hook: which attendance rows a lecture has, and whether any is marked.

Courses call these functions whenever lectures appear (generation, an extra lecture, a
cancelled lecture restored) or go away (cancel, regeneration, deletion). The enrollment
issue fills in ``roster_add_lectures`` and adds ``roster_add_enrollment`` /
``roster_remove_enrollment`` next to them; nothing else writes these rows behind this
module's back. ``courses`` asks it (``roster_has_marks``, ``roster_lectures_with_marks``)
instead of reading the attendance table itself.

Direction: these functions take lectures (and, with the enrollment issue, participants);
they never import ``enrollments_payments`` and never import ``courses`` at run time, so
``courses`` may call them without a cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from attendance.models import LectureAttendance

if TYPE_CHECKING:
    from courses.models import Lecture

logger = logging.getLogger(__name__)


def roster_add_lectures(*, lectures: Iterable[Lecture]) -> int:
    """Create the unmarked attendance rows of new lectures; return how many were created.

    NOT YET FILLED IN — there is no Enrollment model yet, so there is nobody to add and
    this honestly returns 0 without writing. The enrollment issue must make it:

    1. collect the course ids of ``lectures`` and load the ``active`` enrollments of those
       courses (one query, ``Enrollment.objects.filter(course_id__in=…, status="active")``);
    2. build one ``LectureAttendance(lecture=…, child=… or student=…)`` per (lecture,
       active enrollment of that lecture's course), skipping cancelled lectures;
    3. write them in ONE ``bulk_create(..., ignore_conflicts=True)`` (the conditional unique
       constraints make a re-run harmless) and return the number of rows inserted.

    Callers already pass only saved lectures (with ids) inside their transaction.
    """
    lectures = [lecture for lecture in lectures if lecture.pk is not None]
    if not lectures:
        return 0
    return 0


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

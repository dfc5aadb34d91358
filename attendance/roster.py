"""The roster hook: which attendance rows a lecture has.

Courses call these functions whenever lectures appear (generation, an extra lecture, a
cancelled lecture restored) or go away (cancel, regeneration, deletion). The enrollment
issue fills in ``roster_add_lectures`` and adds ``roster_add_enrollment`` /
``roster_remove_enrollment`` next to them; nothing else writes these rows behind this
module's back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

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

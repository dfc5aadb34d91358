"""Lesson numbers given from the admin site's inline, several at once, and which lessons
have progress (never deleted: §6.10). Deleting a lesson or a material is
online_courses.services / file_services, for the API and the admin alike. Refusals here
are ``ValidationError``s, which the admin shows on its form.

Lock order: the online course row first, then its lessons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.locking import lock_row
from online_courses.models import Lesson, LessonProgress, OnlineCourse

# PositiveSmallIntegerField's ceiling on PostgreSQL.
MAX_NUMBER = 32767


def lessons_with_progress(lesson_ids: Iterable[int]) -> set[int]:
    """Of ``lesson_ids``, the lessons someone has progress in (they are not deleted:
    §6.10). One query."""
    ids = set(lesson_ids)
    if not ids:
        return set()
    return set(LessonProgress.objects.filter(lesson_id__in=ids).values_list("lesson_id", flat=True))


@transaction.atomic
def lessons_renumber(*, online_course: OnlineCourse, numbers: Mapping[int, int]) -> None:
    """Give lessons of ``online_course`` (lesson id → number) new numbers together, so that
    two lessons may swap theirs. The numbers after the change must be distinct and from 1
    (else a ``ValidationError``). Two statements whatever the count:
    the moving lessons first step aside to numbers nobody uses, then take their own."""
    lock_row(OnlineCourse, online_course.pk)
    current = dict(Lesson.objects.filter(online_course=online_course).values_list("pk", "number"))
    moving = {pk: n for pk, n in numbers.items() if pk in current and current[pk] != n}
    if not moving:
        return
    if any(not 1 <= n <= MAX_NUMBER for n in moving.values()):
        raise ValidationError({"number": _("A lesson's number starts at 1.")})
    final = {**current, **moving}
    if len(set(final.values())) != len(final):
        raise ValidationError({"number": _("Two lessons of an online course share a number.")})
    used = set(current.values()) | set(final.values())
    spare = (n for n in range(1, MAX_NUMBER + 1) if n not in used)
    lessons = list(Lesson.objects.filter(pk__in=moving))
    for lesson in lessons:
        lesson.number = next(spare)
    Lesson.objects.bulk_update(lessons, ["number"])
    for lesson in lessons:
        lesson.number = moving[lesson.pk]
    Lesson.objects.bulk_update(lessons, ["number"])

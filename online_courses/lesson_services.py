"""Writes on an online course's lessons made from the admin site: deleting a lesson or a
material, and giving lessons new numbers at once. Refusals are ``ValidationError``s, which
the admin shows on its form.

Lock order: the online course row first, then its lessons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.locking import lock_row
from files.photos import image_delete_on_commit
from online_courses.models import Lesson, LessonMaterial, LessonProgress, OnlineCourse

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
def lesson_delete(*, lesson: Lesson) -> None:
    """Delete a lesson nobody has progress in (a watched lesson stays: §6.10), with its
    materials; its files (materials, an uploaded video) are removed after the commit."""
    lock_row(OnlineCourse, lesson.online_course_id)
    lesson = lock_row(Lesson, lesson.pk)
    if lessons_with_progress([lesson.pk]):
        raise ValidationError(_("Someone has watched this lesson; it cannot be deleted."))
    files = [material.stored for material in LessonMaterial.objects.filter(lesson=lesson)]
    if lesson.video_stored:
        files.append(lesson.video_stored)
    lesson.delete()
    for stored in files:
        image_delete_on_commit(stored)


@transaction.atomic
def lesson_material_delete(*, material: LessonMaterial) -> None:
    """Delete a material; its file is removed after the commit."""
    material = lock_row(LessonMaterial, material.pk)
    stored = material.stored
    material.delete()
    image_delete_on_commit(stored)


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

"""Writes and cross-model rules for seasons, tags, courses, schedules and lectures.

The API, the admin, the demo seed and tests all call these functions. Exams are in
courses.exam_services; generation in courses.generation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from attendance.models import LectureAttendance
from attendance.roster import roster_add_lectures, roster_remove_unmarked
from core.errors import Conflict, Invalid
from courses import rules
from courses.errors import HistoryConflict
from courses.generation import lectures_generate, lectures_renumber
from courses.models import (
    Course,
    CourseSchedule,
    CourseStatus,
    ExamResult,
    Lecture,
    LectureStatus,
    Season,
    Tag,
)
from users.models import Instructor

# Changing any of these re-plans the course's future lectures.
_PLAN_FIELDS = {"start_date", "end_date", "num_lectures"}
_TIME_FIELDS = {"date", "start_time", "end_time"}


def _apply(obj, fields: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


# --- seasons and tags -----------------------------------------------------------------------


@transaction.atomic
def season_create(**fields: Any) -> Season:
    season = Season(**fields)
    season.full_clean()
    season.save()
    return season


@transaction.atomic
def season_update(*, season: Season, **fields: Any) -> Season:
    _apply(season, fields)
    season.full_clean()
    season.save()
    return season


@transaction.atomic
def season_delete(*, season: Season) -> None:
    if season.courses.exists():
        raise Conflict("season_has_courses", _("This season has courses; archive them instead."))
    season.delete()


@transaction.atomic
def tag_save(*, tag: Tag | None = None, name: str) -> Tag:
    tag = tag or Tag()
    tag.name = name.strip()
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    tag.delete()


# --- courses --------------------------------------------------------------------------------


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    root = slugify(base, allow_unicode=True)[:200] or "course"
    taken = set(
        Course.objects.filter(slug__startswith=root)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = root, 2
    while slug in taken:
        slug, n = f"{root}-{n}", n + 1
    return slug


@transaction.atomic
def course_create(*, tags: Iterable[Tag] | None = None, **fields: Any) -> Course:
    """A new course (draft unless told otherwise). A missing slug is made from the name."""
    if not fields.get("slug"):
        fields["slug"] = _unique_slug(fields.get("name", ""))
    course = Course(**fields)
    course.full_clean()
    course.save()
    if tags is not None:
        course.tags.set(tags)
    return course


@transaction.atomic
def course_update(
    *,
    course: Course,
    tags: Iterable[Tag] | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> Course:
    """Change a course. New dates re-plan its future lectures; a new instructor takes over
    the future lectures the old one was teaching."""
    now = now or timezone.now()
    old_instructor_id = course.instructor_id
    if "slug" in fields and not fields["slug"]:
        fields["slug"] = _unique_slug(fields.get("name", course.name), exclude_pk=course.pk)
    changed = _apply(course, fields)
    course.full_clean()
    course.save()
    if tags is not None:
        course.tags.set(tags)
    if "instructor" in changed and old_instructor_id != course.instructor_id:
        _hand_over_future_lectures(course, old_instructor_id, now=now)
    if _PLAN_FIELDS & set(changed) and course.lectures.exists():
        lectures_generate(course=course, now=now)
    return course


def _hand_over_future_lectures(course: Course, old_instructor_id: int, *, now: datetime) -> None:
    future = [
        lec.pk
        for lec in course.lectures.filter(instructor_id=old_instructor_id, date__gte=now.date())
        if not rules.has_started(lec.date, lec.start_time, now=now)
    ]
    Lecture.objects.filter(pk__in=future).update(instructor_id=course.instructor_id)


def course_has_history(course: Course) -> bool:
    """Attendance taken or marked, or exam results: what deleting the course would lose.

    The enrollment issue must add: ``or course.enrollments.exists()``.
    """
    return (
        course.lectures.filter(attendance_taken=True).exists()
        or LectureAttendance.objects.marked().filter(lecture__course=course).exists()
        or ExamResult.objects.filter(exam__course=course).exists()
    )


@transaction.atomic
def course_delete(*, course: Course) -> None:
    """Delete a course with no history; otherwise 409 ``course_has_history`` (archive it)."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course_has_history(course):
        raise HistoryConflict(
            "course_has_history",
            _("This course has attendance, results or enrollments; archive it instead."),
        )
    roster_remove_unmarked(lectures=list(course.lectures.only("id")))
    course.delete()


@transaction.atomic
def course_generate_lectures(*, course: Course, now: datetime | None = None):
    """Generate (or bring up to date) the lectures of a course from its weekly schedule."""
    if course.status == CourseStatus.ARCHIVED:
        raise Conflict("course_archived", _("This course is archived."))
    if not course.schedule.exists():
        raise Invalid("course_has_no_schedule", _("Add weekly slots before generating."))
    return lectures_generate(course=course, now=now)


# --- weekly schedule ------------------------------------------------------------------------


def _check_no_overlap(course: Course, slot: CourseSchedule) -> None:
    others = CourseSchedule.objects.filter(course=course, weekday=slot.weekday).exclude(pk=slot.pk)
    mine = (slot.weekday, slot.start_time, slot.end_time)
    for other in others:
        if rules.slots_overlap(mine, (other.weekday, other.start_time, other.end_time)):
            raise Invalid(
                "schedule_overlap",
                _("This slot overlaps another slot of the course (%(slot)s).") % {"slot": other},
                field="start_time",
            )


def _replan_if_generated(course: Course, now: datetime | None) -> None:
    if course.lectures.exists():
        lectures_generate(course=course, now=now)


@transaction.atomic
def schedule_slot_create(
    *, course: Course, weekday: int, start_time: time, end_time: time, now: datetime | None = None
) -> CourseSchedule:
    """Add a weekly slot; slots of one course may not overlap. Re-plans generated lectures."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    slot = CourseSchedule(course=course, weekday=weekday, start_time=start_time, end_time=end_time)
    slot.full_clean(exclude=["course"])
    _check_no_overlap(course, slot)
    slot.save()
    _replan_if_generated(course, now)
    return slot


@transaction.atomic
def schedule_slot_update(
    *, slot: CourseSchedule, now: datetime | None = None, **fields: Any
) -> CourseSchedule:
    course = Course.objects.select_for_update().get(pk=slot.course_id)
    if not _apply(slot, fields):
        return slot
    slot.full_clean(exclude=["course"])
    _check_no_overlap(course, slot)
    slot.save()
    _replan_if_generated(course, now)
    return slot


@transaction.atomic
def schedule_slot_delete(*, slot: CourseSchedule, now: datetime | None = None) -> None:
    course = Course.objects.select_for_update().get(pk=slot.course_id)
    slot.delete()
    _replan_if_generated(course, now)


# --- lectures -------------------------------------------------------------------------------


def lecture_has_attendance(lecture: Lecture) -> bool:
    """``attendance_taken`` or any marked row: the lecture is history and stays put."""
    return lecture.attendance_taken or (
        LectureAttendance.objects.marked().filter(lecture=lecture).exists()
    )


def _check_time_free(lecture: Lecture) -> None:
    """Two lectures of one course may not share any minute of a day (cancelled ones aside)."""
    taken = (
        Lecture.objects.filter(
            course_id=lecture.course_id,
            date=lecture.date,
            start_time__lt=lecture.end_time,
            end_time__gt=lecture.start_time,
        )
        .exclude(status=LectureStatus.CANCELLED)
        .exclude(pk=lecture.pk)
        .first()
    )
    if taken is not None:
        raise Invalid(
            "lecture_time_taken",
            _("Another lecture of this course is at this time (%(lecture)s).") % {"lecture": taken},
            field="start_time",
        )


def _refuse_if_attended(lecture: Lecture, message: str) -> None:
    if lecture_has_attendance(lecture):
        raise HistoryConflict("lecture_has_attendance", message)


@transaction.atomic
def lecture_create(
    *,
    course: Course,
    date: date,
    start_time: time,
    end_time: time,
    title: str = "",
    instructor: Instructor | None = None,
) -> Lecture:
    """An extra lecture added by an admin (any date, past included). Regeneration keeps it."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    lecture = Lecture(
        course=course,
        number=course.lectures.count() + 1,
        title=title,
        date=date,
        start_time=start_time,
        end_time=end_time,
        instructor=instructor or course.instructor,
        is_manual=True,
    )
    lecture.full_clean(exclude=["number"])
    _check_time_free(lecture)
    lecture.number += 1_000_000  # renumbered below, in date order
    lecture.save()
    lectures_renumber(course=course)
    lecture.refresh_from_db(fields=["number"])
    roster_add_lectures(lectures=[lecture])
    return lecture


@transaction.atomic
def lecture_update(*, lecture: Lecture, **fields: Any) -> Lecture:
    """Edit a lecture. Moving it marks it hand-edited; a lecture with attendance cannot move.

    ``status`` goes through :func:`lecture_cancel` / :func:`lecture_restore`.
    """
    lecture = Lecture.objects.select_for_update().get(pk=lecture.pk)
    status = fields.pop("status", None)
    old = {name: getattr(lecture, name) for name in _TIME_FIELDS}
    changed = _apply(lecture, fields)
    moved = bool(_TIME_FIELDS & set(changed))
    if moved:
        _refuse_if_attended(lecture, _("This lecture has attendance; it cannot be moved."))
        lecture.is_manual = True
        if lecture.planned_date is None:
            lecture.planned_date, lecture.planned_start_time = old["date"], old["start_time"]
    if changed:
        lecture.full_clean()
        if moved:
            _check_time_free(lecture)
        lecture.save()
    if moved:
        lectures_renumber(course=lecture.course)
        lecture.refresh_from_db(fields=["number"])
    if status == LectureStatus.CANCELLED and lecture.status != status:
        lecture = lecture_cancel(lecture=lecture)
    elif status == LectureStatus.SCHEDULED and lecture.status == LectureStatus.CANCELLED:
        lecture = lecture_restore(lecture=lecture)
    elif status is not None and status != lecture.status:
        lecture.status = status
        lecture.save(update_fields=["status", "updated_at"])
    return lecture


@transaction.atomic
def lecture_cancel(*, lecture: Lecture) -> Lecture:
    """Keep the lecture as ``cancelled`` and drop its unmarked roster rows."""
    if lecture.status == LectureStatus.CANCELLED:
        return lecture
    if lecture.attendance_taken:
        raise Conflict(
            "lecture_has_attendance", _("Attendance was taken; this lecture cannot be cancelled.")
        )
    lecture.status = LectureStatus.CANCELLED
    lecture.save(update_fields=["status", "updated_at"])
    roster_remove_unmarked(lectures=[lecture])
    return lecture


@transaction.atomic
def lectures_cancel(*, lectures: Iterable[Lecture]) -> int:
    """Cancel several lectures (the admin action); skips those whose attendance was taken."""
    count = 0
    for lecture in lectures:
        if lecture.status != LectureStatus.CANCELLED and not lecture.attendance_taken:
            lecture_cancel(lecture=lecture)
            count += 1
    return count


@transaction.atomic
def lecture_restore(*, lecture: Lecture) -> Lecture:
    """Undo a cancellation: the lecture is scheduled again and gets roster rows again."""
    if lecture.status != LectureStatus.CANCELLED:
        raise Conflict("lecture_not_cancelled", _("Only a cancelled lecture can be restored."))
    lecture.status = LectureStatus.SCHEDULED
    lecture.save(update_fields=["status", "updated_at"])
    roster_add_lectures(lectures=[lecture])
    return lecture


@transaction.atomic
def lecture_delete(*, lecture: Lecture) -> None:
    """Delete a lecture without attendance; renumber the rest.

    Raises :class:`HistoryConflict` (a 409 and a ``ValidationError``) when attendance was
    taken or any row is marked — cancel it instead.
    """
    lecture = Lecture.objects.select_for_update().get(pk=lecture.pk)
    _refuse_if_attended(
        lecture, _("This lecture has attendance; it cannot be deleted (cancel it instead).")
    )
    course = lecture.course
    roster_remove_unmarked(lectures=[lecture])
    lecture.delete()
    lectures_renumber(course=course)

"""Writes and cross-model rules for seasons, tags, courses, schedules and lectures.

The API, the admin, the demo seed and tests all call these functions. Exams are in
courses.exam_services; generation in courses.generation.

Lock order — one order everywhere, so two writers never wait on each other in a circle:

1. the course row (``Course.objects.select_for_update()``),
2. then its lecture rows (``Lecture.objects.select_for_update()``, several at once in
   primary-key order),
3. then the rows that hang on lectures (attendance rows, through ``attendance.roster``).

A service that renumbers or regenerates lectures (any write to several lectures of one
course) locks the course first; a service that changes one lecture without touching its
siblings (cancel, restore) may start at step 2. Never lock a course while holding a
lecture lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.roster import roster_add_lectures, roster_has_marks, roster_remove_unmarked
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.locking import delete_once, lock_row
from core.permissions import is_admin
from core.slugs import unique_slug
from core.unset import UNSET, Unset, given
from courses import rules
from courses.errors import HistoryConflict
from courses.generation import (
    GenerationResult,
    Slot,
    course_slots,
    lectures_generate,
    lectures_renumber,
)
from courses.models import (
    OFF_SCHEDULE,
    PARKED_NUMBER,
    UNAPPROVED,
    Audience,
    Course,
    CourseSchedule,
    CourseStatus,
    ExamResult,
    Lecture,
    LectureStatus,
    Season,
    Tag,
)
from enrollments_payments.models import Enrollment, EnrollmentRequest
from files.photos import image_delete_on_commit
from notifications.services import notification_create
from users.models import CustomUser, Instructor

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
def season_create(
    *, name: str, kind: str, start_date: date, end_date: date, is_active: bool = True
) -> Season:
    season = Season(
        name=name, kind=kind, start_date=start_date, end_date=end_date, is_active=is_active
    )
    season.full_clean()
    season.save()
    return season


@transaction.atomic
def season_update(
    *,
    season: Season,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    start_date: date | Unset = UNSET,
    end_date: date | Unset = UNSET,
    is_active: bool | Unset = UNSET,
) -> Season:
    fields = given(
        name=name, kind=kind, start_date=start_date, end_date=end_date, is_active=is_active
    )
    _apply(season, fields)
    season.full_clean()
    season.save()
    return season


@transaction.atomic
def season_delete(*, season: Season) -> None:
    season = lock_row(Season, season.pk)
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
    delete_once(tag)


# --- courses --------------------------------------------------------------------------------


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    return unique_slug(Course.objects.all(), base, fallback="course", exclude_pk=exclude_pk)


@transaction.atomic
def course_create(
    *,
    name: str,
    season: Season,
    instructor: Instructor,
    start_date: date,
    capacity: int,
    slug: str = "",
    description: str = "",
    tags: Iterable[Tag] | None = None,
    end_date: date | None = None,
    num_lectures: int | None = None,
    price: Decimal = Decimal("0.00"),
    audience: str = Audience.ALL,
    min_age: int | None = None,
    max_age: int | None = None,
    location: str = "",
    status: str = CourseStatus.DRAFT,
) -> Course:
    """A new course (draft unless told otherwise). A missing slug is made from the name."""
    course = Course(
        name=name,
        slug=slug or _unique_slug(name),
        description=description,
        season=season,
        instructor=instructor,
        start_date=start_date,
        end_date=end_date,
        num_lectures=num_lectures,
        capacity=capacity,
        price=price,
        audience=audience,
        min_age=min_age,
        max_age=max_age,
        location=location,
        status=status,
    )
    course.full_clean()
    course.save()
    if tags is not None:
        course.tags.set(tags)
    return course


# What a course's own instructor may change; admins may change every field.
INSTRUCTOR_EDITABLE_FIELDS = frozenset({"description"})


def course_check_editor(*, course: Course, actor: CustomUser, fields: Iterable[str]) -> None:
    """Admins edit every field; the course's instructor only its description (403
    ``field_not_editable``); anyone else nothing (403 ``not_course_instructor``)."""
    if is_admin(actor):
        return
    instructor = getattr(actor, "instructor_profile", None) if actor.role == "instructor" else None
    if instructor is None or course.instructor_id != instructor.pk:
        raise Forbidden("not_course_instructor", _("You may not edit this course."))
    extra = set(fields) - INSTRUCTOR_EDITABLE_FIELDS
    if extra:
        raise Forbidden(
            "field_not_editable",
            _("An instructor may change only the description (not: %(f)s).")
            % {"f": ", ".join(sorted(extra))},
        )


@transaction.atomic
def course_update(
    *,
    course: Course,
    actor: CustomUser,
    name: str | Unset = UNSET,
    slug: str | Unset = UNSET,
    description: str | Unset = UNSET,
    season: Season | Unset = UNSET,
    instructor: Instructor | Unset = UNSET,
    tags: Iterable[Tag] | None | Unset = UNSET,
    start_date: date | Unset = UNSET,
    end_date: date | None | Unset = UNSET,
    num_lectures: int | None | Unset = UNSET,
    capacity: int | Unset = UNSET,
    price: Decimal | Unset = UNSET,
    audience: str | Unset = UNSET,
    min_age: int | None | Unset = UNSET,
    max_age: int | None | Unset = UNSET,
    location: str | Unset = UNSET,
    status: str | Unset = UNSET,
    now: datetime | None = None,
) -> Course:
    """Change a course (see :func:`course_check_editor` for who may change what). New dates
    re-plan its future lectures; a new instructor takes over the future lectures the old
    one was teaching."""
    fields = given(
        name=name,
        slug=slug,
        description=description,
        season=season,
        instructor=instructor,
        start_date=start_date,
        end_date=end_date,
        num_lectures=num_lectures,
        capacity=capacity,
        price=price,
        audience=audience,
        min_age=min_age,
        max_age=max_age,
        location=location,
        status=status,
    )
    course_check_editor(course=course, actor=actor, fields=[*fields, *given(tags=tags)])
    tags = None if tags is UNSET else tags
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
    """One UPDATE: the old instructor's lectures that have not started go to the new one
    (substitutes, who teach other lectures, keep theirs)."""
    Lecture.objects.filter(course=course, instructor_id=old_instructor_id).not_started(now).update(
        instructor_id=course.instructor_id
    )


def course_has_history(course: Course) -> bool:
    """Attendance taken or marked, exam results, enrollments, payments or enrollment
    requests: what deleting the course would lose (payments hang on enrollments)."""
    return (
        Enrollment.objects.filter(course=course).exists()
        or EnrollmentRequest.objects.filter(course=course).exists()
        or course.lectures.filter(attendance_taken=True).exists()
        or roster_has_marks(lectures=course.lectures.all())
        or ExamResult.objects.filter(exam__course=course).exists()
    )


@transaction.atomic
def course_delete(*, course: Course) -> None:
    """Delete a course with no history; otherwise 409 ``course_has_history`` (archive it)."""
    course = lock_row(Course, course.pk)
    if course_has_history(course):
        raise HistoryConflict(
            "course_has_history",
            _("This course has attendance, results or enrollments; archive it instead."),
        )
    roster_remove_unmarked(lectures=list(course.lectures.only("id")))
    course.delete()
    image_delete_on_commit(course.image)


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


def _replan_if_generated(
    course: Course, now: datetime | None, previous_slots: list[Slot] | None = None
) -> GenerationResult | None:
    if course.lectures.exists():
        return lectures_generate(course=course, now=now, previous_slots=previous_slots)
    return None


def _slot_create(
    course: Course, *, weekday: int, start_time: time, end_time: time
) -> CourseSchedule:
    slot = CourseSchedule(course=course, weekday=weekday, start_time=start_time, end_time=end_time)
    slot.full_clean(exclude=["course"])
    _check_no_overlap(course, slot)
    slot.save()
    return slot


def _slot_update(
    course: Course, slot: CourseSchedule, fields: dict[str, Any]
) -> tuple[CourseSchedule, bool]:
    """Returns the slot read again under the course lock, and whether it changed."""
    # Re-read under the course lock: saving a slot deleted meanwhile would insert it again.
    slot = lock_row(CourseSchedule, slot.pk)
    if not _apply(slot, fields):
        return slot, False
    slot.full_clean(exclude=["course"])
    _check_no_overlap(course, slot)
    slot.save()
    return slot, True


@transaction.atomic
def schedule_slot_create(
    *, course: Course, weekday: int, start_time: time, end_time: time, now: datetime | None = None
) -> CourseSchedule:
    """Add a weekly slot; slots of one course may not overlap. Re-plans generated lectures."""
    course = lock_row(Course, course.pk)
    slot = _slot_create(course, weekday=weekday, start_time=start_time, end_time=end_time)
    _replan_if_generated(course, now)
    return slot


@transaction.atomic
def schedule_slot_update(
    *,
    slot: CourseSchedule,
    weekday: int | Unset = UNSET,
    start_time: time | Unset = UNSET,
    end_time: time | Unset = UNSET,
    now: datetime | None = None,
) -> CourseSchedule:
    """Move a weekly slot; slots of one course may not overlap. Re-plans generated lectures."""
    fields = given(weekday=weekday, start_time=start_time, end_time=end_time)
    course = lock_row(Course, slot.course_id)
    slot, changed = _slot_update(course, slot, fields)
    if changed:
        _replan_if_generated(course, now)
    return slot


@transaction.atomic
def schedule_slot_delete(*, slot: CourseSchedule, now: datetime | None = None) -> None:
    course = lock_row(Course, slot.course_id)
    delete_once(slot)
    _replan_if_generated(course, now)


@transaction.atomic
def schedule_save(
    *,
    course: Course,
    create: Sequence[dict[str, Any]] = (),
    update: Sequence[tuple[CourseSchedule, dict[str, Any]]] = (),
    delete: Sequence[CourseSchedule] = (),
    now: datetime | None = None,
) -> GenerationResult | None:
    """Several weekly-slot changes of one course at once (the admin's schedule table):
    deletes, then updates (slot, changed fields), then new slots (``weekday``,
    ``start_time``, ``end_time``), each under the same rules as the one-slot services,
    then ONE re-planning of the generated lectures.

    Returns the generation result, whose plan says which lectures moved, were added or
    removed, and which hand-edited ones stay on a slot's old day (None when the course has
    no lectures yet).
    """
    course = lock_row(Course, course.pk)
    previous = course_slots(course)
    for slot in delete:
        delete_once(slot)
    changed = bool(delete)
    for slot, fields in update:
        changed = _slot_update(course, slot, fields)[1] or changed
    for fields in create:
        _slot_create(course, **fields)
        changed = True
    if not changed:
        return None
    return _replan_if_generated(course, now, previous_slots=previous)


# --- lectures -------------------------------------------------------------------------------


def _lock_course(course_id: int) -> None:
    """Step 1 of the lock order, for services that start from a lecture."""
    lock_row(Course.objects.only("pk"), course_id)


def lecture_has_attendance(lecture: Lecture) -> bool:
    """``attendance_taken`` or any marked row: the lecture is history and stays put."""
    return lecture.attendance_taken or roster_has_marks(lectures=[lecture])


def _check_time_free(lecture: Lecture) -> None:
    """Two lectures of one course may not share any minute of a day (cancelled and
    rejected ones aside; a pending proposal holds its time)."""
    taken = (
        Lecture.objects.filter(
            course_id=lecture.course_id,
            date=lecture.date,
            start_time__lt=lecture.end_time,
            end_time__gt=lecture.start_time,
        )
        .exclude(status__in=[LectureStatus.CANCELLED, LectureStatus.REJECTED])
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
    course = lock_row(Course, course.pk)
    # Parked after the last number until the renumbering below puts it in date order: a
    # number no other lecture has, and below the offset renumbering shifts others by.
    numbered = course.lectures.exclude(status__in=UNAPPROVED)
    last = numbered.aggregate(last=Max("number"))["last"] or 0
    lecture = Lecture(
        course=course,
        number=last + 1,
        title=title,
        date=date,
        start_time=start_time,
        end_time=end_time,
        instructor=instructor or course.instructor,
        is_manual=True,
    )
    lecture.full_clean(exclude=["number"])
    _check_time_free(lecture)
    lecture.save()
    lectures_renumber(course=course)
    lecture.refresh_from_db(fields=["number"])
    roster_add_lectures(lectures=[lecture])
    return lecture


@transaction.atomic
def lecture_update(
    *,
    lecture: Lecture,
    date: date | Unset = UNSET,
    start_time: time | Unset = UNSET,
    end_time: time | Unset = UNSET,
    title: str | Unset = UNSET,
    instructor: Instructor | Unset = UNSET,
    status: str | None | Unset = UNSET,
    now: datetime | None = None,
) -> Lecture:
    """Edit a lecture. Every edit marks it hand-made (``is_manual``), so regeneration keeps
    it as it is; a lecture with attendance cannot move.

    ``status`` goes through :func:`lecture_cancel` / :func:`lecture_restore`; a lecture
    that has not ended cannot be ``completed`` (400 ``lecture_not_finished``).
    """
    now = now or timezone.now()
    fields = given(
        date=date, start_time=start_time, end_time=end_time, title=title, instructor=instructor
    )
    status = None if status is UNSET else status
    if status in UNAPPROVED:
        raise Invalid(
            "invalid",
            _("A lecture is proposed by its instructor and rejected by an admin's decision."),
            field="status",
        )
    # Lock order: the course (a move renumbers its lectures), then the lecture.
    _lock_course(lecture.course_id)
    lecture = lock_row(Lecture, lecture.pk)
    if status is not None and status != lecture.status:
        _refuse_if_unapproved(lecture)
    old = {name: getattr(lecture, name) for name in _TIME_FIELDS}
    changed = _apply(lecture, fields)
    moved = bool(_TIME_FIELDS & set(changed))
    if moved:
        _refuse_if_attended(lecture, _("This lecture has attendance; it cannot be moved."))
        if lecture.planned_date is None:
            lecture.planned_date, lecture.planned_start_time = old["date"], old["start_time"]
    if changed:
        lecture.is_manual = True
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
        if status == LectureStatus.COMPLETED and now < lecture.ends_at:
            raise Invalid(
                "lecture_not_finished",
                _("A lecture that has not ended cannot be marked completed."),
                field="status",
            )
        lecture.status = status
        lecture.save(update_fields=["status", "updated_at"])
    return lecture


@transaction.atomic
def lecture_cancel(*, lecture: Lecture) -> Lecture:
    """Keep the lecture as ``cancelled`` and drop its unmarked roster rows.

    Reads the lecture again under its row lock, so a concurrent attendance submission
    (which locks the same row) either finishes first and is seen here, or waits.
    """
    lecture = lock_row(Lecture, lecture.pk)
    if lecture.status == LectureStatus.CANCELLED:
        return lecture
    _refuse_if_unapproved(lecture)
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
    """Cancel several lectures (the admin action); skips those whose attendance was taken
    and unapproved proposals.

    Locks all the lectures first, in primary-key order, and decides on the locked rows.
    """
    ids = [lecture.pk for lecture in lectures]
    locked = list(Lecture.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    count = 0
    for lecture in locked:
        if lecture.status not in OFF_SCHEDULE and not lecture.attendance_taken:
            lecture_cancel(lecture=lecture)
            count += 1
    return count


@transaction.atomic
def lecture_restore(*, lecture: Lecture) -> Lecture:
    """Undo a cancellation: the lecture is scheduled again and gets roster rows again."""
    lecture = lock_row(Lecture, lecture.pk)
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
    # Lock order: the course (the others are renumbered), then the lecture.
    _lock_course(lecture.course_id)
    lecture = lock_row(Lecture, lecture.pk)
    _refuse_if_attended(
        lecture, _("This lecture has attendance; it cannot be deleted (cancel it instead).")
    )
    course = lecture.course
    roster_remove_unmarked(lectures=[lecture])
    lecture.delete()
    lectures_renumber(course=course)


# --- proposed lectures (§6.11) --------------------------------------------------------------

MAX_REASON = 1000


def _refuse_if_unapproved(lecture: Lecture) -> None:
    """A proposal changes status only by an admin's decision (approve or reject)."""
    if lecture.status in UNAPPROVED:
        raise Conflict(
            "lecture_not_approved",
            _("This lecture is a proposal that was not approved; approve or reject it."),
        )


def _course_instructor(*, course: Course, actor: CustomUser) -> Instructor | None:
    instructor = getattr(actor, "instructor_profile", None) if actor.role == "instructor" else None
    return instructor if instructor is not None and course.instructor_id == instructor.pk else None


@transaction.atomic
def lecture_add(
    *,
    actor: CustomUser,
    course: Course,
    date: date,
    start_time: time,
    end_time: time,
    title: str = "",
    instructor: Instructor | None = None,
) -> Lecture:
    """``POST /api/lectures/``: an admin adds a lecture (:func:`lecture_create`); the
    course's instructor proposes one (:func:`lecture_propose`; ``instructor`` is theirs);
    for anyone else the course is not there (404)."""
    if is_admin(actor):
        return lecture_create(
            course=course,
            date=date,
            start_time=start_time,
            end_time=end_time,
            title=title,
            instructor=instructor,
        )
    return lecture_propose(
        actor=actor, course=course, date=date, start_time=start_time, end_time=end_time, title=title
    )


@transaction.atomic
def lecture_propose(
    *,
    actor: CustomUser,
    course: Course,
    date: date,
    start_time: time,
    end_time: time,
    title: str = "",
) -> Lecture:
    """An extra lecture the course's instructor asks for: ``proposed``, parked outside the
    course's numbers, without roster rows; every admin is notified. Anyone but the
    course's instructor: 404 (another instructor's course is not theirs to see here)."""
    proposer = _course_instructor(course=course, actor=actor)
    if proposer is None:
        raise NotFound("not_found", _("Not found."))
    course = lock_row(Course, course.pk)
    if course.status == CourseStatus.ARCHIVED:
        raise Conflict("course_archived", _("This course is archived."))
    parked = course.lectures.filter(number__gt=PARKED_NUMBER).aggregate(last=Max("number"))
    lecture = Lecture(
        course=course,
        number=(parked["last"] or PARKED_NUMBER) + 1,
        title=title,
        date=date,
        start_time=start_time,
        end_time=end_time,
        instructor=proposer,
        status=LectureStatus.PROPOSED,
        is_manual=True,
    )
    lecture.full_clean(exclude=["number"])
    _check_time_free(lecture)
    lecture.save()
    _notify_admins_of_proposal(lecture, proposer=actor)
    return lecture


def _notify_admins_of_proposal(lecture: Lecture, *, proposer: CustomUser) -> None:
    admins = CustomUser.objects.filter(Q(is_staff=True) | Q(role="admin"), is_active=True)
    text = _("%(instructor)s proposes an extra lecture of %(course)s on %(date)s at %(time)s.") % {
        "instructor": proposer.get_full_name(),
        "course": lecture.course.name,
        "date": lecture.date.isoformat(),
        "time": f"{lecture.start_time:%H:%M}",
    }
    for admin in admins.order_by("pk"):
        notification_create(
            recipient=admin,
            kind="lecture_proposed",
            title=_("Extra lecture proposed"),
            body=text,
            data={"lecture": lecture.pk, "course": lecture.course_id},
        )


def _lock_proposal(lecture: Lecture) -> Lecture:
    """The proposal re-read under its row lock; 409 ``lecture_already_decided`` once an
    admin approved or rejected it (or it never was a proposal)."""
    related = Lecture.objects.select_related("course", "instructor__user")
    lecture = lock_row(related, lecture.pk, of=("self",))
    if lecture.status != LectureStatus.PROPOSED:
        raise Conflict(
            "lecture_already_decided", _("This lecture is not a proposal waiting for a decision.")
        )
    return lecture


def _tell_instructor(lecture: Lecture, *, kind: str, title: str, body: str) -> None:
    notification_create(
        recipient=lecture.instructor.user,
        kind=kind,
        title=title,
        body=body,
        data={"lecture": lecture.pk, "course": lecture.course_id},
    )


@transaction.atomic
def lecture_approve(*, lecture: Lecture, actor: CustomUser) -> Lecture:
    """An admin approves a proposal: it becomes ``scheduled``, takes its place in the
    course's numbers (as an added lecture does) and gets roster rows; its instructor is
    told. A second decision: 409 ``lecture_already_decided``."""
    if not is_admin(actor):
        raise Forbidden("admin_only", _("Only admins decide on proposed lectures."))
    # Lock order: the course (approval renumbers its lectures), then the lecture.
    _lock_course(lecture.course_id)
    lecture = _lock_proposal(lecture)
    _check_time_free(lecture)
    lecture.status = LectureStatus.SCHEDULED
    lecture.save(update_fields=["status", "updated_at"])
    lectures_renumber(course=lecture.course)
    lecture.refresh_from_db(fields=["number"])
    roster_add_lectures(lectures=[lecture])
    _tell_instructor(
        lecture,
        kind="lecture_approved",
        title=_("Extra lecture approved"),
        body=_("Your extra lecture of %(course)s on %(date)s is scheduled as lecture %(n)d.")
        % {"course": lecture.course.name, "date": lecture.date.isoformat(), "n": lecture.number},
    )
    return lecture


@transaction.atomic
def lecture_reject(*, lecture: Lecture, actor: CustomUser, reason: str) -> Lecture:
    """An admin rejects a proposal with a reason (400 without one): the lecture stays,
    ``rejected``, with the reason, and its instructor is told. A second decision: 409
    ``lecture_already_decided``."""
    if not is_admin(actor):
        raise Forbidden("admin_only", _("Only admins decide on proposed lectures."))
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise Invalid("invalid", _("Say why the lecture is rejected."), field="reason")
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise Invalid(
            "invalid",
            _("The reason must be text of at most %(max)d characters.") % {"max": MAX_REASON},
            field="reason",
        )
    lecture = _lock_proposal(lecture)
    lecture.status = LectureStatus.REJECTED
    lecture.rejection_reason = reason
    lecture.save(update_fields=["status", "rejection_reason", "updated_at"])
    _tell_instructor(
        lecture,
        kind="lecture_rejected",
        title=_("Extra lecture rejected"),
        body=_("Your extra lecture of %(course)s on %(date)s was rejected. %(reason)s")
        % {"course": lecture.course.name, "date": lecture.date.isoformat(), "reason": reason},
    )
    return lecture

"""Who may watch an online course, and what the catalogue shows of it (§6.10).

A participant has access to an online course while it has an ``active`` enrollment in it
whose ``access_until`` is empty (no end) or still ahead. Access is the enrollment itself:
callers that need its id or end get it from the same query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.permissions import is_admin
from courses.models import CourseStatus
from courses.selectors import with_rating_summary
from enrollments_payments.models import Enrollment
from online_courses.models import Lesson, LessonMaterial, LessonProgress, OnlineCourse
from users.models import Role, StudentUser
from users.participants import Participant, participant_lookup
from users.selectors import children_visible_to


def _pk(value: OnlineCourse | int) -> int:
    return value.pk if isinstance(value, OnlineCourse) else int(value)


def access_enrollments(
    *, participant: Participant, now: datetime | None = None
) -> QuerySet[Enrollment]:
    """The participant's enrollments that grant access at ``now`` (default: the clock)."""
    return Enrollment.objects.granting_access(now=now or timezone.now()).filter(
        **participant_lookup(participant)
    )


def online_access(
    *,
    participant: Participant,
    online_course: OnlineCourse | int,
    now: datetime | None = None,
) -> Enrollment | None:
    """The enrollment that gives ``participant`` access to ``online_course``, or None.
    One query."""
    return (
        access_enrollments(participant=participant, now=now)
        .filter(online_course_id=_pk(online_course))
        .first()
    )


def online_access_by_course(
    *,
    participant: Participant,
    online_courses: Iterable[OnlineCourse | int],
    now: datetime | None = None,
) -> dict[int, Enrollment]:
    """``{online course id: enrollment}`` for the courses of ``online_courses`` the
    participant may watch (the others are absent). One query whatever their number."""
    ids = {_pk(course) for course in online_courses}
    if not ids:
        return {}
    rows = access_enrollments(participant=participant, now=now).filter(online_course_id__in=ids)
    return {row.online_course_id: row for row in rows}


def with_access(
    qs: QuerySet[OnlineCourse], *, participant: Participant | None, now: datetime | None = None
) -> QuerySet[OnlineCourse]:
    """Annotate ``has_access`` (a boolean) on a queryset of online courses, in the same
    query (no participant: False everywhere)."""
    if participant is None:
        return qs.annotate(has_access=Value(False))
    granting = access_enrollments(participant=participant, now=now).filter(
        online_course=OuterRef("pk")
    )
    return qs.annotate(has_access=Exists(granting))


# --- the catalogue and what a participant sees of it ---------------------------------------


def _student_of(user) -> StudentUser | None:
    if not user.is_authenticated or user.role != Role.STUDENT:
        return None
    return StudentUser.objects.select_related("user").filter(user=user).first()


def participant_for(
    user, *, child: int | None = None, student: int | None = None
) -> Participant | None:
    """Whose lessons and progress the caller asks about: a student themself; a parent the
    child named by ``?child=`` (one of theirs); an admin any child or student named. None
    when nobody is named (the catalogue's view). A child or student the caller has no
    relation to is :class:`NotFound` — as if it did not exist."""
    if child is not None:
        found = children_visible_to(user).filter(pk=child).first()
        if found is None:
            raise NotFound("not_found", _("Not found."))
        return found
    own = _student_of(user)
    if student is not None:
        if is_admin(user):
            named = StudentUser.objects.select_related("user").filter(pk=student).first()
        else:
            named = own if own is not None and own.pk == student else None
        if named is None:
            raise NotFound("not_found", _("Not found."))
        return named
    return own


def _lessons_of_course() -> QuerySet[Lesson]:
    return Lesson.objects.filter(online_course=OuterRef("pk")).order_by().values("online_course")


def online_courses_visible_to(
    user, *, participant: Participant | None = None, now: datetime | None = None
) -> QuerySet[OnlineCourse]:
    """The catalogue as ``user`` sees it: admins every course; everyone else the published
    ones, and a participant also those it has access to (an archived course stays open to
    the enrolled). Each row carries ``has_access`` (``participant``'s), ``lessons_count``
    and ``duration_seconds`` (the lessons' total), ``rating_average`` and ``rating_count``,
    and its instructor — in the one query."""
    counts = _lessons_of_course().annotate(n=Count("pk")).values("n")[:1]
    total = _lessons_of_course().annotate(s=Sum("duration_seconds")).values("s")[:1]
    courses = with_access(
        with_rating_summary(OnlineCourse.objects.select_related("instructor__user")),
        participant=participant,
        now=now,
    ).annotate(
        lessons_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0),
        duration_seconds=Coalesce(Subquery(total, output_field=IntegerField()), 0),
    )
    if is_admin(user):
        return courses
    return courses.filter(Q(status=CourseStatus.PUBLISHED) | Q(has_access=True))


def with_lesson_outlines(courses: QuerySet[OnlineCourse]) -> QuerySet[OnlineCourse]:
    """Prefetch each course's lessons in order (``outline``): one query for a page."""
    outline = Lesson.objects.only(
        "id", "online_course_id", "number", "title", "duration_seconds", "is_preview"
    ).order_by("number")
    return courses.prefetch_related(Prefetch("lessons", queryset=outline, to_attr="outline"))


def participant_enrollment(
    *, participant: Participant, online_course: OnlineCourse | int
) -> Enrollment | None:
    """The participant's enrollment in the online course, whatever its state (there is at
    most one); None when it never enrolled. One query."""
    return (
        Enrollment.objects.filter(online_course_id=_pk(online_course))
        .filter(**participant_lookup(participant))
        .order_by("-enrolled_at", "-pk")
        .first()
    )


def lessons_for_display(
    online_course: OnlineCourse, *, participant: Participant | None
) -> list[Lesson]:
    """The course's lessons in order, each with its ``materials`` and, for a participant,
    its ``progress_row`` (a LessonProgress or None) and ``completed``: three queries
    whatever the number of lessons (two without a participant)."""
    lessons = list(
        Lesson.objects.filter(online_course=online_course)
        .order_by("number")
        .prefetch_related(Prefetch("materials", queryset=LessonMaterial.objects.order_by("pk")))
    )
    rows: dict[int, LessonProgress] = {}
    if participant is not None and lessons:
        rows = {
            row.lesson_id: row
            for row in LessonProgress.objects.filter(
                lesson__online_course=online_course, **participant_lookup(participant)
            )
        }
    for lesson in lessons:
        lesson.progress_row = rows.get(lesson.pk)
        lesson.completed = bool(lesson.progress_row and lesson.progress_row.completed)
    return lessons


def locked_flags(sequential: bool, lessons: list[Lesson]) -> list[bool]:
    """For lessons in order with ``completed`` set: which are locked. In a sequential
    course a lesson unlocks when the one before it is completed; the first lesson and the
    previews (open to anyone) never lock."""
    if not sequential:
        return [False] * len(lessons)
    flags = [False]
    for before, lesson in zip(lessons, lessons[1:], strict=False):
        flags.append(not before.completed and not lesson.is_preview)
    return flags[: len(lessons)]


def lesson_is_locked(lesson: Lesson, *, participant: Participant) -> bool:
    """Whether ``lesson`` is locked for ``participant`` (see :func:`locked_flags`): one
    query in a sequential course, none otherwise. ``lesson.online_course`` is read."""
    if not lesson.online_course.sequential or lesson.is_preview:
        return False
    done = LessonProgress.objects.filter(
        lesson=OuterRef("pk"), completed_at__isnull=False, **participant_lookup(participant)
    )
    before = (
        Lesson.objects.filter(online_course_id=lesson.online_course_id, number__lt=lesson.number)
        .order_by("-number")
        .annotate(done=Exists(done))
        .values_list("done", flat=True)
        .first()
    )
    return before is not None and not before


def lesson_progress_of(lesson: Lesson, *, participant: Participant) -> LessonProgress | None:
    rows = LessonProgress.objects.filter(lesson=lesson, **participant_lookup(participant))
    return rows.order_by().first()


def course_progress(
    *, participant: Participant, online_course: OnlineCourse | int
) -> dict[str, int]:
    """``{"lessons_completed", "lessons_total"}`` of the participant in the course (one
    query)."""
    done = LessonProgress.objects.filter(
        lesson=OuterRef("pk"), completed_at__isnull=False, **participant_lookup(participant)
    )
    figures = (
        Lesson.objects.filter(online_course_id=_pk(online_course))
        .annotate(done=Exists(done))
        .aggregate(total=Count("pk"), completed=Count("pk", filter=Q(done=True)))
    )
    return {"lessons_completed": figures["completed"], "lessons_total": figures["total"]}


def has_lesson_after(lesson: Lesson) -> bool:
    return Lesson.objects.filter(
        online_course_id=lesson.online_course_id, number__gt=lesson.number
    ).exists()

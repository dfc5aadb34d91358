"""Reads scoped to the caller. Rows outside the scope are simply not there (404)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from core.permissions import is_admin
from courses.models import (
    UNAPPROVED,
    Course,
    CourseRating,
    CourseSchedule,
    CourseStatus,
    Exam,
    ExamResult,
    Lecture,
)
from enrollments_payments.models import Enrollment
from online_courses.models import OnlineCourse
from users.models import Child, Instructor, StudentUser
from users.selectors import full_name, parent_of


def instructor_of(user) -> Instructor | None:
    if not user.is_authenticated or user.role != "instructor":
        return None
    try:
        return user.instructor_profile
    except Instructor.DoesNotExist:
        return None


def student_of(user) -> StudentUser | None:
    if not user.is_authenticated or user.role != "student":
        return None
    try:
        return user.student_profile
    except StudentUser.DoesNotExist:
        return None


def is_course_instructor(user, course: Course) -> bool:
    instructor = instructor_of(user)
    return instructor is not None and course.instructor_id == instructor.pk


def participant_in_course(
    course: Course, *, child: Child | None = None, student: StudentUser | None = None
) -> bool:
    """Is this participant (a child or a student) actively enrolled in the course, so that
    the course's people may record things about them (exam results, attendance)?

    The one place that answers it: one ``EXISTS`` query.
    """
    if child is not None:
        who = {"child": child}
    elif student is not None:
        who = {"student": student}
    else:
        return False
    return Enrollment.objects.active().filter(course=course, **who).exists()


def with_seats_left(queryset: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate ``seats_left`` = capacity − active enrollments (a subquery: one query per
    page), never below zero."""
    return queryset.annotate(seats_left=_seats_left())


@functools.cache
def _seats_left() -> Expression:
    # Built once, not per request: annotate() resolves a copy each time and leaves this
    # one as it is.
    taken = (
        Enrollment.objects.active()
        .filter(course_id=OuterRef("pk"))
        .order_by()
        .values("course_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Greatest(F("capacity") - Coalesce(Subquery(taken[:1]), 0), Value(0))


# The column of CourseRating that names a row of each rated model.
_RATED_BY = {Course: "course", OnlineCourse: "online_course"}


def with_rating_summary(queryset: QuerySet) -> QuerySet:
    """Annotate ``rating_average`` (a decimal, or None without ratings) and
    ``rating_count`` on a queryset of courses or of online courses (§6.10: both catalogues
    show them; serialise the average as a two-decimal string).

    Two correlated subqueries in the same statement: a page of courses stays one query
    whatever its size (no query per row)."""
    average, count = _summary(_RATED_BY[queryset.model])
    return queryset.annotate(rating_average=average, rating_count=count)


@functools.cache
def _summary(column: str) -> tuple[Subquery, Coalesce]:
    # Built once per column; annotate() resolves a copy each time (as _seats_left).
    of_row = CourseRating.objects.filter(**{column: OuterRef("pk")}).order_by().values(column)
    average = of_row.annotate(value=Avg("rating")).values("value")[:1]
    count = of_row.annotate(value=Count("pk")).values("value")[:1]
    return (
        Subquery(average, output_field=DecimalField(max_digits=4, decimal_places=2)),
        Coalesce(Subquery(count, output_field=IntegerField()), 0),
    )


def course_ids_of_user(user) -> QuerySet | None:
    """Ids of the courses in which the caller's participants (a parent's children, a
    student themself) are or were enrolled; None for anyone else."""
    if not user.is_authenticated:
        return None
    parent = parent_of(user)
    if parent is not None:
        who = Q(child__in=Child.objects.of_parent(parent).values("pk"))
    elif user.role == "student":
        who = Q(student__in=StudentUser.objects.filter(user=user).values("pk"))
    else:
        return None
    # Online enrollments have no course: left out, so the ids are never NULL.
    return (
        Enrollment.objects.seeing_lectures().filter(who, course__isnull=False).values("course_id")
    )


def with_tags_and_schedule(courses: Sequence[Course]) -> Sequence[Course]:
    """Give each course ``tag_list`` (``{"id", "name"}`` by name) and ``schedule_list``
    (its weekly slots by weekday and time), in two queries whatever the number of courses.

    What ``prefetch_related`` would do, with rows as dicts: no model object per tag or
    slot, no manager and queryset per course (issue #12)."""
    ids = [course.pk for course in courses]
    tags: dict[int, list[dict]] = defaultdict(list)
    slots: dict[int, list[dict]] = defaultdict(list)
    if ids:
        links = Course.tags.through.objects.filter(course_id__in=ids).order_by("tag__name")
        for course_id, tag_id, name in links.values_list("course_id", "tag_id", "tag__name"):
            tags[course_id].append({"id": tag_id, "name": name})
        rows = (
            CourseSchedule.objects.filter(course_id__in=ids)
            .order_by("weekday", "start_time")
            .values("course_id", "id", "weekday", "start_time", "end_time")
        )
        for row in rows:
            slots[row.pop("course_id")].append(row)
    for course in courses:
        course.tag_list = tags[course.pk]
        course.schedule_list = slots[course.pk]
    return courses


def courses_visible_to(user) -> QuerySet[Course]:
    """Anonymous users, parents and students see published courses; instructors also their
    own (any status); admins everything. With ``seats_left`` and the rating summary."""
    # Names come from the query: no season or user objects (a user's two phone numbers
    # are parsed whenever one is loaded). Tags and slots: with_tags_and_schedule().
    qs = with_rating_summary(
        with_seats_left(
            Course.objects.annotate(
                season_name=F("season__name"), instructor_name=full_name("instructor__user")
            )
        )
    )
    if is_admin(user):
        return qs
    instructor = instructor_of(user)
    if instructor is not None:
        return qs.filter(Q(status=CourseStatus.PUBLISHED) | Q(instructor=instructor))
    return qs.filter(status=CourseStatus.PUBLISHED)


def lectures_visible_to(user) -> QuerySet[Lecture]:
    """Admins and supervisors see every lecture; a teacher sees the lectures of their own
    courses and those they substitute in; parents and students see the lectures of the
    courses their participants are (or were) enrolled in.

    Proposed and rejected lectures (§6.11) are seen only by admins and the course's
    instructor.
    """
    qs = Lecture.objects.select_related("course").annotate(
        instructor_name=full_name("instructor__user")
    )
    if is_admin(user):
        return qs
    instructor = instructor_of(user)
    if instructor is None:
        course_ids = course_ids_of_user(user)
        if course_ids is None:
            return qs.none()
        return qs.filter(course_id__in=course_ids).exclude(status__in=UNAPPROVED)
    approved = ~Q(status__in=UNAPPROVED) | Q(course__instructor=instructor)
    if instructor.is_supervisor:
        return qs.filter(approved)
    return qs.filter(Q(course__instructor=instructor) | Q(instructor=instructor)).filter(approved)


def exams_visible_to(user) -> QuerySet[Exam]:
    """Admins and supervisors: all (supervisors read, as they read every lecture; writing
    stays with admins and the course's instructor). Teachers: exams of their own courses.
    Parents and students: exams where their child / they themselves have a result, and the
    exams of the courses they are (or were) enrolled in."""
    qs = Exam.objects.select_related("course")
    if is_admin(user):
        return qs
    instructor = instructor_of(user)
    if instructor is not None:
        return qs if instructor.is_supervisor else qs.filter(course__instructor=instructor)
    visible = Q(pk__in=_own_results(user).values("exam_id"))
    course_ids = course_ids_of_user(user)
    if course_ids is not None:
        visible |= Q(course_id__in=course_ids)
    return qs.filter(visible)


def _own_results(user) -> QuerySet[ExamResult]:
    parent = parent_of(user)
    if parent is not None:
        return ExamResult.objects.filter(
            Q(child__primary_parent=parent) | Q(child__other_parents=parent)
        )
    student = student_of(user)
    if student is not None:
        return ExamResult.objects.filter(student=student)
    return ExamResult.objects.none()


def exam_results_visible_to(user, exam: Exam) -> QuerySet[ExamResult]:
    """All results for admins, supervisors and the course's instructor; otherwise the
    caller's own participants' results only."""
    qs = ExamResult.objects.filter(exam=exam).select_related("child", "student__user", "entered_by")
    if is_admin(user) or is_course_instructor(user, exam.course):
        return qs
    instructor = instructor_of(user)
    if instructor is not None and instructor.is_supervisor:
        return qs
    return qs.filter(pk__in=_own_results(user).filter(exam=exam).values("pk"))


def participant_ids_in_course(course_id: int) -> set[tuple[int | None, int | None]]:
    """``(child_id, student_id)`` of every participant actively enrolled in the course (the
    bulk form of :func:`participant_in_course`): one query."""
    return set(
        Enrollment.objects.active()
        .filter(course_id=course_id)
        .values_list("child_id", "student_id")
    )


@dataclass
class ExamParticipant:
    """A line of an exam's results table: a participant and their result, if any."""

    child_id: int | None
    student_id: int | None
    name: str
    code: str
    enrolled: bool
    result: ExamResult | None = None

    @property
    def key(self) -> str:
        return f"child-{self.child_id}" if self.child_id else f"student-{self.student_id}"


def exam_participants(exam: Exam) -> list[ExamParticipant]:
    """The course's active participants (children and adult students) with their result of
    the exam, then anyone else who has a result (withdrawn since), by name: two queries
    whatever their number."""
    rows: dict[tuple, ExamParticipant] = {}
    enrollments = (
        Enrollment.objects.active()
        .filter(course_id=exam.course_id)
        .select_related("child", "student__user")
    )
    for enrollment in enrollments:
        who = enrollment.child or enrollment.student
        rows[(enrollment.child_id, enrollment.student_id)] = ExamParticipant(
            child_id=enrollment.child_id,
            student_id=enrollment.student_id,
            name=who.full_name,
            code=who.code,
            enrolled=True,
        )
    results = ExamResult.objects.filter(exam=exam).select_related("child", "student__user")
    for result in results:
        key = (result.child_id, result.student_id)
        if key not in rows:
            who = result.child or result.student
            rows[key] = ExamParticipant(
                child_id=result.child_id,
                student_id=result.student_id,
                name=who.full_name,
                code=who.code,
                enrolled=False,
            )
        rows[key].result = result
    return sorted(rows.values(), key=lambda row: (not row.enrolled, row.name, row.code))

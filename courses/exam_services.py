"""Writes for exams and their results. Percentages and pass/fail come from the exam's own
total and pass mark and are recomputed whenever those change.

The marks rule (a number from 0 to the exam's total) is :func:`exam_marks_check`: the API's
one-result service, the admin's results table and its bulk service all go through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from core.locking import lock_row
from core.permissions import is_admin
from core.unset import UNSET, Unset, given
from courses import rules, selectors
from courses.models import DATE_RANGE, Course, Exam, ExamResult
from users.models import Child, CustomUser, StudentUser


def exam_check_writer(*, actor: CustomUser, course: Course) -> None:
    """Exams and results of a course are written by admins and the course's instructor."""
    if is_admin(actor):
        return
    instructor = getattr(actor, "instructor_profile", None) if actor.role == "instructor" else None
    if instructor is None or course.instructor_id != instructor.pk:
        raise Forbidden(
            "not_course_instructor", _("Only admins and the course's instructor may do this.")
        )


def _check_scheduled_at(exam: Exam) -> None:
    """The lectures' and courses' calendar (DATE_RANGE). Outside it Africa/Cairo's old
    local-mean-time offset (+02:05:09 before 1900) would be served — not ISO 8601."""
    if exam.scheduled_at is None:
        return
    try:
        for validator in DATE_RANGE:
            validator(exam.scheduled_at.date())
    except ValidationError as exc:
        raise ValidationError({"scheduled_at": exc.messages}) from exc


@transaction.atomic
def exam_create(
    *,
    actor: CustomUser,
    course: Course,
    title: str,
    total_marks: Decimal,
    pass_mark: Decimal,
    kind: str,
    scheduled_at: datetime | None = None,
) -> Exam:
    exam_check_writer(actor=actor, course=course)
    exam = Exam(
        course=course,
        title=title,
        total_marks=total_marks,
        pass_mark=pass_mark,
        scheduled_at=scheduled_at,
        kind=kind,
    )
    _check_scheduled_at(exam)
    exam.full_clean()
    exam.save()
    return exam


@transaction.atomic
def exam_update(
    *,
    exam: Exam,
    actor: CustomUser,
    title: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    scheduled_at: datetime | None | Unset = UNSET,
    total_marks: Decimal | Unset = UNSET,
    pass_mark: Decimal | Unset = UNSET,
) -> Exam:
    """Change an exam; new marks settings re-grade its results in one bulk update. An exam
    does not move between courses."""
    exam_check_writer(actor=actor, course=exam.course)
    fields = given(
        title=title,
        kind=kind,
        scheduled_at=scheduled_at,
        total_marks=total_marks,
        pass_mark=pass_mark,
    )
    exam = lock_row(Exam, exam.pk)
    for name, value in fields.items():
        setattr(exam, name, value)
    _check_scheduled_at(exam)
    exam.full_clean()
    results = list(exam.results.all())
    if any(r.marks > exam.total_marks for r in results):
        raise Invalid(
            "marks_exceed_total",
            _("Some results have more marks than the new total."),
            field="total_marks",
        )
    exam.save()
    for result in results:
        _grade(result, exam)
    ExamResult.objects.bulk_update(results, ["percentage", "passed"])
    return exam


@transaction.atomic
def exam_delete(*, exam: Exam, actor: CustomUser) -> None:
    exam_check_writer(actor=actor, course=exam.course)
    exam = lock_row(Exam, exam.pk)
    if exam.results.exists():
        raise Conflict("exam_has_results", _("This exam has results and cannot be deleted."))
    exam.delete()


def exam_marks_check(*, marks: Decimal, total_marks: Decimal) -> None:
    """Marks are not negative and not above the exam's total (400 ``marks_negative`` /
    ``marks_exceed_total``)."""
    if marks < 0:
        raise Invalid("marks_negative", _("The marks cannot be negative."), field="marks")
    if marks > total_marks:
        raise Invalid(
            "marks_exceed_total", _("The marks are above the exam's total."), field="marks"
        )


def _grade(result: ExamResult, exam: Exam) -> None:
    result.percentage = rules.exam_percentage(result.marks, exam.total_marks)
    result.passed = rules.exam_passed(result.marks, exam.pass_mark)


@transaction.atomic
def exam_result_save(
    *,
    exam: Exam,
    marks: Decimal,
    child: Child | None = None,
    student: StudentUser | None = None,
    notes: str = "",
    entered_by: CustomUser | None = None,
) -> tuple[ExamResult, bool]:
    """Create or update the result of one participant; returns ``(result, created)``.

    from core.errors import Conflict, Forbidden, Invalid
    from core.permissions import is_admin
    from core.unset import UNSET, Unset, given
    from courses import rules, selectors
    from courses.models import DATE_RANGE, Course, Exam, ExamResult
    """
    if entered_by is not None:
        exam_check_writer(actor=entered_by, course=exam.course)
    if (child is None) == (student is None):
        raise Invalid(
            "participant_required", _("Give exactly one of child or student."), field="child"
        )
    if not selectors.participant_in_course(exam.course, child=child, student=student):
        raise _not_enrolled("child" if child is not None else "student")
    exam_marks_check(marks=marks, total_marks=exam.total_marks)
    lookup = {"child": child} if child is not None else {"student": student}
    result = ExamResult.objects.select_for_update().filter(exam=exam, **lookup).first()
    created = result is None
    if created:
        result = ExamResult(exam=exam, **lookup)
    result.marks = marks
    result.notes = notes
    result.entered_by = entered_by
    _grade(result, exam)
    result.full_clean(validate_unique=False, validate_constraints=False)
    result.save()
    return result, created


def _not_enrolled(field: str) -> Invalid:
    # One message for "no such id", "someone else's child" and "not in this course", so
    # that the answer reveals nothing about which ids exist.
    return Invalid(
        "participant_not_enrolled",
        _("This participant is not enrolled in the exam's course."),
        field=field,
    )


def exam_result_save_for_ids(
    *,
    exam: Exam,
    marks: Decimal,
    child_id: int | None = None,
    student_id: int | None = None,
    notes: str = "",
    entered_by: CustomUser | None = None,
) -> tuple[ExamResult, bool]:
    """``exam_result_save`` for ids sent by a client: an id that does not exist gets the
    very same refusal as a participant who is not in the course."""
    if (child_id is None) == (student_id is None):
        raise Invalid(
            "participant_required", _("Give exactly one of child or student."), field="child"
        )
    if child_id is not None:
        child = Child.objects.filter(pk=child_id).first()
        if child is None:
            raise _not_enrolled("child")
        return exam_result_save(
            exam=exam, marks=marks, child=child, notes=notes, entered_by=entered_by
        )
    student = StudentUser.objects.filter(pk=student_id).first()
    if student is None:
        raise _not_enrolled("student")
    return exam_result_save(
        exam=exam, marks=marks, student=student, notes=notes, entered_by=entered_by
    )


@dataclass(frozen=True)
class MarksEntry:
    """One line of a results table: exactly one of ``child_id`` / ``student_id``."""

    marks: Decimal
    child_id: int | None = None
    student_id: int | None = None
    notes: str = ""


@transaction.atomic
def exam_results_save_many(
    *, exam: Exam, entries: Sequence[MarksEntry], entered_by: CustomUser | None = None
) -> tuple[int, int]:
    """Create or update many results of one exam at once (the admin's results table);
    returns ``(created, updated)``.

    The same rules as :func:`exam_result_save` — writer, participant enrolled, marks within
    the total — for a bounded number of queries whatever the number of entries: the exam
    row is locked (its total is the one graded against), the enrollments and the existing
    results are read once, new results go in one bulk insert and changed ones in one bulk
    update. The first refused entry refuses them all.
    """
    if entered_by is not None:
        exam_check_writer(actor=entered_by, course=exam.course)
    exam = lock_row(Exam, exam.pk)
    enrolled = selectors.participant_ids_in_course(exam.course_id)
    for entry in entries:
        if (entry.child_id is None) == (entry.student_id is None):
            raise Invalid(
                "participant_required", _("Give exactly one of child or student."), field="child"
            )
        if (entry.child_id, entry.student_id) not in enrolled:
            raise _not_enrolled("child" if entry.child_id is not None else "student")
        exam_marks_check(marks=entry.marks, total_marks=exam.total_marks)
    existing = {
        (result.child_id, result.student_id): result
        for result in ExamResult.objects.select_for_update().filter(exam=exam)
    }
    new, changed = [], []
    now = timezone.now()
    for entry in entries:
        result = existing.get((entry.child_id, entry.student_id))
        if result is None:
            result = ExamResult(exam=exam, child_id=entry.child_id, student_id=entry.student_id)
            new.append(result)
        else:
            changed.append(result)
        result.marks, result.notes, result.entered_by = entry.marks, entry.notes, entered_by
        result.updated_at = now  # bulk_update leaves auto_now fields alone
        _grade(result, exam)
        # The foreign keys were checked above; their validation would query per row.
        result.full_clean(
            exclude=["exam", "child", "student", "entered_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    ExamResult.objects.bulk_create(new)
    if changed:
        ExamResult.objects.bulk_update(
            changed, ["marks", "notes", "entered_by", "percentage", "passed", "updated_at"]
        )
    return len(new), len(changed)

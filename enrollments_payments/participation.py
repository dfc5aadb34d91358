"""The participation provider the lower apps ask (see ``users.participation``).

Registered by ``EnrollmentsPaymentsConfig.ready()``. Every answer is a queryset, an
expression or one ``EXISTS`` query.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Count, Expression, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.permissions import is_admin
from courses.models import LectureStatus
from enrollments_payments.models import Enrollment, EnrollmentRequest, EnrollmentStatus
from users.models import Child, StudentUser
from users.selectors import parent_of

# The enrollments whose participants see the course's lectures.
SEES_LECTURES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


class EnrollmentParticipation:
    def roster_rows(self, *, lecture_ids: Collection[int]) -> QuerySet:
        return (
            Enrollment.objects.active()
            # One filter() call: both conditions are on the same joined lecture.
            .filter(
                course__lectures__in=lecture_ids,
                course__lectures__status__in=[LectureStatus.SCHEDULED, LectureStatus.COMPLETED],
            )
            .order_by()
            .annotate(lecture_id=F("course__lectures__id"))
            .values("lecture_id", "child_id", "student_id")
        )

    def participant_in_course(
        self, *, course_id: int, child_id: int | None, student_id: int | None
    ) -> bool:
        if child_id is None and student_id is None:
            return False
        who = {"child_id": child_id} if child_id is not None else {"student_id": student_id}
        return Enrollment.objects.active().filter(course_id=course_id, **who).exists()

    def active_count(self, course_ref: OuterRef) -> Expression:
        counted = (
            Enrollment.objects.active()
            .filter(course_id=course_ref)
            .order_by()
            .values("course_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted[:1]), 0)

    def course_ids_of_user(self, user: Any) -> QuerySet | None:
        if not user.is_authenticated or is_admin(user):
            return None
        parent = parent_of(user)
        if parent is not None:
            who = Q(child__in=Child.objects.of_parent(parent).values("pk"))
        elif user.role == "student":
            who = Q(student__in=StudentUser.objects.filter(user=user).values("pk"))
        else:
            return None
        return Enrollment.objects.filter(who, status__in=SEES_LECTURES).values("course_id")

    def course_has_history(self, *, course_id: int) -> bool:
        return (
            Enrollment.objects.filter(course_id=course_id).exists()
            or EnrollmentRequest.objects.filter(course_id=course_id).exists()
        )

    def child_has_history(self, *, child_id: int) -> bool:
        return (
            Enrollment.objects.filter(child_id=child_id).exists()
            or EnrollmentRequest.objects.filter(child_id=child_id).exists()
        )

    def participant_ids_taught_by(self, *, instructor_id: int | None) -> tuple[QuerySet, QuerySet]:
        qs = Enrollment.objects.all()
        if instructor_id is not None:
            qs = qs.filter(course__instructor_id=instructor_id)
        return (
            qs.filter(child__isnull=False).values("child_id"),
            qs.filter(student__isnull=False).values("student_id"),
        )

"""Reads scoped to the caller (§10): parents see their children's rows (every linked
parent), students their own, instructors their courses' enrollments (without money),
admins everything; anyone else gets nothing, so a detail is a 404.

Lists annotate what they show (money totals, progress) with subqueries, so a page of 100
runs as many queries as a page of 1.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import (
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance.models import LectureAttendance
from core.permissions import is_admin
from courses.models import LectureStatus
from courses.rules import CENTER_TZ
from courses.selectors import instructor_of
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    Payment,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
)
from online_courses.models import Lesson, LessonProgress
from users.models import Child, StudentUser
from users.selectors import parent_of

MONEY = DecimalField(max_digits=12, decimal_places=2)


def _own_q(user, prefix: str = "") -> Q | None:
    """The filter naming the caller's participants, or None when they have none."""
    parent = parent_of(user)
    if parent is not None:
        return Q(**{f"{prefix}child__in": Child.objects.of_parent(parent).values("pk")})
    if user.is_authenticated and user.role == "student":
        return Q(**{f"{prefix}student__in": StudentUser.objects.filter(user=user).values("pk")})
    return None


def _scoped(qs: QuerySet, user, prefix: str = "") -> QuerySet:
    if is_admin(user):
        return qs
    q = _own_q(user, prefix)
    return qs.none() if q is None else qs.filter(q)


def requests_visible_to(user) -> QuerySet[EnrollmentRequest]:
    qs = EnrollmentRequest.objects.select_related(
        "course", "online_course", "child", "student__user", "processed_by", "requested_by"
    )
    return _scoped(qs, user)


def _scalar(qs: QuerySet, function: str, field: str, output) -> Subquery:
    """One aggregate over a correlated subquery (no GROUP BY: a single row)."""
    return Subquery(
        qs.order_by().annotate(v=Func(F(field), function=function, output_field=output)).values("v")
    )


def with_money(qs: QuerySet[Enrollment], prefix: str = "") -> QuerySet[Enrollment]:
    """Annotate ``amount_paid`` (payments not voided) and ``amount_refunded`` (refunds
    approved) of the enrollment ``prefix`` names."""
    ref = OuterRef(f"{prefix}pk")
    paid = Payment.objects.filter(enrollment=ref, status=PaymentStatus.PAID)
    refunded = RefundRequest.objects.filter(enrollment=ref, status=RefundStatus.APPROVED)
    zero = Value(Decimal("0.00"), output_field=MONEY)
    return qs.annotate(
        amount_paid=Coalesce(_scalar(paid, "SUM", "amount", MONEY), zero),
        amount_refunded=Coalesce(_scalar(refunded, "SUM", "amount", MONEY), zero),
    )


def with_progress(qs: QuerySet[Enrollment], *, now: datetime | None = None) -> QuerySet:
    """Annotate the §6.6 progress figures of each enrollment with correlated subqueries.

    The lectures counted are the participant's: those with a roster row. Approval gives a
    row to every lecture not started yet, a late joiner marked by the instructor gets one,
    a drop removes the future ones — so a child who joined today has held 0 lectures, not
    the 4 the course held before, and ``attended`` never exceeds ``lectures_held``.
    """
    local = timezone.localtime(now or timezone.now(), CENTER_TZ)
    rows = (
        LectureAttendance.objects.filter(lecture__course=OuterRef("course"))
        .filter(Q(child=OuterRef("child")) | Q(student=OuterRef("student")))
        .exclude(lecture__status=LectureStatus.CANCELLED)
    )
    held = rows.filter(
        Q(lecture__date__lt=local.date())
        | Q(lecture__date=local.date(), lecture__end_time__lte=local.time())
    )
    count = IntegerField()
    return qs.annotate(
        p_total=Coalesce(_scalar(rows, "COUNT", "pk", count), 0),
        p_held=Coalesce(_scalar(held, "COUNT", "pk", count), 0),
        p_attended=Coalesce(_scalar(rows.filter(present=True), "COUNT", "pk", count), 0),
        p_absent=Coalesce(_scalar(rows.filter(present=False), "COUNT", "pk", count), 0),
        p_rating=_scalar(
            rows.filter(present__isnull=False), "AVG", "rating", DecimalField(decimal_places=2)
        ),
    )


def with_lesson_progress(qs: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Annotate ``l_total`` (the online course's lessons) and ``l_completed`` (those the
    participant completed) with correlated subqueries: 0 and 0 for an on-site course."""
    lessons = Lesson.objects.filter(online_course=OuterRef("online_course"))
    completed = LessonProgress.objects.filter(
        Q(child=OuterRef("child")) | Q(student=OuterRef("student")),
        lesson__online_course=OuterRef("online_course"),
        completed_at__isnull=False,
    )
    count = IntegerField()
    return qs.annotate(
        l_total=Coalesce(_scalar(lessons, "COUNT", "pk", count), 0),
        l_completed=Coalesce(_scalar(completed, "COUNT", "pk", count), 0),
    )


def enrollments_visible_to(user) -> QuerySet[Enrollment]:
    qs = Enrollment.objects.select_related(
        "course", "course__season", "online_course", "child", "student__user", "created_by"
    )
    qs = with_lesson_progress(with_progress(with_money(qs)))
    if is_admin(user):
        return qs
    instructor = instructor_of(user)
    if instructor is not None:
        return qs.filter(Q(course__instructor=instructor) | Q(online_course__instructor=instructor))
    return _scoped(qs, user)


def payments_visible_to(user) -> QuerySet[Payment]:
    qs = Payment.objects.select_related(
        "enrollment__course",
        "enrollment__online_course",
        "enrollment__child",
        "enrollment__student__user",
        "received_by",
    )
    return _scoped(qs, user, prefix="enrollment__")


def refunds_visible_to(user) -> QuerySet[RefundRequest]:
    qs = RefundRequest.objects.select_related(
        "enrollment__course",
        "enrollment__online_course",
        "enrollment__child",
        "enrollment__student__user",
        "requested_by",
        "processed_by",
    )
    return _scoped(qs, user, prefix="enrollment__")

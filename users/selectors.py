"""Reads scoped to the caller. Rows outside the scope are simply not there (404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Avg,
    CharField,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat

from attendance.models import StudentInstructorRating
from core.permissions import is_admin
from enrollments_payments.models import Enrollment
from users import participants
from users.models import Child, Instructor, Parent, ParentLinkRequest, Role, StudentUser
from users.participants import Participant


def full_name(user_path: str) -> Concat:
    """``first_name last_name`` of the user at ``user_path`` (e.g. ``"instructor__user"``),
    computed by the query, so a list needs no user objects to show names. Strip it as
    ``CustomUser.get_full_name()`` does (courses.serializers.FullNameField)."""
    return Concat(
        F(f"{user_path}__first_name"),
        Value(" "),
        F(f"{user_path}__last_name"),
        output_field=CharField(),
    )


def with_ratings(queryset: QuerySet[Instructor]) -> QuerySet[Instructor]:
    """Annotate instructors with ``rating_average`` (decimal or null) and ``rating_count``
    (subqueries: a page of instructors stays one query)."""
    of_instructor = (
        StudentInstructorRating.objects.filter(instructor=OuterRef("pk"))
        .order_by()
        .values("instructor")
    )
    average = of_instructor.annotate(value=Avg("rating")).values("value")[:1]
    count = of_instructor.annotate(value=Count("pk")).values("value")[:1]
    return queryset.annotate(
        rating_average=Subquery(average, output_field=DecimalField(max_digits=4, decimal_places=2)),
        rating_count=Coalesce(Subquery(count, output_field=IntegerField()), 0),
    )


def parent_of(user) -> Parent | None:
    if not user.is_authenticated or user.role != "parent":
        return None
    try:
        return user.parent_profile
    except Parent.DoesNotExist:
        return None


def children_visible_to(user) -> QuerySet[Child]:
    qs = Child.objects.select_related("primary_parent__user")
    if is_admin(user):
        return qs
    parent = parent_of(user)
    if parent is None:
        return qs.none()
    return qs.of_parent(parent)


def students_visible_to(user) -> QuerySet[StudentUser]:
    """The student profiles the user has as their own: admins every one, a student their
    own, anyone else none (the family of a participant, as ``children_visible_to`` is for
    children; what instructors see of participants is ``participants_visible_to``)."""
    qs = StudentUser.objects.select_related("user")
    if is_admin(user):
        return qs
    if not user.is_authenticated or user.role != Role.STUDENT:
        return qs.none()
    return qs.filter(user=user)


def link_requests_visible_to(user) -> QuerySet[ParentLinkRequest]:
    """Requests the parent made, and requests about children they are primary parent of."""
    qs = ParentLinkRequest.objects.select_related("child", "requester__user")
    if is_admin(user):
        return qs
    parent = parent_of(user)
    if parent is None:
        return qs.none()
    return qs.filter(Q(requester=parent) | Q(child__primary_parent=parent))


def instructors_public() -> QuerySet[Instructor]:
    """Active instructors with ``rating_average`` / ``rating_count`` annotated."""
    return with_ratings(
        Instructor.objects.filter(user__is_active=True)
        .select_related("user")
        .prefetch_related("tags")
    )


def instructors_for_admin() -> QuerySet[Instructor]:
    return with_ratings(Instructor.objects.select_related("user").prefetch_related("tags"))


def students_for_admin() -> QuerySet[StudentUser]:
    return StudentUser.objects.select_related("user")


def parents_for_admin() -> QuerySet[Parent]:
    return Parent.objects.select_related("user").prefetch_related("primary_children")


@dataclass(frozen=True)
class VisibleParticipants:
    """The children and students a user may see, as two querysets (one per table)."""

    children: QuerySet[Child]
    students: QuerySet[StudentUser]

    def contains(self, participant: Participant) -> bool:
        if isinstance(participant, Child):
            return self.children.filter(pk=participant.pk).exists()
        return self.students.filter(pk=participant.pk).exists()

    def records_q(self, prefix: str = "") -> Q:
        """A filter for participant records (attendance rows, results…) of these people."""
        return Q(**{f"{prefix}child__in": self.children.values("pk")}) | Q(
            **{f"{prefix}student__in": self.students.values("pk")}
        )


def participants_visible_to(user) -> VisibleParticipants:
    """Participants the user has a legitimate relation to (SPEC §13): admins all; a parent
    their children (primary or linked); a student themself; an instructor those with a
    record (attendance row, exam result, enrollment) in a course they teach, on site or
    online, a supervisor those with any record.
    """
    children = Child.objects.all()
    students = StudentUser.objects.select_related("user")
    if is_admin(user):
        return VisibleParticipants(children, students)
    if not user.is_authenticated:
        return VisibleParticipants(children.none(), students.none())
    parent = parent_of(user)
    if parent is not None:
        return VisibleParticipants(children.of_parent(parent), students.none())
    if user.role == Role.STUDENT:
        return VisibleParticipants(children.none(), students.filter(user=user))
    instructor = Instructor.objects.filter(user=user).first()
    if user.role != Role.INSTRUCTOR or instructor is None:
        return VisibleParticipants(children.none(), students.none())
    if instructor.is_supervisor:
        q = Q(attendance_records__isnull=False) | Q(exam_results__isnull=False)
    else:
        q = Q(attendance_records__lecture__course__instructor=instructor) | Q(
            exam_results__exam__course__instructor=instructor
        )
    child_q = Q(pk__in=Child.objects.filter(q).values("pk"))
    student_q = Q(pk__in=StudentUser.objects.filter(q).values("pk"))
    enrolled = Enrollment.objects.all()
    if not instructor.is_supervisor:
        enrolled = enrolled.filter(
            Q(course__instructor=instructor) | Q(online_course__instructor=instructor)
        )
    child_q |= Q(pk__in=enrolled.filter(child__isnull=False).values("child_id"))
    student_q |= Q(pk__in=enrolled.filter(student__isnull=False).values("student_id"))
    return VisibleParticipants(children.filter(child_q), students.filter(student_q))


def participant_by_code(code: str) -> Participant | None:
    """The child or student whose card shows ``code`` (see users.participants)."""
    return participants.participant_by_code(code)

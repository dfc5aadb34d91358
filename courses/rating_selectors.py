"""Course ratings (§6.10): who reads which and what a family may rate. The averages the
catalogues show are courses.selectors.with_rating_summary."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.permissions import is_admin
from courses.models import Course, CourseRating, CourseStatus
from courses.selectors import instructor_of, student_of
from enrollments_payments.models import Enrollment
from online_courses.models import OnlineCourse
from users.models import Child
from users.selectors import parent_of


def course_ratings_visible_to(user) -> QuerySet[CourseRating]:
    """Admins: every rating. An instructor: the ratings of their own courses and online
    courses (without who gave them: the serializer leaves that out). Anyone else: the
    ratings they gave."""
    qs = CourseRating.objects.select_related("child", "student__user").order_by(
        "-updated_at", "-id"
    )
    if is_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    instructor = instructor_of(user)
    if instructor is not None:
        return qs.filter(Q(course__instructor=instructor) | Q(online_course__instructor=instructor))
    return qs.filter(rater=user)


def _own_enrollments(user) -> QuerySet[Enrollment] | None:
    """Every enrollment, whatever its status, of the caller's participants (a parent's
    children, a student themself); None for anyone else."""
    parent = parent_of(user)
    if parent is not None:
        return Enrollment.objects.filter(child__in=Child.objects.of_parent(parent).values("pk"))
    student = student_of(user)
    if student is not None:
        return Enrollment.objects.filter(student=student)
    return None


def rateable_courses(user) -> QuerySet[Course]:
    """The courses the caller may name when rating: the published ones and those their
    participants are or were enrolled in (an archived course stays rateable). Another
    course is as unknown as one that does not exist."""
    return _rateable(Course.objects.all(), _own_enrollments(user), "course_id")


def rateable_online_courses(user) -> QuerySet[OnlineCourse]:
    """As :func:`rateable_courses`, for online courses."""
    return _rateable(OnlineCourse.objects.all(), _own_enrollments(user), "online_course_id")


def _rateable(qs: QuerySet, enrollments: QuerySet[Enrollment] | None, column: str) -> QuerySet:
    visible = Q(status=CourseStatus.PUBLISHED)
    if enrollments is not None:
        visible |= Q(pk__in=enrollments.filter(**{f"{column}__isnull": False}).values(column))
    return qs.filter(visible)

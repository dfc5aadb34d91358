"""Reading memories (§6.9): who sees which post, the feeds, the participants staff may tag.

Visibility is computed at query time from the tags and the participants' consent, so a
lowered consent or a removed tag takes effect on the next request:

- admins: every post; instructors: the posts of their courses (and their own);
- a family (a parent, an adult student): the ``family`` feed — posts tagging one of their
  children or themself — and the ``center`` feed — ``center`` posts none of whose tagged
  participants has a consent below ``center`` now.

Deleted posts are never shown.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from core.permissions import is_admin
from enrollments_payments.models import Enrollment, EnrollmentStatus
from memories.models import Memory, MemoryAudience, MemoryItem, MemoryTag
from users.models import Child, Instructor, PhotoConsent, Role, StudentUser
from users.participants import Participant
from users.selectors import parent_of

FEEDS = ("family", "center")
SEARCH_LIMIT = 20


def instructor_of(user) -> Instructor | None:
    if not user.is_authenticated or user.role != Role.INSTRUCTOR:
        return None
    return Instructor.objects.filter(user=user).first()


def student_of(user) -> StudentUser | None:
    if not user.is_authenticated or user.role != Role.STUDENT:
        return None
    return StudentUser.objects.filter(user=user).first()


def tags_of_family(user) -> QuerySet[MemoryTag] | None:
    """The tags naming the user's children (a parent) or the user (a student); None for
    anyone else."""
    parent = parent_of(user)
    if parent is not None:
        return MemoryTag.objects.filter(
            Q(child__primary_parent=parent) | Q(child__other_parents=parent)
        )
    student = student_of(user)
    if student is not None:
        return MemoryTag.objects.filter(student=student)
    return None


def center_consent_given() -> Exists:
    """True for a post none of whose tagged participants is below ``center`` consent."""
    below = MemoryTag.objects.filter(memory=OuterRef("pk")).filter(
        Q(child__isnull=False) & ~Q(child__photo_consent=PhotoConsent.CENTER)
        | Q(student__isnull=False) & ~Q(student__photo_consent=PhotoConsent.CENTER)
    )
    return ~Exists(below)


def memories_visible_to(user, *, feed: str | None = None) -> QuerySet[Memory]:
    """The live posts ``user`` may see, in ``feed`` (``family``/``center``) or all of them.
    For staff a feed is the posts of that audience."""
    posts = Memory.objects.live()
    if is_admin(user):
        return posts.filter(audience=feed) if feed else posts
    instructor = instructor_of(user)
    if instructor is not None:
        posts = posts.filter(Q(course__instructor=instructor) | Q(author=user))
        return posts.filter(audience=feed) if feed else posts
    own = tags_of_family(user)
    if own is None:
        return posts.none()
    mine = Q(Exists(own.filter(memory=OuterRef("pk"))))
    center = Q(audience=MemoryAudience.CENTER) & Q(center_consent_given())
    shown = {"family": mine, "center": center, None: mine | center}[feed]
    return posts.filter(shown)


def memories_for_display(posts: QuerySet[Memory]) -> QuerySet[Memory]:
    """``posts`` with what their representation reads, in a fixed number of queries."""
    return posts.select_related("course", "author").prefetch_related(
        Prefetch("items", queryset=MemoryItem.objects.order_by("position")),
        Prefetch(
            "tags",
            queryset=MemoryTag.objects.select_related("child", "student__user").order_by("id"),
        ),
    )


def memory_filter(
    posts: QuerySet[Memory],
    *,
    child: int | None = None,
    student: int | None = None,
    course: int | None = None,
) -> QuerySet[Memory]:
    if child is not None:
        posts = posts.filter(Exists(MemoryTag.objects.filter(memory=OuterRef("pk"), child=child)))
    if student is not None:
        posts = posts.filter(
            Exists(MemoryTag.objects.filter(memory=OuterRef("pk"), student=student))
        )
    if course is not None:
        posts = posts.filter(course=course)
    return posts


def course_enrollments(course_ids) -> QuerySet[Enrollment]:
    """The enrollments that make someone a participant of a course, for tagging."""
    return Enrollment.objects.filter(
        course__in=course_ids,
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
    )


def taggable_by(user, *, course=None) -> tuple[QuerySet[Child], QuerySet[StudentUser]]:
    """The children and students ``user`` may tag: admins everyone; an instructor the
    participants of ``course`` (or of all their courses when none is named)."""
    children = Child.objects.all()
    students = StudentUser.objects.select_related("user")
    if is_admin(user):
        return children, students
    instructor = instructor_of(user)
    if instructor is None:
        return children.none(), students.none()
    courses = [course.pk] if course is not None else instructor.courses.values("pk")
    enrolled = course_enrollments(courses)
    return (
        children.filter(pk__in=enrolled.filter(child__isnull=False).values("child_id")),
        students.filter(pk__in=enrolled.filter(student__isnull=False).values("student_id")),
    )


def participants_search(user, q: str) -> list[dict]:
    """``[{type, id, name, code}]`` of the participants ``user`` may tag whose name or
    code contains ``q`` (at most SEARCH_LIMIT of each kind)."""
    children, students = taggable_by(user)
    words = q.split()
    for word in words:
        children = children.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(code__icontains=word)
        )
        students = students.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(code__icontains=word)
        )
    found = [participant_row(c) for c in children.order_by("first_name", "id")[:SEARCH_LIMIT]]
    found += [
        participant_row(s) for s in students.order_by("user__first_name", "id")[:SEARCH_LIMIT]
    ]
    return found


def participant_row(participant: Participant) -> dict:
    kind = "child" if isinstance(participant, Child) else "student"
    return {
        "type": kind,
        "id": participant.pk,
        "name": participant.full_name,
        "code": participant.code,
    }


def family_recipient_ids(tags: list[MemoryTag]) -> list[int]:
    """The user ids of the families of ``tags``' participants: every parent of a tagged
    child, and a tagged student themself."""
    child_ids = [t.child_id for t in tags if t.child_id]
    ids = set(
        StudentUser.objects.filter(pk__in=[t.student_id for t in tags if t.student_id]).values_list(
            "user_id", flat=True
        )
    )
    ids |= set(
        Child.objects.filter(pk__in=child_ids).values_list("primary_parent__user_id", flat=True)
    )
    ids |= {
        user_id
        for user_id in Child.other_parents.through.objects.filter(
            child_id__in=child_ids
        ).values_list("parent__user_id", flat=True)
    }
    return sorted(ids)

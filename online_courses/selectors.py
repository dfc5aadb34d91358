"""Who may watch an online course (§6.10).

A participant has access to an online course while it has an ``active`` enrollment in it
whose ``access_until`` is empty (no end) or still ahead. Access is the enrollment itself:
callers that need its id or end get it from the same query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet, Value
from django.utils import timezone

from enrollments_payments.models import Enrollment
from online_courses.models import OnlineCourse
from users.participants import Participant, participant_lookup


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

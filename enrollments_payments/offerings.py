"""What an enrollment is for: an on-site course or an online course (§6.3, §6.10).

Requests, approvals, drops, payments and refunds are the same for both; they differ only
in what this module answers — which row to lock, whether the course is open, on which day
ages are judged, whether there are seats, whether there is an attendance roster, and when
access ends. The services ask here instead of branching on the kind themselves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db.models import Max
from django.utils.translation import gettext as _

from attendance.roster import roster_add_enrollment, roster_remove_enrollment
from core.errors import Conflict, Invalid
from core.locking import lock_row
from courses.models import OFF_SCHEDULE, Course, CourseStatus
from enrollments_payments import rules
from enrollments_payments.models import Enrollment, EnrollmentRequest, EnrollmentStatus
from online_courses.models import OnlineCourse
from users.models import Child
from users.participants import Participant

Offering = Course | OnlineCourse


def offering_choose(*, course: Course | None, online_course: OnlineCourse | None) -> Offering:
    """The one of the two a request names; both or neither is a ``400``."""
    if (course is None) == (online_course is None):
        raise Invalid(
            "course_or_online_course",
            _("Name exactly one of course and online_course."),
        )
    return course if course is not None else online_course


def offering_lookup(offering: Offering) -> dict[str, Offering]:
    """The filter/constructor keywords that name ``offering`` on a request or enrollment."""
    if isinstance(offering, OnlineCourse):
        return {"online_course": offering}
    return {"course": offering}


def offering_name(offering: Offering) -> str:
    return offering.title if isinstance(offering, OnlineCourse) else offering.name


def offering_lock(row: Enrollment | EnrollmentRequest) -> Offering:
    """Lock and return the course or online course of ``row`` (the first lock of every
    decision: see the lock order in enrollments_payments.services)."""
    if row.course_id is not None:
        return lock_row(Course, row.course_id)
    return lock_row(OnlineCourse, row.online_course_id)


def course_has_ended(course: Course, *, today: date) -> bool:
    """Past its end date; a course planned by number of lectures ends after its last one."""
    if course.end_date is not None:
        return course.end_date < today
    last = course.lectures.exclude(status__in=OFF_SCHEDULE).aggregate(last=Max("date")).get("last")
    return last is not None and last < today


def check_open(offering: Offering, *, today: date) -> None:
    """Published, and (an on-site course) not over. An online course does not end."""
    if offering.status != CourseStatus.PUBLISHED:
        raise Invalid("course_not_published", _("This course is not open for enrollment."))
    if isinstance(offering, Course) and course_has_ended(offering, today=today):
        raise Invalid("course_ended", _("This course has already ended."))


def check_eligible(offering: Offering, participant: Participant, *, today: date) -> None:
    """The audience and age limits. Ages are judged on an on-site course's start date, and
    on ``today`` (the request's or the approval's day) for an online course, which has
    none."""
    is_child = isinstance(participant, Child)
    dob = participant.dob if is_child else participant.user.dob
    reason = rules.ineligibility(
        audience=offering.audience,
        is_child=is_child,
        dob=dob,
        start_date=offering.start_date if isinstance(offering, Course) else today,
        min_age=offering.min_age,
        max_age=offering.max_age,
    )
    if reason is not None:
        raise Invalid(
            "participant_ineligible",
            _("This participant does not meet the course's audience or age limits."),
        )


def check_seat(offering: Offering) -> None:
    """A seat left in an on-site course (read under the course's row lock). An online
    course has no capacity."""
    if not isinstance(offering, Course):
        return
    taken = Enrollment.objects.filter(course=offering, status=EnrollmentStatus.ACTIVE).count()
    if taken >= offering.capacity:
        raise Conflict("course_full", _("The course is full."))


def access_until(offering: Offering, *, approved_at: datetime) -> datetime | None:
    """When an approval made at ``approved_at`` stops giving access: ``access_days`` × 24
    hours later for an online course (None: no end); None for an on-site course. Counted
    in UTC, so the end does not depend on the clock the caller's ``approved_at`` is in (a
    Cairo time would keep its wall-clock hour across a change of summer time)."""
    if isinstance(offering, OnlineCourse) and offering.access_days is not None:
        return approved_at.astimezone(UTC) + timedelta(days=offering.access_days)
    return None


def roster_join(offering: Offering, participant: Participant, *, now: datetime) -> None:
    """Attendance rows for the lectures not started yet; an online course has no roster."""
    if isinstance(offering, Course):
        roster_add_enrollment(lectures=offering.lectures.all(), participant=participant, now=now)


def roster_leave(offering: Offering, participant: Participant, *, now: datetime) -> None:
    """Remove the unmarked rows of lectures not started yet; nothing for an online course."""
    if isinstance(offering, Course):
        roster_remove_enrollment(lectures=offering.lectures.all(), participant=participant, now=now)

"""Enrollment requests, approval, enrollments and the nightly housekeeping (§6.3).

A request or an enrollment names an on-site course or an online course (§6.10); the
rules are the same for both, and what differs (seats, roster, ages, access) is asked of
enrollments_payments.offerings.

Lock order (extends courses.services): the course (or online course) row → the enrollment
request → the enrollment → its payments / refund requests → attendance rows (through
attendance.roster). Approval and drop lock the course first, so capacity holds under
concurrent approvals and two approvals of the same participant are serialised (the second
finds the request decided or the seat taken: a 409, never a 500).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import LectureAttendance
from core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from core.locking import lock_row
from core.permissions import is_admin
from courses.models import OFF_SCHEDULE, Course, Lecture
from enrollments_payments import offerings, rules
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    RequestStatus,
)
from enrollments_payments.offerings import Offering
from enrollments_payments.payment_services import PaymentInput, payment_record
from notifications.services import notification_create
from online_courses.models import LessonProgress, OnlineCourse
from users.models import Child, CustomUser, StudentUser
from users.participants import Participant, participant_lookup
from users.selectors import parent_of


def _today(now: datetime) -> date:
    return timezone.localdate(now)


def child_not_yours() -> Invalid:
    """The refusal for a child the requester is not linked to, or no child at all (SPEC
    §6.3: refused at creation with ``400`` and a code). One answer for both, so the
    endpoint does not tell whether another family's child id exists."""
    return Invalid("child_not_yours", _("You can only enrol your own children."), field="child")


def _check_not_enrolled(offering: Offering, participant: Participant) -> Enrollment | None:
    """The participant's enrollment row in the course (to reactivate), or None; 409 when it
    is active or completed (at approval: the seat was taken since the request was made)."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(**offerings.offering_lookup(offering), **participant_lookup(participant))
        .first()
    )
    if enrollment is not None and enrollment.status in (
        EnrollmentStatus.ACTIVE,
        EnrollmentStatus.COMPLETED,
    ):
        raise Conflict("already_enrolled", _("This participant is already enrolled."))
    return enrollment


def _participant_for(*, actor: CustomUser, child: Child | None) -> Participant:
    """A parent names one of their children; a student enrols themself."""
    parent = parent_of(actor)
    if parent is not None:
        if child is None:
            raise Invalid("invalid", _("Choose the child to enrol."), field="child")
        if not Child.objects.of_parent(parent).filter(pk=child.pk).exists():
            raise child_not_yours()
        return child
    if actor.role == "student":
        if child is not None:
            raise Invalid("invalid", _("Students enrol themselves."), field="child")
        student = StudentUser.objects.select_related("user").filter(user=actor).first()
        if student is not None:
            return student
    raise Forbidden("permission_denied", _("Only parents and students request enrollment."))


@transaction.atomic
def enrollment_request_create(
    *,
    actor: CustomUser,
    course: Course | None = None,
    online_course: OnlineCourse | None = None,
    child: Child | None = None,
    note: str = "",
    now: datetime | None = None,
) -> EnrollmentRequest:
    """A parent asks for a seat for one of their children, a student for themself, in a
    course or an online course (exactly one: else ``400 course_or_online_course``).

    Refusals at creation are ``400`` with a code (SPEC §6.3): ``course_not_published``,
    ``course_ended``, ``participant_ineligible``, ``already_enrolled``, ``child_not_yours``.
    A second pending request is a state conflict (``409 request_pending``)."""
    now = now or timezone.now()
    offering = offerings.offering_choose(course=course, online_course=online_course)
    participant = _participant_for(actor=actor, child=child)
    offerings.check_open(offering, today=_today(now))
    offerings.check_eligible(offering, participant, today=_today(now))
    who = participant_lookup(participant)
    where = offerings.offering_lookup(offering)
    if (
        Enrollment.objects.filter(**where, **who)
        .filter(status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED])
        .exists()
    ):
        raise Invalid("already_enrolled", _("This participant is already enrolled."))
    if EnrollmentRequest.objects.filter(**where, status=RequestStatus.PENDING, **who).exists():
        raise Conflict("request_pending", _("A request for this course is already pending."))
    request = EnrollmentRequest(
        **where,
        note=note,
        requested_by=actor,
        expires_at=now + rules.REQUEST_LIFETIME,
        **who,
    )
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # A second request saved at the same moment: the partial unique constraint wins.
        raise Conflict(
            "request_pending", _("A request for this course is already pending.")
        ) from None
    return request


def _check_may_cancel(request: EnrollmentRequest, actor: CustomUser) -> None:
    if is_admin(actor) or request.requested_by_id == actor.pk:
        return
    parent = parent_of(actor)
    if parent is not None and request.child_id is not None:
        if Child.objects.of_parent(parent).filter(pk=request.child_id).exists():
            return
    if request.student_id is not None and request.student.user_id == actor.pk:
        return
    raise NotFound("not_found", _("Not found."))


@transaction.atomic
def enrollment_request_cancel(
    *, request: EnrollmentRequest, actor: CustomUser, now: datetime | None = None
) -> EnrollmentRequest:
    """The requester (any parent of the child, the student) or an admin withdraws a
    pending request; the row stays, status ``cancelled``."""
    _check_may_cancel(request, actor)
    request = lock_row(EnrollmentRequest, request.pk)
    _check_pending(request)
    request.status = RequestStatus.CANCELLED
    request.processed_by = actor
    request.processed_at = now or timezone.now()
    # No full_clean(): only the status and who/when change, to values set here; the rest
    # was validated when the request was created.
    request.save(update_fields=["status", "processed_by", "processed_at", "updated_at"])
    return request


def _check_price(price: Decimal) -> None:
    """The price an admin sets on approval: not negative, and within the money column's
    digits (the column's own validators), as a 400 instead of a database error."""
    if price < 0:
        raise Invalid("invalid", _("The price cannot be negative."), field="price")
    try:
        Enrollment._meta.get_field("price").clean(price, None)
    except ValidationError:
        raise Invalid("invalid", _("The price is not a valid amount."), field="price") from None


def _check_pending(request: EnrollmentRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise Conflict("request_not_pending", _("This request has already been decided."))


def _check_admin(actor: CustomUser) -> None:
    if not is_admin(actor):
        raise Forbidden("admin_only", _("Only the center's staff may do this."))


@transaction.atomic
def enrollment_request_approve(
    *,
    request: EnrollmentRequest,
    actor: CustomUser,
    payment: PaymentInput | None = None,
    price: Decimal | None = None,
    now: datetime | None = None,
) -> Enrollment:
    """Approve a pending request: lock the course, re-check it is open, the participant
    eligible and a seat free, create (or reactivate) the enrollment, give it roster rows
    for the lectures that have not started, record the optional first payment and tell the
    requester. All or nothing.

    For an online course there are no seats and no roster; access runs from now for the
    course's ``access_days`` (``access_until``; none: no end), renewed by a reactivation."""
    _check_admin(actor)
    now = now or timezone.now()
    offering = offerings.offering_lock(request)
    request = (
        EnrollmentRequest.objects.select_for_update(of=("self",))
        .select_related("child", "student__user", "requested_by")
        .get(pk=request.pk)
    )
    _check_pending(request)
    participant = request.participant
    offerings.check_open(offering, today=_today(now))
    offerings.check_eligible(offering, participant, today=_today(now))
    enrollment = _check_not_enrolled(offering, participant)
    offerings.check_seat(offering)
    if price is not None:
        _check_price(price)
    if enrollment is None:
        enrollment = Enrollment(
            **offerings.offering_lookup(offering), **participant_lookup(participant)
        )
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.price = offering.price if price is None else price
    enrollment.enrolled_at = now
    enrollment.access_until = offerings.access_until(offering, approved_at=now)
    enrollment.ended_at = None
    enrollment.created_by = actor
    enrollment.requested_by = request.requested_by
    # No full_clean() (it would read every foreign key back): the price, the one value
    # from the caller, is checked above; the participant and the course come from the
    # request, the rest is set here. Uniqueness is _check_not_enrolled's, under the lock.
    enrollment.save()
    offerings.roster_join(offering, participant, now=now)
    request.status = RequestStatus.APPROVED
    request.processed_by = actor
    request.processed_at = now
    request.enrollment = enrollment
    # No full_clean(): a status change with values set here (see enrollment_request_cancel).
    request.save()
    notification_create(
        recipient=request.requested_by,
        kind="enrollment_approved",
        title=_("Enrollment approved"),
        body=_("%(participant)s is now enrolled in %(course)s.")
        % {"participant": participant.full_name, "course": offerings.offering_name(offering)},
        data={
            **{key: value.pk for key, value in offerings.offering_lookup(offering).items()},
            "enrollment": enrollment.pk,
            "request": request.pk,
        },
    )
    if payment is not None:
        payment_record(enrollment=enrollment, actor=actor, data=payment, now=now)
    return enrollment


@transaction.atomic
def enrollment_request_reject(
    *, request: EnrollmentRequest, actor: CustomUser, reason: str = "", now: datetime | None = None
) -> EnrollmentRequest:
    """Refuse a pending request, keeping the reason; the requester is told."""
    _check_admin(actor)
    request = (
        EnrollmentRequest.objects.select_for_update(of=("self",))
        .select_related("course", "online_course", "child", "student__user", "requested_by")
        .get(pk=request.pk)
    )
    _check_pending(request)
    limit = EnrollmentRequest._meta.get_field("rejection_reason").max_length
    if len(reason) > limit or "\x00" in reason:
        raise Invalid(
            "invalid",
            _("The reason must be text of at most %(max)d characters.") % {"max": limit},
            field="reason",
        )
    request.status = RequestStatus.REJECTED
    request.rejection_reason = reason
    request.processed_by = actor
    request.processed_at = now or timezone.now()
    # No full_clean(): the reason, the one value from the caller, is checked above; the
    # rest is a status change with values set here.
    request.save()
    notification_create(
        recipient=request.requested_by,
        kind="enrollment_rejected",
        title=_("Enrollment request rejected"),
        body=_("The request for %(participant)s in %(course)s was rejected. %(reason)s")
        % {
            "participant": request.participant.full_name,
            "course": offerings.offering_name(request.offering),
            "reason": reason,
        },
        data={
            **({"course": request.course_id} if request.course_id else {}),
            **({"online_course": request.online_course_id} if request.is_online else {}),
            "request": request.pk,
        },
    )
    return request


@dataclass(frozen=True)
class BulkResult:
    id: int
    status: int
    code: str
    enrollment: int | None = None


def enrollment_requests_bulk_approve(
    *, ids: list[int], actor: CustomUser, now: datetime | None = None
) -> list[BulkResult]:
    """Approve each id on its own: one failure never half-applies a request, and never
    undoes the others. Ids the admin cannot find answer 404 in the list."""
    _check_admin(actor)
    results = []
    found = EnrollmentRequest.objects.in_bulk(list(dict.fromkeys(ids)))
    for pk in dict.fromkeys(ids):
        request = found.get(pk)
        if request is None:
            results.append(BulkResult(id=pk, status=404, code="not_found"))
            continue
        try:
            enrollment = enrollment_request_approve(request=request, actor=actor, now=now)
        except DomainError as exc:
            results.append(BulkResult(id=pk, status=exc.status_code, code=exc.code))
        except IntegrityError:
            results.append(BulkResult(id=pk, status=409, code="conflict"))
        else:
            results.append(BulkResult(id=pk, status=200, code="approved", enrollment=enrollment.pk))
    return results


def _check_may_drop(enrollment: Enrollment, actor: CustomUser) -> None:
    """Admins; or the family while no lecture has been attended."""
    if is_admin(actor):
        return
    own = enrollment.requested_by_id == actor.pk
    parent = parent_of(actor)
    if enrollment.child_id is not None and parent is not None:
        own = own or Child.objects.of_parent(parent).filter(pk=enrollment.child_id).exists()
    if enrollment.student_id is not None:
        own = own or enrollment.student.user_id == actor.pk
    if not own:
        raise Forbidden("permission_denied", _("You may not drop this enrollment."))
    who = participant_lookup(enrollment.participant)
    if enrollment.is_online:
        # An online course's counterpart of an attended lecture: a completed lesson.
        if LessonProgress.objects.filter(
            lesson__online_course_id=enrollment.online_course_id,
            completed_at__isnull=False,
            **who,
        ).exists():
            raise Conflict(
                "enrollment_attended",
                _("A lesson has been completed; ask the center to drop this enrollment."),
            )
        return
    attended = LectureAttendance.objects.filter(
        lecture__course_id=enrollment.course_id, present=True, **who
    ).exists()
    if attended:
        raise Conflict(
            "enrollment_attended",
            _("A lecture has been attended; ask the center to drop this enrollment."),
        )


@transaction.atomic
def enrollment_drop(
    *, enrollment: Enrollment, actor: CustomUser, now: datetime | None = None
) -> Enrollment:
    """Drop an active enrollment: the seat is freed (an online course's access ends),
    unmarked rows of lectures that have not started are deleted, past and marked rows stay.
    Money stays as it is (refunds are their own request)."""
    now = now or timezone.now()
    _check_may_drop(enrollment, actor)
    offering = offerings.offering_lock(enrollment)
    enrollment = lock_row(Enrollment, enrollment.pk)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise Conflict("enrollment_not_active", _("This enrollment is not active."))
    enrollment.status = EnrollmentStatus.DROPPED
    enrollment.ended_at = now
    # No full_clean(): only the status and the end change, to values set here.
    enrollment.save(update_fields=["status", "ended_at", "updated_at"])
    offerings.roster_leave(offering, enrollment.participant, now=now)
    return enrollment


def enrollment_requests_expire(*, now: datetime) -> int:
    """Nightly: every pending request past ``expires_at`` becomes ``expired``. One UPDATE;
    running it again changes nothing."""
    return EnrollmentRequest.objects.filter(
        status=RequestStatus.PENDING, expires_at__lte=now
    ).update(status=RequestStatus.EXPIRED, processed_at=now, updated_at=now)


def enrollments_complete_ended(*, today: date) -> int:
    """Nightly: active enrollments of courses that ended before ``today`` become
    ``completed`` (a course without an end date ends after its last lecture). One UPDATE."""
    later_lecture = Lecture.objects.filter(course_id=OuterRef("course_id"), date__gte=today)
    any_lecture = Lecture.objects.filter(course_id=OuterRef("course_id"))
    ended = Q(course__end_date__lt=today) | Q(
        course__end_date__isnull=True, has_lectures=True, has_later=False
    )
    ids = (
        Enrollment.objects.active()
        .filter(course__isnull=False)
        .annotate(
            has_lectures=Exists(any_lecture.exclude(status__in=OFF_SCHEDULE)),
            has_later=Exists(later_lecture.exclude(status__in=OFF_SCHEDULE)),
        )
        .filter(ended)
        .values("pk")
    )
    now = timezone.now()
    return Enrollment.objects.filter(pk__in=ids, status=EnrollmentStatus.ACTIVE).update(
        status=EnrollmentStatus.COMPLETED, ended_at=now, updated_at=now
    )


def enrollments_end_expired_access(*, now: datetime) -> int:
    """Nightly: active online enrollments whose ``access_until`` has passed become
    ``completed`` (access already stopped at that moment: online_courses.selectors). One
    UPDATE; running it again changes nothing."""
    return Enrollment.objects.filter(
        status=EnrollmentStatus.ACTIVE, access_until__isnull=False, access_until__lte=now
    ).update(status=EnrollmentStatus.COMPLETED, ended_at=now, updated_at=now)

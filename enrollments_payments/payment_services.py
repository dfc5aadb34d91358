"""Payments and refund requests (§6.3). Money is never deleted: payments are voided with
who and why, and corrections are refunds.

Lock order: the enrollment row first, then its payments and refund requests (the course
is locked before the enrollment when a service needs it, as in enrollments_payments.services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from core.locking import lock_row
from core.permissions import is_admin
from courses import rules as course_rules
from enrollments_payments import offerings, rules
from enrollments_payments.models import (
    Enrollment,
    EnrollmentStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
)
from notifications.services import notification_create
from users.models import Child, CustomUser
from users.selectors import parent_of

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaymentInput:
    amount: Decimal
    method: str
    reference: str = ""
    paid_at: datetime | None = None
    # The admin confirms taking more than is owed (an advance, a sibling's fee paid at once).
    allow_overpayment: bool = False


def _check_admin(actor: CustomUser) -> None:
    if not is_admin(actor):
        raise Forbidden("admin_only", _("Only the center's staff may do this."))


def enrollment_totals(enrollment: Enrollment) -> tuple[Decimal, Decimal]:
    """(paid, refunded) of one enrollment: payments not voided, refunds approved."""
    paid = enrollment.payments.filter(status=PaymentStatus.PAID).aggregate(
        s=Coalesce(Sum("amount"), ZERO)
    )["s"]
    refunded = enrollment.refund_requests.filter(status=RefundStatus.APPROVED).aggregate(
        s=Coalesce(Sum("amount"), ZERO)
    )["s"]
    return paid, refunded


def payer_of(enrollment: Enrollment) -> CustomUser:
    """Who gets the receipt: the account that asked for the seat, else the student or the
    child's primary parent."""
    if enrollment.requested_by_id:
        return enrollment.requested_by
    if enrollment.student_id:
        return enrollment.student.user
    return enrollment.child.primary_parent.user


@transaction.atomic
def payment_record(
    *, enrollment: Enrollment, actor: CustomUser, data: PaymentInput, now: datetime | None = None
) -> Payment:
    """Record money an admin actually received for an enrollment; the payer gets a receipt
    notification."""
    _check_admin(actor)
    now = now or timezone.now()
    if data.amount is None or data.amount <= 0:
        raise Invalid("invalid", _("The amount must be more than zero."), field="amount")
    if data.method not in PaymentMethod.values:
        raise Invalid("invalid", _("Choose a valid payment method."), field="method")
    if data.paid_at is not None and not course_rules.in_calendar(data.paid_at):
        # Before 1900 Cairo's old +02:05:09 offset would be served: not ISO 8601.
        raise Invalid("invalid", _("This date is outside the center's calendar."), field="paid_at")
    enrollment = lock_row(Enrollment, enrollment.pk)
    if enrollment.status == EnrollmentStatus.REFUNDED:
        raise Conflict("enrollment_refunded", _("This enrollment has been refunded."))
    _check_within_balance(enrollment, data)
    payment = Payment(
        enrollment=enrollment,
        amount=data.amount,
        method=data.method,
        reference=data.reference or "",
        received_by=actor,
        paid_at=data.paid_at or now,
    )
    payment.full_clean()
    payment.save()
    notification_create(
        recipient=payer_of(enrollment),
        kind="payment_receipt",
        title=_("Payment received"),
        body=_("We received %(amount)s EGP for %(course)s. Thank you.")
        % {
            "amount": f"{payment.amount:.2f}",
            "course": offerings.offering_name(enrollment.offering),
        },
        data={
            "payment": payment.pk,
            "enrollment": enrollment.pk,
            "amount": f"{payment.amount:.2f}",
        },
    )
    return payment


def _check_within_balance(enrollment: Enrollment, data: PaymentInput) -> None:
    """More than the balance is a typo (an extra zero) unless the admin says otherwise.
    Read under the enrollment's row lock, so two payments cannot both fit one balance."""
    owed = enrollment_balance(enrollment)
    if data.amount > owed and not data.allow_overpayment:
        error = Invalid(
            "payment_exceeds_balance",
            _(
                "This payment is more than the balance (%(balance)s EGP). Send "
                "allow_overpayment to take it anyway."
            )
            % {"balance": f"{owed:.2f}"},
            field="amount",
        )
        error.extra = {"balance": f"{owed:.2f}"}
        raise error


@transaction.atomic
def payment_void(
    *, payment: Payment, actor: CustomUser, reason: str, now: datetime | None = None
) -> Payment:
    """Void a payment recorded by mistake: the row stays, with who, when and why."""
    _check_admin(actor)
    if not (reason or "").strip():
        raise Invalid("invalid", _("Say why the payment is voided."), field="reason")
    enrollment = lock_row(Enrollment, payment.enrollment_id)
    payment = lock_row(Payment, payment.pk)
    if payment.status == PaymentStatus.VOID:
        raise Conflict("payment_void", _("This payment is already void."))
    paid, refunded = enrollment_totals(enrollment)
    if paid - payment.amount < refunded:
        raise Conflict(
            "payment_refunded", _("Part of this money was refunded; it cannot be voided.")
        )
    payment.status = PaymentStatus.VOID
    payment.voided_by = actor
    payment.voided_at = now or timezone.now()
    payment.void_reason = reason.strip()
    payment.save()
    return payment


def _is_family(enrollment: Enrollment, actor: CustomUser) -> bool:
    if enrollment.student_id is not None:
        return enrollment.student.user_id == actor.pk
    parent = parent_of(actor)
    return parent is not None and (
        Child.objects.of_parent(parent).filter(pk=enrollment.child_id).exists()
    )


@transaction.atomic
def refund_request_create(
    *, enrollment: Enrollment, actor: CustomUser, amount: Decimal, reason: str = ""
) -> RefundRequest:
    """The payer (a parent of the child, the student) or an admin asks for money back; the
    amount may not exceed what is paid, net of refunds approved or pending."""
    if not (is_admin(actor) or _is_family(enrollment, actor)):
        # The views hand over only enrollments the caller can see (an instructor sees their
        # course's): a visible one that is not theirs is refused, not "not found".
        raise Forbidden(
            "not_allowed", _("Only the enrollment's family or the center's staff ask for refunds.")
        )
    if amount is None or amount <= 0:
        raise Invalid("invalid", _("The amount must be more than zero."), field="amount")
    enrollment = lock_row(Enrollment, enrollment.pk)
    paid, refunded = enrollment_totals(enrollment)
    pending = enrollment.refund_requests.filter(status=RefundStatus.PENDING).aggregate(
        s=Coalesce(Sum("amount"), ZERO)
    )["s"]
    if amount > paid - refunded - pending:
        raise Invalid(
            "refund_exceeds_paid",
            _("A refund cannot exceed the amount paid (net of other refunds)."),
            field="amount",
        )
    refund = RefundRequest(enrollment=enrollment, amount=amount, reason=reason, requested_by=actor)
    refund.full_clean()
    refund.save()
    return refund


def _check_refund_pending(refund: RefundRequest) -> None:
    if refund.status != RefundStatus.PENDING:
        raise Conflict("refund_not_pending", _("This refund request has already been decided."))


@transaction.atomic
def refund_request_approve(
    *, refund: RefundRequest, actor: CustomUser, now: datetime | None = None
) -> RefundRequest:
    """Approve a refund; refunding the whole net paid amount sets the enrollment to
    ``refunded``, frees the seat (an online course's access ends) and removes its future
    unmarked attendance rows."""
    _check_admin(actor)
    now = now or timezone.now()
    offering = offerings.offering_lock(refund.enrollment)
    enrollment = lock_row(Enrollment, refund.enrollment_id)
    refund = lock_row(RefundRequest, refund.pk)
    _check_refund_pending(refund)
    paid, refunded = enrollment_totals(enrollment)
    net = paid - refunded
    if refund.amount > net:
        raise Conflict(
            "refund_exceeds_paid",
            _("A refund cannot exceed the amount paid (net of other refunds)."),
        )
    refund.status = RefundStatus.APPROVED
    refund.processed_by = actor
    refund.processed_at = now
    refund.save()
    if refund.amount == net and enrollment.status != EnrollmentStatus.REFUNDED:
        was_active = enrollment.status == EnrollmentStatus.ACTIVE
        enrollment.status = EnrollmentStatus.REFUNDED
        enrollment.ended_at = enrollment.ended_at or now
        enrollment.save(update_fields=["status", "ended_at", "updated_at"])
        if was_active:
            offerings.roster_leave(offering, enrollment.participant, now=now)
    notification_create(
        recipient=refund.requested_by,
        kind="refund_approved",
        title=_("Refund approved"),
        body=_("A refund of %(amount)s EGP was approved.") % {"amount": f"{refund.amount:.2f}"},
        data={"refund": refund.pk, "enrollment": enrollment.pk},
    )
    return refund


@transaction.atomic
def refund_request_reject(
    *, refund: RefundRequest, actor: CustomUser, reason: str = "", now: datetime | None = None
) -> RefundRequest:
    _check_admin(actor)
    refund = lock_row(RefundRequest, refund.pk)
    _check_refund_pending(refund)
    refund.status = RefundStatus.REJECTED
    refund.processed_by = actor
    refund.processed_at = now or timezone.now()
    refund.decision_note = reason
    refund.save()
    notification_create(
        recipient=refund.requested_by,
        kind="refund_rejected",
        title=_("Refund request rejected"),
        body=reason,
        data={"refund": refund.pk, "enrollment": refund.enrollment_id},
    )
    return refund


def enrollment_balance(enrollment: Enrollment) -> Decimal:
    paid, refunded = enrollment_totals(enrollment)
    return rules.balance(
        price=enrollment.price,
        paid=paid,
        refunded=refunded,
        refunded_in_full=enrollment.status == EnrollmentStatus.REFUNDED,
    )

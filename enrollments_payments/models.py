"""Enrollment requests, enrollments, payments and refund requests (§6.3).

Money is never deleted: every foreign key that money hangs on is ``PROTECT``, payments are
voided (with who and why) and corrections are refunds.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.display import money_text
from core.models import TimeStampedModel
from users.participants import ParticipantRecord, participant_constraints, participant_fields

ONE_PARTICIPANT = Q(child__isnull=False, student__isnull=True) | Q(
    child__isnull=True, student__isnull=False
)
# A request or an enrollment names a course or an online course (§6.10), never both.
ONE_COURSE = Q(course__isnull=False, online_course__isnull=True) | Q(
    course__isnull=True, online_course__isnull=False
)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped")
    REFUNDED = "refunded", _("Refunded")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    INSTAPAY = "instapay", _("InstaPay")
    VODAFONE_CASH = "vodafone_cash", _("Vodafone Cash")
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    OTHER = "other", _("Other")


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def _money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


class CourseOfRecord:
    """Mixin for rows that name exactly one of ``course`` / ``online_course``."""

    @property
    def offering(self):
        """The course or the online course this row is about."""
        return self.course if self.course_id else self.online_course

    @property
    def is_online(self) -> bool:
        return self.online_course_id is not None


class EnrollmentRequest(CourseOfRecord, ParticipantRecord, TimeStampedModel):
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollment_requests",
        verbose_name=_("course"),
    )
    online_course = models.ForeignKey(
        "online_courses.OnlineCourse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollment_requests",
        verbose_name=_("online course"),
    )
    child, student = participant_fields(related_name="enrollment_requests")
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        related_name="enrollment_requests",
        verbose_name=_("requested by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    processed_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("processed by"),
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True, max_length=2000)
    enrollment = models.ForeignKey(
        "Enrollment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("enrollment"),
    )

    class Meta:
        verbose_name = _("enrollment request")
        verbose_name_plural = _("enrollment requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=ONE_PARTICIPANT,
                name="request_one_participant",
                violation_error_message=_("Choose exactly one participant: a child or a student."),
            ),
            models.CheckConstraint(
                condition=ONE_COURSE,
                name="request_one_course",
                violation_error_message=_("Choose exactly one: a course or an online course."),
            ),
            # At most one pending request per (course, participant).
            models.UniqueConstraint(
                fields=["course", "child"],
                condition=Q(status="pending"),
                name="request_one_pending_child",
                violation_error_message=_(
                    "This child already has a pending enrollment request for this course."
                ),
            ),
            models.UniqueConstraint(
                fields=["course", "student"],
                condition=Q(status="pending"),
                name="request_one_pending_student",
                violation_error_message=_(
                    "This student already has a pending enrollment request for this course."
                ),
            ),
            models.UniqueConstraint(
                fields=["online_course", "child"],
                condition=Q(status="pending"),
                name="request_one_pending_online_child",
                violation_error_message=_(
                    "This child already has a pending enrollment request for this course."
                ),
            ),
            models.UniqueConstraint(
                fields=["online_course", "student"],
                condition=Q(status="pending"),
                name="request_one_pending_online_student",
                violation_error_message=_(
                    "This student already has a pending enrollment request for this course."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values),
                name="request_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} — {self.participant}"


class EnrollmentQuerySet(models.QuerySet):
    def active(self) -> EnrollmentQuerySet:
        return self.filter(status=EnrollmentStatus.ACTIVE)

    def granting_access(self, *, now: datetime) -> EnrollmentQuerySet:
        """Active online enrollments whose access has not ended at ``now`` (§6.10)."""
        return self.filter(
            Q(access_until__isnull=True) | Q(access_until__gt=now),
            online_course__isnull=False,
            status=EnrollmentStatus.ACTIVE,
        )

    def seeing_lectures(self) -> EnrollmentQuerySet:
        """The enrollments whose participants see the course's lectures and exams."""
        return self.filter(status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED])


class Enrollment(CourseOfRecord, ParticipantRecord, TimeStampedModel):
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("course"),
    )
    online_course = models.ForeignKey(
        "online_courses.OnlineCourse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("online course"),
    )
    child, student = participant_fields(related_name="enrollments")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
    )
    price = _money(_("price (EGP)"), validators=[MinValueValidator(Decimal("0.00"))])
    enrolled_at = models.DateTimeField(_("enrolled at"))
    # Online courses only: when access ends (null: no end). Set at approval (§6.10).
    access_until = models.DateTimeField(_("access until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The account that asked for the seat (a parent, or the student): receipts go there.
    requested_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-enrolled_at", "-id"]
        indexes = [
            models.Index(fields=["course", "status"]),
            models.Index(fields=["online_course", "status"]),
            models.Index(
                fields=["access_until"],
                name="enrollment_access_until_idx",
                condition=Q(access_until__isnull=False, status="active"),
            ),
        ]
        constraints = [
            *participant_constraints(prefix="enrollment", owner="course"),
            *participant_constraints(prefix="enrollment", owner="online_course")[1:],
            models.CheckConstraint(
                condition=ONE_COURSE,
                name="enrollment_one_course",
                violation_error_message=_("Choose exactly one: a course or an online course."),
            ),
            models.CheckConstraint(
                condition=Q(access_until__isnull=True) | Q(online_course__isnull=False),
                name="enrollment_access_until_online_only",
                violation_error_message=_("Only an online course's enrollment has an access end."),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="enrollment_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values),
                name="enrollment_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} — {self.participant}"


class Payment(TimeStampedModel):
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="payments", verbose_name=_("enrollment")
    )
    amount = _money(_("amount (EGP)"), validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("method"), max_length=15, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    received_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received by"),
    )
    paid_at = models.DateTimeField(_("paid at"))
    status = models.CharField(
        _("status"), max_length=5, choices=PaymentStatus.choices, default=PaymentStatus.PAID
    )
    voided_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.TextField(_("void reason"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values),
                name="payment_method_valid",
                violation_error_message=_("Choose a valid payment method."),
            ),
            models.CheckConstraint(
                condition=Q(status="paid", voided_at__isnull=True)
                | Q(status="void", voided_at__isnull=False),
                name="payment_void_has_time",
                violation_error_message=_(
                    "A voided payment records when it was voided; a paid one has no such time."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{money_text(self.amount)} ({self.get_method_display()})"


class RefundRequest(TimeStampedModel):
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.PROTECT,
        related_name="refund_requests",
        verbose_name=_("enrollment"),
    )
    amount = _money(_("amount (EGP)"), validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    requested_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    processed_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("processed by"),
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="refund_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values),
                name="refund_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{money_text(self.amount)} — {self.get_status_display()}"

"""Request and response shapes for enrollment requests, enrollments, payments and refunds.

Money is a decimal string with two places (EGP). Instructors get enrollments without any
money field (``EnrollmentSerializer(..., context={"money": False})``).
"""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from core.schema_refs import ParticipantRef, RefIdField, UserRef
from core.serializers import MoneyField
from courses.serializers import MAX_ID
from enrollments_payments import rules
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    Payment,
    PaymentMethod,
    RefundRequest,
)
from online_courses.rules import progress_percent

# A total of several payments may need more digits than one payment has: no cap on reading.
MONEY_TOTAL = {"max_digits": None, "decimal_places": 2}


class ParticipantSerializer(ParticipantRef):
    """``{"type", "id", "name", "code"}`` of a participant record's child or student."""

    def to_representation(self, record) -> dict:
        if record.child_id:
            child = record.child
            return {"type": "child", "id": child.pk, "name": child.full_name, "code": child.code}
        student = record.student
        return {
            "type": "student",
            "id": student.pk,
            "name": student.full_name,
            "code": student.code,
        }


def _participant_field():
    return ParticipantSerializer(source="*", read_only=True)


def _name_field(source: str):
    """The name of the course or online course a row names (null for the other kind)."""
    return serializers.CharField(source=source, read_only=True, allow_null=True, default=None)


class EnrollmentRequestSerializer(serializers.ModelSerializer):
    """A request names ``course`` or ``online_course`` (the other is null)."""

    participant = _participant_field()
    course_name = _name_field("course.name")
    online_course_name = _name_field("online_course.title")
    requested_by_detail = UserRef(source="requested_by", read_only=True)

    class Meta:
        model = EnrollmentRequest
        fields = (
            "id",
            "course",
            "course_name",
            "online_course",
            "online_course_name",
            "child",
            "student",
            "participant",
            "note",
            "status",
            "expires_at",
            "requested_by",
            "requested_by_detail",
            "processed_by",
            "processed_at",
            "rejection_reason",
            "enrollment",
            "created_at",
        )
        read_only_fields = fields


class EnrollmentRequestCreateSerializer(serializers.Serializer):
    """Exactly one of ``course`` and ``online_course`` (else 400 course_or_online_course)."""

    course = RefIdField(
        id_of="courses.Course", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    online_course = RefIdField(
        id_of="online_courses.OnlineCourse",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
    )
    child = RefIdField(
        id_of="users.Child", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class PaymentInputSerializer(serializers.Serializer):
    amount = MoneyField(min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=120)
    paid_at = serializers.DateTimeField(required=False)
    # No default: a default makes generated clients (openapi-typescript) type the field as
    # required; left out, the service reads it as false.
    allow_overpayment = serializers.BooleanField(
        required=False,
        help_text="Confirm a payment larger than the balance (otherwise "
        "400 payment_exceeds_balance).",
    )


class ApproveSerializer(serializers.Serializer):
    payment = PaymentInputSerializer(required=False, allow_null=True)
    price = MoneyField(min_value=Decimal("0.00"), required=False)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class BulkApproveSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=200,
    )


class BulkApproveResultSerializer(serializers.Serializer):
    """One id of a bulk approval: ``status`` is the HTTP status that id alone would get,
    ``code`` ``approved`` or the error code, ``enrollment`` the new enrollment's id."""

    id = serializers.IntegerField()
    status = serializers.IntegerField()
    code = serializers.CharField()
    enrollment = RefIdField(id_of="enrollments_payments.Enrollment", allow_null=True)


class BulkApproveResponseSerializer(serializers.Serializer):
    """The answer of ``POST /api/enrollment-requests/bulk-approve/`` (documentation only)."""

    approved = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkApproveResultSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    """An on-site enrollment's attendance so far — ``lectures_total``, ``lectures_held``,
    ``attended``, ``absent``, ``attendance_rate``, ``average_rating`` — or an online
    enrollment's lessons — ``lessons_completed``, ``lessons_total``, ``percent`` (the
    fields document the answer; it is read from the selectors' annotations)."""

    LECTURE_FIELDS = (
        "lectures_total",
        "lectures_held",
        "attended",
        "absent",
        "attendance_rate",
        "average_rating",
    )
    LESSON_FIELDS = ("lessons_completed", "lessons_total", "percent")
    # Each answer has one of the two sets (core.schema.AutoSchema: not "required").
    schema_optional_fields = LECTURE_FIELDS + LESSON_FIELDS

    lectures_total = serializers.IntegerField(read_only=True)
    lectures_held = serializers.IntegerField(read_only=True)
    attended = serializers.IntegerField(read_only=True)
    absent = serializers.IntegerField(read_only=True)
    attendance_rate = serializers.FloatField(
        read_only=True, allow_null=True, help_text="attended / (attended + absent)"
    )
    average_rating = serializers.DecimalField(
        max_digits=4, decimal_places=2, read_only=True, allow_null=True
    )
    lessons_completed = serializers.IntegerField(read_only=True)
    lessons_total = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(
        read_only=True, help_text="lessons completed × 100 / lessons, rounded down"
    )

    def to_representation(self, enrollment) -> dict:
        if enrollment.online_course_id is not None:
            completed, total = enrollment.l_completed, enrollment.l_total
            return {
                "lessons_completed": completed,
                "lessons_total": total,
                "percent": progress_percent(completed, total),
            }
        attended = enrollment.p_attended
        absent = enrollment.p_absent
        rating = enrollment.p_rating
        return {
            "lectures_total": enrollment.p_total,
            "lectures_held": enrollment.p_held,
            "attended": attended,
            "absent": absent,
            "attendance_rate": rules.attendance_rate(attended, absent),
            "average_rating": None if rating is None else f"{Decimal(rating):.2f}",
        }


class EnrollmentSerializer(serializers.ModelSerializer):
    """An enrollment with its progress; the money fields (price, amount_paid,
    amount_refunded, balance) are left out for instructors. It names ``course`` or
    ``online_course``; an online one has ``access_until`` (null: no end)."""

    participant = _participant_field()
    course_name = _name_field("course.name")
    online_course_name = _name_field("online_course.title")
    amount_paid = serializers.DecimalField(**MONEY_TOTAL, read_only=True)
    amount_refunded = serializers.DecimalField(**MONEY_TOTAL, read_only=True)
    balance = serializers.SerializerMethodField()
    progress = ProgressSerializer(source="*", read_only=True)

    MONEY_FIELDS = ("price", "amount_paid", "amount_refunded", "balance")
    # Not in every answer (core.schema.AutoSchema leaves them out of "required").
    schema_optional_fields = MONEY_FIELDS

    class Meta:
        model = Enrollment
        fields = (
            "id",
            "course",
            "course_name",
            "online_course",
            "online_course_name",
            "child",
            "student",
            "participant",
            "status",
            "access_until",
            "price",
            "amount_paid",
            "amount_refunded",
            "balance",
            "enrolled_at",
            "ended_at",
            "created_by",
            "progress",
        )
        read_only_fields = fields

    def get_balance(self, enrollment) -> str:
        value = rules.balance(
            price=enrollment.price,
            paid=enrollment.amount_paid,
            refunded=enrollment.amount_refunded,
            refunded_in_full=enrollment.status == EnrollmentStatus.REFUNDED,
        )
        return f"{value:.2f}"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("money", True):
            for name in self.MONEY_FIELDS:
                data.pop(name, None)
        return data


def _course_id_field(name: str):
    return serializers.IntegerField(source=f"enrollment.{name}_id", read_only=True, allow_null=True)


class PaymentSerializer(serializers.ModelSerializer):
    course = _course_id_field("course")
    online_course = _course_id_field("online_course")
    participant = ParticipantSerializer(source="enrollment", read_only=True)

    class Meta:
        model = Payment
        fields = (
            "id",
            "enrollment",
            "course",
            "online_course",
            "participant",
            "amount",
            "method",
            "reference",
            "received_by",
            "paid_at",
            "status",
            "voided_by",
            "voided_at",
            "void_reason",
        )
        read_only_fields = fields


class PaymentCreateSerializer(PaymentInputSerializer):
    enrollment = RefIdField(id_of="enrollments_payments.Enrollment", min_value=1, max_value=MAX_ID)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RefundRequestSerializer(serializers.ModelSerializer):
    course = _course_id_field("course")
    online_course = _course_id_field("online_course")
    participant = ParticipantSerializer(source="enrollment", read_only=True)

    class Meta:
        model = RefundRequest
        fields = (
            "id",
            "enrollment",
            "course",
            "online_course",
            "participant",
            "amount",
            "reason",
            "status",
            "requested_by",
            "processed_by",
            "processed_at",
            "decision_note",
            "created_at",
        )
        read_only_fields = fields


class RefundCreateSerializer(serializers.Serializer):
    enrollment = RefIdField(id_of="enrollments_payments.Enrollment", min_value=1, max_value=MAX_ID)
    amount = MoneyField(min_value=Decimal("0.01"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

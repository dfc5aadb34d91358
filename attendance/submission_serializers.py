"""Shapes of the attendance submission endpoints (for the schema and the history list)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attendance import submission_records as limits
from attendance.models import AttendanceSubmission, AttendanceVia
from core.schema_refs import RefIdField, UserRef


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "number",
                "minimum": float(limits.RATING_MIN),
                "maximum": float(limits.RATING_MAX),
            },
            {"type": "string", "format": "decimal", "example": "5.50"},
        ],
        "description": (
            f"From {limits.RATING_MIN} to {limits.RATING_MAX}, at most "
            f"{limits.RATING_PLACES} decimals; a number or a numeric string."
        ),
    }
)
class RatingField(serializers.DecimalField):
    """A record's rating: a number or a numeric string, within the validator's bounds."""


class SubmissionRecordSerializer(serializers.Serializer):
    """One record of ``POST /api/lectures/{id}/attendance/`` (documentation only: the
    service validates the list itself so that it can name the offending index). The
    bounds are the validator's own (``attendance.submission_records``)."""

    code = serializers.CharField(required=False, max_length=limits.MAX_CODE)
    child = RefIdField(id_of="users.Child", required=False, min_value=1, max_value=limits.MAX_ID)
    student = RefIdField(
        id_of="users.StudentUser", required=False, min_value=1, max_value=limits.MAX_ID
    )
    present = serializers.BooleanField()
    rating = RatingField(
        max_digits=limits.RATING_DIGITS,
        decimal_places=limits.RATING_PLACES,
        min_value=limits.RATING_MIN,
        max_value=limits.RATING_MAX,
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=limits.MAX_NOTES)
    via = serializers.ChoiceField(
        choices=AttendanceVia.choices,
        required=False,
        allow_null=True,
        help_text=(
            'How the participant was named: "qr" (a card scanned) or "manual" (the default '
            "when left out or null)."
        ),
    )


class SubmissionRequestSerializer(serializers.Serializer):
    # The bounds parse_records() enforces (records_required, too_many_records).
    records = SubmissionRecordSerializer(many=True, min_length=1, max_length=limits.MAX_RECORDS)


class SubmissionCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    unmarked = serializers.IntegerField()


class SubmissionResponseSerializer(serializers.Serializer):
    lecture = RefIdField(id_of="courses.Lecture")
    updated = serializers.IntegerField()
    created = serializers.IntegerField()
    not_enrolled = serializers.ListField(child=serializers.DictField())
    attendance_taken = serializers.BooleanField()
    counts = SubmissionCountsSerializer()


class AttendanceSubmissionSerializer(serializers.ModelSerializer):
    submitted_by = serializers.SerializerMethodField()

    class Meta:
        model = AttendanceSubmission
        fields = ("id", "lecture", "submitted_by", "at", "source", "created", "updated", "changes")
        read_only_fields = fields

    @extend_schema_field(UserRef(allow_null=True))
    def get_submitted_by(self, row) -> dict | None:
        user = row.submitted_by
        return None if user is None else {"id": user.pk, "name": user.get_full_name()}

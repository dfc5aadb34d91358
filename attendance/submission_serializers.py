"""Shapes of the attendance submission endpoints (for the schema and the history list)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attendance.models import AttendanceSubmission
from attendance.submission_records import MAX_RECORDS
from core.schema_refs import RefIdField, UserRef


class SubmissionRecordSerializer(serializers.Serializer):
    """One record of ``POST /api/lectures/{id}/attendance/`` (documentation only: the
    service validates the list itself so that it can name the offending index)."""

    code = serializers.CharField(required=False)
    child = RefIdField(id_of="users.Child", required=False)
    student = RefIdField(id_of="users.StudentUser", required=False)
    present = serializers.BooleanField()
    rating = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=1, max_value=10)
    notes = serializers.CharField(required=False, allow_blank=True)


class SubmissionRequestSerializer(serializers.Serializer):
    # The bounds parse_records() enforces (records_required, too_many_records).
    records = SubmissionRecordSerializer(many=True, min_length=1, max_length=MAX_RECORDS)


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

"""The read-only roster of a lecture: ``GET /api/lectures/{id}/attendance/``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attendance.models import AttendanceVia, LectureAttendance
from attendance.submission_serializers import SubmissionCountsSerializer
from core.schema_refs import ParticipantRef, RefIdField, UserRef


class ViaField(serializers.ChoiceField):
    """How a marked row's participant was named at the lecture (``qr``: scanned from a
    card; ``manual``); null while the row is unmarked (§6.11)."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True, allow_null=True)
        super().__init__(choices=AttendanceVia.choices, **kwargs)

    def to_representation(self, row) -> str | None:
        return None if row.present is None else row.via


class RosterRowSerializer(serializers.ModelSerializer):
    """One row: the row's ``id``, the participant both nested (``participant``) and flat
    (``type``, ``child``/``student`` — the ids a submission record names —, ``name``,
    ``code``), then the mark."""

    participant = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    code = serializers.SerializerMethodField()
    marked_by = serializers.SerializerMethodField()
    via = ViaField()

    class Meta:
        model = LectureAttendance
        fields = (
            "id",
            "participant",
            "type",
            "child",
            "student",
            "name",
            "code",
            "present",
            "rating",
            "notes",
            "via",
            "marked_by",
            "marked_at",
        )
        read_only_fields = fields

    def get_type(self, row) -> str:
        return "child" if row.child_id else "student"

    def get_name(self, row) -> str:
        return (row.child or row.student).full_name

    def get_code(self, row) -> str:
        return (row.child or row.student).code

    @extend_schema_field(ParticipantRef)
    def get_participant(self, row) -> dict:
        if row.child_id:
            child = row.child
            return {"type": "child", "id": child.pk, "name": child.full_name, "code": child.code}
        student = row.student
        return {
            "type": "student",
            "id": student.pk,
            "name": student.full_name,
            "code": student.code,
        }

    @extend_schema_field(UserRef(allow_null=True))
    def get_marked_by(self, row) -> dict | None:
        user = row.marked_by
        return None if user is None else {"id": user.pk, "name": user.get_full_name()}


class LectureRosterSerializer(serializers.Serializer):
    """The whole answer of ``GET /api/lectures/{id}/attendance/`` (documentation only: the
    view builds it). One object, not a page: the roster of one lecture is small."""

    lecture = RefIdField(id_of="courses.Lecture")
    window_opens_at = serializers.DateTimeField()
    window_closes_at = serializers.DateTimeField()
    can_submit = serializers.BooleanField()
    attendance_taken = serializers.BooleanField()
    rows = RosterRowSerializer(many=True)
    counts = SubmissionCountsSerializer()

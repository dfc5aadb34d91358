"""The read-only roster of a lecture: ``GET /api/lectures/{id}/attendance/``."""

from __future__ import annotations

from rest_framework import serializers

from attendance.models import LectureAttendance


class RosterRowSerializer(serializers.ModelSerializer):
    participant = serializers.SerializerMethodField()
    marked_by = serializers.SerializerMethodField()

    class Meta:
        model = LectureAttendance
        fields = ("id", "participant", "present", "rating", "notes", "marked_by", "marked_at")
        read_only_fields = fields

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

    def get_marked_by(self, row) -> dict | None:
        user = row.marked_by
        return None if user is None else {"id": user.pk, "name": user.get_full_name()}

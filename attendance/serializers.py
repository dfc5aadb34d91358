"""Request and response shapes of devices, shifts, instructor attendance, scans and job
logs. No device serializer ever has the key or its hash, except the one-time answer of
create and rotate-key."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from attendance.models import (
    CheckInMethod,
    Device,
    DeviceKind,
    InstructorAttendance,
    SupervisorShift,
)
from core.schema_refs import RefIdField
from courses import rules as course_rules
from users.models import Instructor


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ("id", "name", "kind", "location", "is_active", "last_seen_at", "created_at")
        read_only_fields = ("last_seen_at", "created_at")


class DeviceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=DeviceKind.choices)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class DeviceWithKeySerializer(DeviceSerializer):
    """The one answer that carries the key: create and rotate-key."""

    key = serializers.CharField(read_only=True, help_text="Shown once; only a hash is stored.")

    class Meta(DeviceSerializer.Meta):
        fields = (*DeviceSerializer.Meta.fields, "key")


class SupervisorShiftSerializer(serializers.ModelSerializer):
    supervisor = serializers.PrimaryKeyRelatedField(queryset=Instructor.objects.all())
    supervisor_name = serializers.CharField(source="supervisor.user.get_full_name", read_only=True)
    weekday = serializers.ChoiceField(
        choices=course_rules.WEEKDAY_CHOICES, help_text="Saturday = 0 … Friday = 6"
    )
    weekday_name = serializers.CharField(source="get_weekday_display", read_only=True)
    is_active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = SupervisorShift
        fields = (
            "id",
            "supervisor",
            "supervisor_name",
            "weekday",
            "weekday_name",
            "start_time",
            "end_time",
            "is_active",
        )

    def to_internal_value(self, data):
        # ``instructor`` is accepted as another name of ``supervisor`` (the SPEC names no
        # field; a supervisor is an instructor of kind supervisor).
        if hasattr(data, "keys") and "supervisor" not in data and "instructor" in data:
            data = {**data, "supervisor": data["instructor"]}
        return super().to_internal_value(data)

    def validate(self, attrs):
        start = attrs.get("start_time", getattr(self.instance, "start_time", None))
        end = attrs.get("end_time", getattr(self.instance, "end_time", None))
        if start and end and end <= start:
            raise serializers.ValidationError(
                {"end_time": [_("The end time must be after the start time.")]}
            )
        return attrs


class InstructorAttendanceSerializer(serializers.ModelSerializer):
    instructor_name = serializers.CharField(source="instructor.user.get_full_name", read_only=True)
    # A shift's row has no course, and a row nobody checked in has no method ("", as the
    # column stores it): the schema says so (both were fuzz findings).
    course = serializers.IntegerField(
        source="lecture.course_id", read_only=True, default=None, allow_null=True
    )
    course_name = serializers.CharField(
        source="lecture.course.name", read_only=True, default=None, allow_null=True
    )
    check_in_method = serializers.ChoiceField(
        choices=CheckInMethod.choices, read_only=True, allow_blank=True
    )
    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()

    class Meta:
        model = InstructorAttendance
        fields = (
            "id",
            "instructor",
            "instructor_name",
            "lecture",
            "course",
            "course_name",
            "shift",
            "date",
            "starts_at",
            "ends_at",
            "status",
            "check_in_at",
            "check_out_at",
            "check_in_method",
            "device",
            "rating",
            "rated_by",
            "notes",
        )
        read_only_fields = fields

    def _times(self, row):
        if row.lecture_id is not None:
            return row.lecture.starts_at, row.lecture.ends_at
        return (
            course_rules.local_datetime(row.date, row.shift.start_time),
            course_rules.local_datetime(row.date, row.shift.end_time),
        )

    def get_starts_at(self, row) -> str:
        return serializers.DateTimeField().to_representation(self._times(row)[0])

    def get_ends_at(self, row) -> str:
        return serializers.DateTimeField().to_representation(self._times(row)[1])


class AtSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="default: now")


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=10)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ScanSerializer(serializers.Serializer):
    fingerprint_id = serializers.CharField(max_length=64, trim_whitespace=True)
    scanned_at = serializers.DateTimeField(required=False, allow_null=True)


class ScanResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["check_in", "check_out", "ignored", "rejected"])
    at = serializers.DateTimeField()
    clock_adjusted = serializers.BooleanField()
    instructor = RefIdField(id_of="users.Instructor", allow_null=True)
    instructor_name = serializers.CharField(allow_null=True)
    sessions = InstructorAttendanceSerializer(many=True)

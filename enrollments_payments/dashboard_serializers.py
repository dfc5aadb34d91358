"""The shape of ``GET /api/dashboard/`` (documentation only: ``dashboard_figures`` builds
the answer). Every reference is ``{id, name}`` (core.schema_refs)."""

from __future__ import annotations

from rest_framework import serializers

from attendance.models_staff import InstructorAttendanceStatus
from core.schema_refs import CourseRef, InstructorRef, LectureRef, RefIdField
from enrollments_payments.dashboard import MISSED, NOT_OPEN, OPEN, TAKEN


class DashboardCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    unmarked = serializers.IntegerField()


class DashboardLectureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    course = CourseRef()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    instructor = InstructorRef(allow_null=True)
    state = serializers.ChoiceField(choices=[TAKEN, OPEN, NOT_OPEN, MISSED])
    counts = DashboardCountsSerializer()


class DashboardStaffRowSerializer(serializers.Serializer):
    instructor = InstructorRef()
    status = serializers.ChoiceField(
        choices=[InstructorAttendanceStatus.LATE.value, InstructorAttendanceStatus.ABSENT.value]
    )
    check_in_at = serializers.DateTimeField(allow_null=True)
    lecture = LectureRef(allow_null=True)
    course = CourseRef(allow_null=True)


class DashboardPendingSerializer(serializers.Serializer):
    enrollment_requests = serializers.IntegerField()
    refund_requests = serializers.IntegerField()


class DashboardPendingOnlineSerializer(serializers.Serializer):
    enrollment_requests = serializers.IntegerField()


class DashboardSeasonSerializer(serializers.Serializer):
    id = RefIdField(id_of="courses.Season")
    name = serializers.CharField()


class DashboardWeekSerializer(serializers.Serializer):
    week = serializers.IntegerField()
    start = serializers.DateField()
    present = serializers.IntegerField()
    marked = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="present / marked; null before a mark")


class DashboardSerializer(serializers.Serializer):
    date = serializers.DateField()
    now = serializers.DateTimeField()
    lectures = DashboardLectureSerializer(many=True)
    instructors_late_or_absent = DashboardStaffRowSerializer(many=True)
    pending = DashboardPendingSerializer()
    pending_online = DashboardPendingOnlineSerializer(
        help_text="Of the pending enrollment requests, those for online courses."
    )
    season = DashboardSeasonSerializer(allow_null=True)
    weekly_attendance = DashboardWeekSerializer(many=True)

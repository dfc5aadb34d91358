"""/api/devices/, /api/supervisor-shifts/, /api/instructor-attendance/,
/api/attendance/scan/ and /api/cron-logs/ (§6.4, §8)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import DateTimeField
from rest_framework.response import Response

from attendance import device_services, selectors, shift_services
from attendance import instructor_attendance_services as services
from attendance.authentication import INVALID_DEVICE, DeviceAuthentication, IsDevice
from attendance.filters import InstructorAttendanceFilter, SupervisorShiftFilter
from attendance.models import Device, ScanOutcome
from attendance.permissions import MayReadInstructorAttendance, MayReadSupervisorShifts
from attendance.serializers import (
    AtSerializer,
    DeviceSerializer,
    DeviceWithKeySerializer,
    DeviceWriteSerializer,
    InstructorAttendanceSerializer,
    RateSerializer,
    ScanResultSerializer,
    ScanSerializer,
    SupervisorShiftSerializer,
)
from core.permissions import AdminOnly, DeclaredPermissionsMixin, IsAdmin
from core.unset import UNSET

_METHODS = ["get", "post", "patch", "delete", "head", "options"]


def _with_key(issued) -> dict:
    data = DeviceSerializer(issued.device).data
    data["key"] = issued.key
    return data


class DeviceViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Attendance devices (admins). The key is in the answer of create and rotate-key only."""

    permission_map = {
        "list": [IsAdmin],
        "retrieve": [IsAdmin],
        "create": [IsAdmin],
        "partial_update": [IsAdmin],
        "rotate_key": [IsAdmin],
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = DeviceSerializer
    queryset = Device.objects.all()
    search_fields = ["name", "location"]
    ordering_fields = ["name", "id", "last_seen_at"]
    ordering = ["name", "id"]

    @extend_schema(request=DeviceWriteSerializer, responses={201: DeviceWithKeySerializer})
    def create(self, request, *args, **kwargs):
        serializer = DeviceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        issued = device_services.device_create(
            name=data["name"],
            kind=data["kind"],
            location=data.get("location", ""),
            is_active=data.get("is_active", True),
        )
        return Response(_with_key(issued), status=status.HTTP_201_CREATED)

    @extend_schema(request=DeviceWriteSerializer, responses=DeviceSerializer)
    def partial_update(self, request, *args, **kwargs):
        device = self.get_object()
        serializer = DeviceWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        device = device_services.device_update(
            device=device,
            name=data.get("name", UNSET),
            kind=data.get("kind", UNSET),
            location=data.get("location", UNSET),
            is_active=data.get("is_active", UNSET),
        )
        return Response(DeviceSerializer(device).data)

    @extend_schema(request=None, responses=DeviceWithKeySerializer)
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, pk=None):
        issued = device_services.device_rotate_key(device=self.get_object())
        return Response(_with_key(issued))


class SupervisorShiftViewSet(DeclaredPermissionsMixin, viewsets.ModelViewSet):
    """Supervisors' weekly shifts: admins manage them; a supervisor reads their own
    (another's is 404); every other role is refused (403), writes included."""

    permission_map = {
        "list": [MayReadSupervisorShifts],
        "retrieve": [MayReadSupervisorShifts],
        "create": [MayReadSupervisorShifts, AdminOnly],
        "partial_update": [MayReadSupervisorShifts, AdminOnly],
        "destroy": [MayReadSupervisorShifts, AdminOnly],
    }
    http_method_names = _METHODS  # no PUT: PATCH edits
    serializer_class = SupervisorShiftSerializer
    filterset_class = SupervisorShiftFilter
    ordering_fields = ["weekday", "start_time", "id"]
    ordering = ["weekday", "start_time", "id"]

    def get_queryset(self):
        return selectors.shifts_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = shift_services.supervisor_shift_create(
            supervisor=data["supervisor"],
            weekday=data["weekday"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            is_active=data.get("is_active", True),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = shift_services.supervisor_shift_update(
            shift=serializer.instance,
            supervisor=data.get("supervisor", UNSET),
            weekday=data.get("weekday", UNSET),
            start_time=data.get("start_time", UNSET),
            end_time=data.get("end_time", UNSET),
            is_active=data.get("is_active", UNSET),
        )

    def perform_destroy(self, instance):
        shift_services.supervisor_shift_delete(shift=instance)


class InstructorAttendanceViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Instructors' sessions: admins see and change all, an instructor reads their own
    (another's is 404); parents and students are refused (403), writes included."""

    permission_map = {
        "list": [MayReadInstructorAttendance],
        "retrieve": [MayReadInstructorAttendance],
        "check_in": [MayReadInstructorAttendance, AdminOnly],
        "check_out": [MayReadInstructorAttendance, AdminOnly],
        "mark_absent": [MayReadInstructorAttendance, AdminOnly],
        "rate": [MayReadInstructorAttendance, AdminOnly],
    }
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = InstructorAttendanceSerializer
    filterset_class = InstructorAttendanceFilter
    ordering_fields = ["date", "id", "status"]
    ordering = ["-date", "id"]

    def get_queryset(self):
        return selectors.instructor_attendance_visible_to(self.request.user)

    def _read(self, row) -> Response:
        return Response(InstructorAttendanceSerializer(self.get_queryset().get(pk=row.pk)).data)

    def _at(self, request):
        serializer = AtSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data.get("at")

    @extend_schema(request=AtSerializer, responses=InstructorAttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        row = self.get_object()
        row = services.instructor_attendance_check_in(
            row=row, actor=request.user, at=self._at(request)
        )
        return self._read(row)

    @extend_schema(request=AtSerializer, responses=InstructorAttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        row = self.get_object()
        row = services.instructor_attendance_check_out(
            row=row, actor=request.user, at=self._at(request)
        )
        return self._read(row)

    @extend_schema(request=None, responses=InstructorAttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="mark-absent")
    def mark_absent(self, request, pk=None):
        row = services.instructor_attendance_mark_absent(row=self.get_object(), actor=request.user)
        return self._read(row)

    @extend_schema(request=RateSerializer, responses=InstructorAttendanceSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        row = self.get_object()
        serializer = RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = services.instructor_attendance_rate(
            row=row, actor=request.user, rating=data["rating"], notes=data.get("notes", UNSET)
        )
        return self._read(row)


# What a device is told: the gate needs "in", "out", "again" or "no"; an unknown finger
# and a known one with nothing today both read "rejected" (no answer reveals which
# fingerprint ids exist). The scan log keeps the difference for the staff.
PUBLIC_RESULT = {
    ScanOutcome.CHECK_IN: "check_in",
    ScanOutcome.CHECK_OUT: "check_out",
    ScanOutcome.REPEAT: "ignored",
    ScanOutcome.NO_SESSION: "rejected",
    ScanOutcome.UNKNOWN: "rejected",
}


class ScanViewSet(DeclaredPermissionsMixin, viewsets.GenericViewSet):
    """``POST /api/attendance/scan/`` with ``Authorization: Device <key>`` only."""

    permission_map = {"create": [IsDevice]}
    authentication_classes = [DeviceAuthentication]
    http_method_names = ["post", "options"]
    serializer_class = ScanSerializer
    throttle_classes: list = []

    def permission_denied(self, request, message=None, code=None):
        # No device at all (no header, a Bearer token, …) answers exactly like a wrong key:
        # DRF would say ``not_authenticated`` here, which tells a prober the two apart.
        raise exceptions.AuthenticationFailed(INVALID_DEVICE)

    # A scan records nothing new from the caller's point of view: 200, as docs/decisions.md says
    # (drf-spectacular documents a create as 201 unless told).
    @extend_schema(request=ScanSerializer, responses={200: ScanResultSerializer}, auth=[])
    def create(self, request, *args, **kwargs):
        serializer = ScanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.instructor_attendance_scan(
            device=request.auth,
            fingerprint_id=data["fingerprint_id"],
            scanned_at=data.get("scanned_at"),
        )
        public = PUBLIC_RESULT[result.outcome]
        known = public != "rejected"
        body = {
            "result": public,
            "at": DateTimeField().to_representation(result.at),
            "clock_adjusted": result.clamped,
            "instructor": result.instructor.pk if known else None,
            "instructor_name": result.instructor.user.get_full_name() if known else None,
            "sessions": InstructorAttendanceSerializer(result.rows, many=True).data,
        }
        return Response(body)

"""The attendance history (§6.6): ``GET /api/attendance/`` — the rows a caller may see,
their filters and their shape. Read-only; the marks are written by ``attendance.submission``
and the nightly job."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from attendance.models import LectureAttendance
from attendance.roster_serializers import ViaField
from core.permissions import DeclaredPermissionsMixin, is_admin
from core.query import query_bool
from core.schema_refs import CourseRef, ParticipantRef, RefIdField
from courses.filters import IdFilter
from courses.rules import CENTER_TZ
from courses.selectors import instructor_of, lectures_visible_to
from users.selectors import participants_visible_to


def attendance_history_visible_to(user) -> QuerySet[LectureAttendance]:
    """Admins: every row. Instructors (and supervisors): the rows of the lectures they may
    see (``courses.selectors.lectures_visible_to``). Parents and students: the rows of the
    participants they may see (``users.selectors.participants_visible_to``). Anyone else:
    none. The related rows a page shows are joined in, so a page costs a fixed number of
    queries."""
    qs = LectureAttendance.objects.select_related(
        "lecture__course", "child", "student__user"
    ).order_by("-lecture__date", "-lecture__start_time", "id")
    if is_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    if instructor_of(user) is not None:
        return qs.filter(lecture__in=lectures_visible_to(user).values("pk"))
    return qs.filter(participants_visible_to(user).records_q())


def history_or_upcoming(
    qs: QuerySet[LectureAttendance], *, upcoming: bool, now: datetime
) -> QuerySet[LectureAttendance]:
    """The history is what has happened: rows of lectures that have started (their start
    time has come — the moment attendance may be taken), newest first. ``upcoming`` gives
    the others, soonest first: a family's list of what is planned must not be mixed into
    "how did my child do". Dates and times are Cairo wall-clock values, compared as such."""
    local = timezone.localtime(now, CENTER_TZ)
    not_started = Q(lecture__date__gt=local.date()) | Q(
        lecture__date=local.date(), lecture__start_time__gt=local.time()
    )
    if upcoming:
        return qs.filter(not_started).order_by("lecture__date", "lecture__start_time", "id")
    return qs.exclude(not_started)


class AttendanceHistoryFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id")
    student = IdFilter(field_name="student_id")
    course = IdFilter(field_name="lecture__course_id")
    lecture = IdFilter(field_name="lecture_id")
    date_after = filters.DateFilter(field_name="lecture__date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="lecture__date", lookup_expr="lte")
    present = filters.BooleanFilter(field_name="present")


class HistoryLectureSerializer(serializers.Serializer):
    id = RefIdField(id_of="courses.Lecture")
    number = serializers.IntegerField()
    date = serializers.DateField()
    starts_at = serializers.DateTimeField()
    course = serializers.SerializerMethodField()

    @extend_schema_field(CourseRef)
    def get_course(self, lecture) -> dict:
        return {"id": lecture.course_id, "name": lecture.course.name}


class AttendanceHistorySerializer(serializers.ModelSerializer):
    lecture = HistoryLectureSerializer(read_only=True)
    participant = serializers.SerializerMethodField()
    via = ViaField()

    class Meta:
        model = LectureAttendance
        fields = (
            "id",
            "lecture",
            "participant",
            "present",
            "rating",
            "notes",
            "via",
            "marked_at",
        )
        read_only_fields = fields

    @extend_schema_field(ParticipantRef)
    def get_participant(self, row) -> dict:
        kind, person = ("child", row.child) if row.child_id else ("student", row.student)
        return {"type": kind, "id": person.pk, "name": person.full_name, "code": person.code}


class AttendanceHistoryViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """``GET /api/attendance/`` and ``/api/attendance/{id}/``: read-only, scoped by
    :func:`attendance_history_visible_to` (a row outside the scope is a 404)."""

    permission_map = {"list": [IsAuthenticated], "retrieve": [IsAuthenticated]}
    serializer_class = AttendanceHistorySerializer
    filterset_class = AttendanceHistoryFilter
    ordering_fields = ["marked_at", "id", "lecture__date"]

    def get_queryset(self):
        qs = attendance_history_visible_to(self.request.user)
        if self.action != "list":
            return qs
        return history_or_upcoming(
            qs, upcoming=query_bool(self.request.query_params, "upcoming"), now=timezone.now()
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "upcoming",
                bool,
                description="false (default): the history — lectures that have started, "
                "newest first. true: the rows of lectures not started yet, soonest first.",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

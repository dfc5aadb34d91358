"""A lecture's attendance: ``/api/lectures/{id}/attendance/`` (GET the roster, POST a
submission) and ``/api/lectures/{id}/attendance/history/`` (the submissions, admins).

The lecture is found among those the caller may see (``courses.selectors``), so a lecture
outside the caller's scope is a 404 here as on ``/api/lectures/{id}/``."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from attendance.models import AttendanceSubmission
from attendance.roster import roster_of
from attendance.roster_serializers import LectureRosterSerializer, RosterRowSerializer
from attendance.selectors import attendance_counts
from attendance.submission import attendance_can_submit, attendance_submit, attendance_window
from attendance.submission_serializers import (
    AttendanceSubmissionSerializer,
    SubmissionRequestSerializer,
    SubmissionResponseSerializer,
)
from core.permissions import AdminOnly, DeclaredPermissionsMixin, is_admin
from courses.selectors import instructor_of, lectures_visible_to
from users.selectors import participants_visible_to


class LectureAttendanceViewSet(DeclaredPermissionsMixin, viewsets.GenericViewSet):
    """The attendance routes of a lecture; the lecture itself is served by
    ``courses.views_lectures.LectureViewSet`` under the same prefix."""

    permission_map = {
        "attendance": [IsAuthenticated],
        "attendance_history": [AdminOnly],
    }
    # The body of the POST, also described by OPTIONS.
    serializer_class = SubmissionRequestSerializer
    filterset_class = None
    search_fields: list[str] = []
    ordering_fields: list[str] = []

    def get_queryset(self):
        return lectures_visible_to(self.request.user)

    @extend_schema(methods=["GET"], request=None, responses=LectureRosterSerializer)
    @extend_schema(
        methods=["POST"],
        request=SubmissionRequestSerializer,
        responses={200: SubmissionResponseSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_name="roster")
    def attendance(self, request, pk=None):
        """GET: the lecture's roster. Staff who see the lecture get every row; a parent or
        a student only the rows of their own participants. POST: submit the attendance
        (§6.4; the rules are in ``attendance.submission``)."""
        lecture = self.get_object()
        user = request.user
        if request.method == "POST":
            body = request.data if isinstance(request.data, dict) else {}
            result = attendance_submit(lecture=lecture, actor=user, records=body.get("records"))
            return Response(result.as_response())
        rows = roster_of(lectures=[lecture])
        if not (is_admin(user) or instructor_of(user) is not None):
            rows = rows.filter(participants_visible_to(user).records_q())
        data = RosterRowSerializer(rows, many=True).data
        opens_at, closes_at = attendance_window(lecture=lecture)
        return Response(
            {
                "lecture": lecture.pk,
                "window_opens_at": opens_at.isoformat(),
                "window_closes_at": closes_at.isoformat(),
                "can_submit": attendance_can_submit(
                    lecture=lecture, actor=user, now=timezone.now()
                ),
                "attendance_taken": lecture.attendance_taken,
                "rows": data,
                "counts": attendance_counts(rows),
            }
        )

    @extend_schema(responses=AttendanceSubmissionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="attendance/history", url_name="history")
    def attendance_history(self, request, pk=None):
        """Every attendance submission of the lecture, newest first (admins)."""
        lecture = self.get_object()
        qs = AttendanceSubmission.objects.filter(lecture=lecture).select_related("submitted_by")
        page = self.paginate_queryset(qs.order_by("-at", "-id"))
        return self.get_paginated_response(AttendanceSubmissionSerializer(page, many=True).data)

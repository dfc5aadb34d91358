"""/api/lectures/ and /api/exams/ (with /api/exams/{id}/results/)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.permissions import AdminOnly, DeclaredPermissionsMixin, IsAdminOrInstructor
from core.unset import UNSET
from courses import exam_services, selectors, services
from courses.filters import ExamFilter, LectureFilter
from courses.models import Exam
from courses.serializers import (
    ExamResultSerializer,
    ExamResultWriteSerializer,
    ExamSerializer,
    LectureCreateSerializer,
    LectureRejectSerializer,
    LectureSerializer,
    LectureUpdateSerializer,
)
from courses.views import _METHODS


class AdminOrInstructor(IsAdminOrInstructor):
    """Staff add lectures, instructors propose them (which course: the service's rule)."""

    message = _("Only admins and instructors add lectures.")


class LectureViewSet(DeclaredPermissionsMixin, viewsets.ModelViewSet):
    """Lectures the caller may see (admins, supervisors, the course's or the lecture's
    instructor). Only admins create, move, cancel or delete lectures; cancelling is
    ``PATCH {"status": "cancelled"}``. The course's instructor may propose an extra
    lecture (``POST``, §6.11), which an admin approves or rejects."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [AdminOrInstructor],
        "partial_update": [AdminOnly],
        "update": [AdminOnly],
        "destroy": [AdminOnly],
        "approve": [AdminOnly],
        "reject": [AdminOnly],
    }

    serializer_class = LectureSerializer
    http_method_names = _METHODS
    filterset_class = LectureFilter
    search_fields = ["title", "course__name"]
    ordering_fields = ["date", "start_time", "number", "id"]
    ordering = ["date", "start_time", "id"]

    def get_queryset(self):
        return selectors.lectures_visible_to(self.request.user)

    def _read(self, lecture) -> dict:
        return LectureSerializer(self.get_queryset().get(pk=lecture.pk)).data

    @extend_schema(
        request=LectureCreateSerializer,
        responses={201: LectureSerializer},
        description="Admins add a lecture (`scheduled`); the course's instructor proposes "
        "one (`proposed`, `instructor` ignored), which waits for an admin's decision.",
    )
    def create(self, request, *args, **kwargs):
        serializer = LectureCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lecture = services.lecture_add(
            actor=request.user,
            course=data["course"],
            date=data["date"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            title=data.get("title", ""),
            instructor=data.get("instructor"),
        )
        return Response(self._read(lecture), status=status.HTTP_201_CREATED)

    @extend_schema(request=LectureUpdateSerializer, responses=LectureSerializer)
    def partial_update(self, request, *args, **kwargs):
        lecture = self.get_object()
        serializer = LectureUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lecture = services.lecture_update(
            lecture=lecture,
            date=data.get("date", UNSET),
            start_time=data.get("start_time", UNSET),
            end_time=data.get("end_time", UNSET),
            title=data.get("title", UNSET),
            instructor=data.get("instructor", UNSET),
            status=data.get("status", UNSET),
        )
        return Response(self._read(lecture))

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        lecture = self.get_object()
        services.lecture_delete(lecture=lecture)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=LectureSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, search_fields=[])
    def approve(self, request, pk=None):
        """Approve a proposed lecture: `scheduled`, numbered, roster rows created (409
        `lecture_already_decided` once decided)."""
        lecture = services.lecture_approve(lecture=self.get_object(), actor=request.user)
        return Response(self._read(lecture))

    @extend_schema(request=LectureRejectSerializer, responses=LectureSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, search_fields=[])
    def reject(self, request, pk=None):
        """Reject a proposed lecture with a `reason` (kept on the lecture; 409
        `lecture_already_decided` once decided)."""
        lecture = self.get_object()
        serializer = LectureRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lecture = services.lecture_reject(
            lecture=lecture, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self._read(lecture))


class ExamViewSet(DeclaredPermissionsMixin, viewsets.ModelViewSet):
    """Exams of courses. Written by admins and the course's instructor (the service's rule,
    ``actor=``); read by them, by supervisors (every exam and result; writing is 403) and
    by the parents/students whose participant has a result or is enrolled."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [AdminOrInstructor],
        "partial_update": [IsAuthenticated],
        "update": [IsAuthenticated],
        "destroy": [IsAuthenticated],
        "results": [IsAuthenticated],
    }

    serializer_class = ExamSerializer
    http_method_names = _METHODS
    filterset_class = ExamFilter
    search_fields = ["title", "course__name"]
    ordering_fields = ["scheduled_at", "id"]
    ordering = ["scheduled_at", "id"]

    def get_queryset(self):
        return selectors.exams_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        context["course_queryset"] = selectors.courses_visible_to(self.request.user)
        return context

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = exam_services.exam_create(
            actor=self.request.user,
            course=data["course"],
            title=data["title"],
            kind=data["kind"],
            scheduled_at=data.get("scheduled_at"),
            total_marks=data["total_marks"],
            pass_mark=data["pass_mark"],
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = exam_services.exam_update(
            exam=serializer.instance,
            actor=self.request.user,
            title=data.get("title", UNSET),
            kind=data.get("kind", UNSET),
            scheduled_at=data.get("scheduled_at", UNSET),
            total_marks=data.get("total_marks", UNSET),
            pass_mark=data.get("pass_mark", UNSET),
        )

    def update(self, request, *args, **kwargs):
        # Check the writer before validating the body, so outsiders learn nothing from 400s.
        exam_services.exam_check_writer(actor=request.user, course=self.get_object().course)
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance: Exam):
        exam_services.exam_delete(exam=instance, actor=self.request.user)

    @extend_schema(methods=["GET"], request=None, responses=ExamResultSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=ExamResultWriteSerializer,
        responses={200: ExamResultSerializer, 201: ExamResultSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filterset_class=None,
        search_fields=[],
        ordering_fields=[],
    )
    def results(self, request, pk=None):
        """Results of the exam. POST creates or updates one participant's result."""
        exam = self.get_object()
        if request.method == "GET":
            qs = selectors.exam_results_visible_to(request.user, exam).order_by("id")
            page = self.paginate_queryset(qs)
            return self.get_paginated_response(ExamResultSerializer(page, many=True).data)
        # Check the writer before validating the body, so outsiders learn nothing from 400s.
        exam_services.exam_check_writer(actor=request.user, course=exam.course)
        serializer = ExamResultWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result, created = exam_services.exam_result_save_for_ids(
            exam=exam,
            marks=data["marks"],
            child_id=data.get("child"),
            student_id=data.get("student"),
            notes=data["notes"],
            entered_by=request.user,
        )
        result = selectors.exam_results_visible_to(request.user, exam).get(pk=result.pk)
        return Response(
            ExamResultSerializer(result).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

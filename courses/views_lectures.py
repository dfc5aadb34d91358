"""/api/lectures/ and /api/exams/ (with /api/exams/{id}/results/)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import Forbidden
from core.permissions import is_admin
from courses import exam_services, selectors, services
from courses.filters import ExamFilter, LectureFilter
from courses.models import Exam
from courses.serializers import (
    ExamResultSerializer,
    ExamResultWriteSerializer,
    ExamSerializer,
    LectureCreateSerializer,
    LectureSerializer,
    LectureUpdateSerializer,
)
from courses.views import _METHODS, require_admin


class LectureViewSet(viewsets.ModelViewSet):
    """Lectures the caller may see (admins, supervisors, the course's or the lecture's
    instructor). Only admins create, move, cancel or delete lectures; cancelling is
    ``PATCH {"status": "cancelled"}``."""

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

    @extend_schema(request=LectureCreateSerializer, responses={201: LectureSerializer})
    def create(self, request, *args, **kwargs):
        require_admin(request)
        serializer = LectureCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lecture = services.lecture_create(**serializer.validated_data)
        return Response(self._read(lecture), status=status.HTTP_201_CREATED)

    @extend_schema(request=LectureUpdateSerializer, responses=LectureSerializer)
    def partial_update(self, request, *args, **kwargs):
        lecture = self.get_object()
        require_admin(request)
        serializer = LectureUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        lecture = services.lecture_update(lecture=lecture, **serializer.validated_data)
        return Response(self._read(lecture))

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        lecture = self.get_object()
        require_admin(request)
        services.lecture_delete(lecture=lecture)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _require_exam_writer(request, course) -> None:
    if not (is_admin(request.user) or selectors.is_course_instructor(request.user, course)):
        raise Forbidden(
            "not_course_instructor", _("Only admins and the course's instructor may do this.")
        )


class ExamViewSet(viewsets.ModelViewSet):
    """Exams of courses. Written by admins and the course's instructor; read by them and by
    the parents/students whose participant has a result."""

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

    def create(self, request, *args, **kwargs):
        if not (is_admin(request.user) or selectors.instructor_of(request.user)):
            raise Forbidden("not_course_instructor", _("Only admins and instructors add exams."))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        _require_exam_writer(self.request, serializer.validated_data["course"])
        serializer.instance = exam_services.exam_create(**serializer.validated_data)

    def perform_update(self, serializer):
        _require_exam_writer(self.request, serializer.instance.course)
        serializer.instance = exam_services.exam_update(
            exam=serializer.instance, **serializer.validated_data
        )

    def update(self, request, *args, **kwargs):
        # Check the writer before validating the body, so outsiders learn nothing from 400s.
        _require_exam_writer(request, self.get_object().course)
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance: Exam):
        _require_exam_writer(self.request, instance.course)
        exam_services.exam_delete(exam=instance)

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
        _require_exam_writer(request, exam.course)
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

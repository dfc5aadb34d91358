"""/api/seasons/, /api/tags/ and /api/courses/ (catalogue, management, weekly schedule)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.errors import Forbidden
from core.permissions import IsAdminOrReadOnly, is_admin
from courses import selectors, services
from courses.filters import CourseFilter
from courses.models import Course, CourseSchedule, Season, Tag
from courses.serializers import (
    CourseInstructorSerializer,
    CourseSerializer,
    CourseWriteSerializer,
    GenerateResultSerializer,
    ScheduleSlotSerializer,
    SeasonSerializer,
    TagSerializer,
)

_METHODS = ["get", "post", "patch", "delete", "head", "options"]


def require_admin(request) -> None:
    if not is_admin(request.user):
        raise Forbidden("admin_only", _("Only the center's staff may do this."))


class SeasonViewSet(viewsets.ModelViewSet):
    """Seasons: public read, admin write."""

    serializer_class = SeasonSerializer
    permission_classes = [IsAdminOrReadOnly]
    http_method_names = _METHODS
    filterset_fields = ["kind", "is_active"]
    search_fields = ["name"]
    ordering_fields = ["start_date", "name", "id"]

    def get_queryset(self):
        return Season.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.season_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.season_update(
            season=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.season_delete(season=instance)


class TagViewSet(viewsets.ModelViewSet):
    """Tags: public read, admin write."""

    serializer_class = TagSerializer
    permission_classes = [IsAdminOrReadOnly]
    http_method_names = _METHODS
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return Tag.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.tag_save(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.tag_save(
            tag=serializer.instance,
            name=serializer.validated_data.get("name", serializer.instance.name),
        )

    def perform_destroy(self, instance):
        services.tag_delete(tag=instance)


class CourseViewSet(viewsets.ModelViewSet):
    """The catalogue (published courses for everyone; staff and a course's instructor also
    see drafts) and its management by admins. A course's instructor may PATCH only its
    ``description``."""

    serializer_class = CourseSerializer
    http_method_names = _METHODS
    filterset_class = CourseFilter
    search_fields = ["name", "description", "slug"]
    ordering_fields = ["start_date", "name", "price", "id"]
    ordering = ["-start_date", "id"]

    def get_queryset(self):
        return selectors.courses_visible_to(self.request.user)

    def get_permissions(self):
        if self.action in ("list", "retrieve") or (
            self.action == "schedule" and self.request.method == "GET"
        ):
            return [AllowAny()]
        return [IsAuthenticated()]

    def _read(self, course: Course) -> dict:
        return CourseSerializer(self.get_queryset().get(pk=course.pk)).data

    @extend_schema(request=CourseWriteSerializer, responses={201: CourseSerializer})
    def create(self, request, *args, **kwargs):
        require_admin(request)
        serializer = CourseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = services.course_create(**serializer.validated_data)
        return Response(self._read(course), status=status.HTTP_201_CREATED)

    @extend_schema(request=CourseWriteSerializer, responses=CourseSerializer)
    def partial_update(self, request, *args, **kwargs):
        course = self.get_object()
        if is_admin(request.user):
            serializer = CourseWriteSerializer(course, data=request.data, partial=True)
        elif selectors.is_course_instructor(request.user, course):
            sent = set(request.data.keys()) if hasattr(request.data, "keys") else set()
            extra = sent - {"description"}
            if extra:
                raise Forbidden(
                    "field_not_editable",
                    _("An instructor may change only the description (not: %(f)s).")
                    % {"f": ", ".join(sorted(extra))},
                )
            serializer = CourseInstructorSerializer(course, data=request.data, partial=True)
        else:
            raise Forbidden("not_course_instructor", _("You may not edit this course."))
        serializer.is_valid(raise_exception=True)
        course = services.course_update(course=course, **serializer.validated_data)
        return Response(self._read(course))

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        course = self.get_object()
        require_admin(request)
        services.course_delete(course=course)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses=ScheduleSlotSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=ScheduleSlotSerializer, responses={201: ScheduleSlotSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filterset_class=None,
        search_fields=[],
        ordering_fields=[],
    )
    def schedule(self, request, pk=None):
        """The course's weekly slots (Saturday = 0 … Friday = 6), paginated like every list."""
        course = self.get_object()
        if request.method == "GET":
            slots = CourseSchedule.objects.filter(course=course).order_by(
                "weekday", "start_time", "id"
            )
            page = self.paginate_queryset(slots)
            return self.get_paginated_response(ScheduleSlotSerializer(page, many=True).data)
        require_admin(request)
        serializer = ScheduleSlotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = services.schedule_slot_create(course=course, **serializer.validated_data)
        return Response(ScheduleSlotSerializer(slot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        request=ScheduleSlotSerializer,
        responses=ScheduleSlotSerializer,
        parameters=[OpenApiParameter("slot_id", int, OpenApiParameter.PATH)],
    )
    @extend_schema(
        methods=["DELETE"],
        responses={204: None},
        parameters=[OpenApiParameter("slot_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"schedule/(?P<slot_id>[0-9]{1,18})",
        filterset_class=None,
        search_fields=[],
        ordering_fields=[],
    )
    def schedule_slot(self, request, pk=None, slot_id=None):
        course = self.get_object()
        slot = get_object_or_404(CourseSchedule, course=course, pk=slot_id)
        require_admin(request)
        if request.method == "DELETE":
            services.schedule_slot_delete(slot=slot)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = ScheduleSlotSerializer(slot, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        slot = services.schedule_slot_update(slot=slot, **serializer.validated_data)
        return Response(ScheduleSlotSerializer(slot).data)

    @extend_schema(request=None, responses=GenerateResultSerializer)
    @action(detail=True, methods=["post"], url_path="generate-lectures", filterset_class=None)
    def generate_lectures(self, request, pk=None):
        """(Re)generate the course's lectures from its weekly schedule. Idempotent."""
        course = self.get_object()
        require_admin(request)
        result = services.course_generate_lectures(course=course)
        body = {
            "created": result.created,
            "removed": result.removed,
            "kept": result.kept,
            "lectures": course.lectures.count(),
        }
        return Response(GenerateResultSerializer(body).data)

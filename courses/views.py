"""/api/seasons/, /api/tags/ and /api/courses/ (catalogue, management, weekly schedule)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.permissions import (
    AdminOnly,
    DeclaredPermissionsMixin,
    IsAdmin,
    ReadOnlyOrAdminOnly,
    is_admin,
)
from core.unset import UNSET, given
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
from users.cards import course_cards
from users.views_cards import PdfDownload, card_schema, pdf_response

_METHODS = ["get", "post", "patch", "delete", "head", "options"]

# Public read, admin write (403 ``permission_denied`` for everyone else). OPTIONS stays
# public too, as it always was for these two.
CATALOGUE_PERMISSIONS = {
    "list": [AllowAny],
    "retrieve": [AllowAny],
    "metadata": [AllowAny],
    "create": [IsAdmin],
    "partial_update": [IsAdmin],
    "destroy": [IsAdmin],
}


class SeasonViewSet(DeclaredPermissionsMixin, viewsets.ModelViewSet):
    """Seasons: public read, admin write."""

    serializer_class = SeasonSerializer
    permission_map = CATALOGUE_PERMISSIONS
    http_method_names = _METHODS
    filterset_fields = ["kind", "is_active"]
    search_fields = ["name"]
    ordering_fields = ["start_date", "name", "id"]

    def get_queryset(self):
        return Season.objects.all()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.season_create(
            name=data["name"],
            kind=data["kind"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            is_active=data.get("is_active", True),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.season_update(
            season=serializer.instance,
            name=data.get("name", UNSET),
            kind=data.get("kind", UNSET),
            start_date=data.get("start_date", UNSET),
            end_date=data.get("end_date", UNSET),
            is_active=data.get("is_active", UNSET),
        )

    def perform_destroy(self, instance):
        services.season_delete(season=instance)


class TagViewSet(DeclaredPermissionsMixin, viewsets.ModelViewSet):
    """Tags: public read, admin write."""

    serializer_class = TagSerializer
    permission_map = CATALOGUE_PERMISSIONS
    http_method_names = _METHODS
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return Tag.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.tag_save(name=serializer.validated_data["name"])

    def perform_update(self, serializer):
        serializer.instance = services.tag_save(
            tag=serializer.instance,
            name=serializer.validated_data.get("name", serializer.instance.name),
        )

    def perform_destroy(self, instance):
        services.tag_delete(tag=instance)


class CourseViewSet(DeclaredPermissionsMixin, viewsets.ModelViewSet):
    """The catalogue (published courses for everyone; staff and a course's instructor also
    see drafts) and its management by admins. A course's instructor may PATCH only its
    ``description`` (the service's rule, ``actor=``)."""

    permission_map = {
        "list": [AllowAny],
        "retrieve": [AllowAny],
        "create": [AdminOnly],
        "partial_update": [IsAuthenticated],
        "update": [IsAuthenticated],
        "destroy": [AdminOnly],
        "schedule": [ReadOnlyOrAdminOnly],
        "schedule_slot": [AdminOnly],
        "generate_lectures": [AdminOnly],
        "cards": [AdminOnly],
    }

    serializer_class = CourseSerializer
    http_method_names = _METHODS
    filterset_class = CourseFilter
    search_fields = ["name", "description", "slug"]
    ordering_fields = ["start_date", "name", "price", "id"]
    ordering = ["-start_date", "id"]

    def get_queryset(self):
        return selectors.courses_visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.with_tags_and_schedule(page)
        return self.get_paginated_response(
            CourseSerializer(page, many=True, context={"request": request}).data
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(self._show(self.get_object()))

    def _show(self, course: Course) -> dict:
        selectors.with_tags_and_schedule([course])
        return CourseSerializer(course, context={"request": self.request}).data

    def _read(self, course: Course) -> dict:
        return self._show(self.get_queryset().get(pk=course.pk))

    @extend_schema(request=CourseWriteSerializer, responses={201: CourseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CourseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = services.course_create(
            name=data["name"],
            slug=data.get("slug", ""),
            description=data.get("description", ""),
            season=data["season"],
            instructor=data["instructor"],
            tags=data.get("tags"),
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            num_lectures=data.get("num_lectures"),
            capacity=data["capacity"],
            min_age=data.get("min_age"),
            max_age=data.get("max_age"),
            location=data.get("location", ""),
            # The model's defaults (free, for all, draft) when these are not sent.
            **given(
                price=data.get("price", UNSET),
                audience=data.get("audience", UNSET),
                status=data.get("status", UNSET),
            ),
        )
        return Response(self._read(course), status=status.HTTP_201_CREATED)

    @extend_schema(request=CourseWriteSerializer, responses=CourseSerializer)
    def partial_update(self, request, *args, **kwargs):
        course = self.get_object()
        # Judge the caller on what they sent before validating it, so someone who may not
        # edit learns nothing from field errors; the service judges again what it is given.
        sent = set(request.data.keys()) if hasattr(request.data, "keys") else set()
        services.course_check_editor(course=course, actor=request.user, fields=sent)
        serializer_class = (
            CourseWriteSerializer if is_admin(request.user) else CourseInstructorSerializer
        )
        serializer = serializer_class(course, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = services.course_update(
            course=course,
            actor=request.user,
            name=data.get("name", UNSET),
            slug=data.get("slug", UNSET),
            description=data.get("description", UNSET),
            season=data.get("season", UNSET),
            instructor=data.get("instructor", UNSET),
            tags=data.get("tags", UNSET),
            start_date=data.get("start_date", UNSET),
            end_date=data.get("end_date", UNSET),
            num_lectures=data.get("num_lectures", UNSET),
            capacity=data.get("capacity", UNSET),
            price=data.get("price", UNSET),
            audience=data.get("audience", UNSET),
            min_age=data.get("min_age", UNSET),
            max_age=data.get("max_age", UNSET),
            location=data.get("location", UNSET),
            status=data.get("status", UNSET),
        )
        return Response(self._read(course))

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        course = self.get_object()
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
        serializer = ScheduleSlotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        slot = services.schedule_slot_create(
            course=course,
            weekday=data["weekday"],
            start_time=data["start_time"],
            end_time=data["end_time"],
        )
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
        # Both rows must be visible before the role is judged (404 before 403), so the
        # object permission is checked on the slot rather than by get_object() on the course.
        course = get_object_or_404(self.get_queryset(), pk=pk)
        slot = get_object_or_404(CourseSchedule, course=course, pk=slot_id)
        self.check_object_permissions(request, slot)
        if request.method == "DELETE":
            services.schedule_slot_delete(slot=slot)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = ScheduleSlotSerializer(slot, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        slot = services.schedule_slot_update(
            slot=slot,
            weekday=data.get("weekday", UNSET),
            start_time=data.get("start_time", UNSET),
            end_time=data.get("end_time", UNSET),
        )
        return Response(ScheduleSlotSerializer(slot).data)

    @extend_schema(request=None, responses=GenerateResultSerializer)
    @action(detail=True, methods=["post"], url_path="generate-lectures", filterset_class=None)
    def generate_lectures(self, request, pk=None):
        """(Re)generate the course's lectures from its weekly schedule. Idempotent."""
        course = self.get_object()
        result = services.course_generate_lectures(course=course)
        body = {
            "created": result.created,
            "removed": result.removed,
            "kept": result.kept,
            "lectures": course.lectures.count(),
        }
        return Response(GenerateResultSerializer(body).data)

    @card_schema(
        "The cards of the course's active participants on A4 sheets (PDF, 2 × 5 a page, "
        "ordered by name): admins. No active participant: 409 course_has_no_participants."
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=PdfDownload,
    )
    def cards(self, request, pk=None):
        return pdf_response(course_cards(course=self.get_object()))

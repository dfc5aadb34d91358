"""/api/online-courses/ (§6.10): the catalogue, its management by admins, a lesson, and
progress reports. Uploads (the image, a lesson's video and materials) are in
online_courses.views_files.

Who sees what of a lesson (set on each lesson before it is serialised, see
online_courses.serializers): admins everything; anyone the catalogue outline and the
preview lessons' player and materials; a participant with access — the student, or the
child a parent names with ``?child=`` — every lesson's player and materials unless it is
locked, its progress and whether it is locked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.errors import Invalid
from core.permissions import AdminOnly, DeclaredPermissionsMixin, ReadOnlyOrAdminOnly, is_admin
from core.query import InvalidQueryParameter, query_int
from core.unset import UNSET, given
from online_courses import errors, progress, selectors, services
from online_courses.filters import OnlineCourseFilter
from online_courses.models import Lesson, OnlineCourse
from online_courses.permissions import IsLearner
from online_courses.serializers import (
    LessonSerializer,
    LessonWriteSerializer,
    OnlineCourseDetailSerializer,
    OnlineCourseSerializer,
    OnlineCourseWriteSerializer,
    ProgressAnswerSerializer,
    ProgressInputSerializer,
)
from online_courses.views_files import LessonFilesMixin
from users.participants import Participant

PARTICIPANT_PARAMETERS = [
    OpenApiParameter(
        "child",
        int,
        description="Parents (and admins): the child whose access, lessons and progress to "
        "show. A child that is not yours answers 404.",
    ),
    OpenApiParameter("student", int, description="Admins: the student whose progress to show."),
]
STUDENT = "student"
LESSON_ID = OpenApiParameter("lesson_id", int, OpenApiParameter.PATH)
# Nested routes: the catalogue's filters are not theirs.
NESTED = {"filterset_class": None, "search_fields": [], "ordering_fields": []}


def _video(data: dict):
    video = data.get("video", UNSET)
    if video is UNSET or video is None:
        return video
    return services.VideoInput(provider=video["provider"], video_id=video.get("video_id", ""))


class OnlineCourseViewSet(DeclaredPermissionsMixin, LessonFilesMixin, viewsets.GenericViewSet):
    """Online courses: the public catalogue (published courses; admins see all), their
    management by admins, lessons and progress."""

    permission_map = {
        "list": [AllowAny],
        "retrieve": [AllowAny],
        "create": [AdminOnly],
        "partial_update": [AdminOnly],
        "destroy": [AdminOnly],
        "lesson_create": [AdminOnly],
        "lesson": [ReadOnlyOrAdminOnly],
        "lesson_update": [AdminOnly],
        "lesson_destroy": [AdminOnly],
        "lesson_progress": [IsLearner],
        **LessonFilesMixin.permission_map,
    }
    serializer_class = OnlineCourseSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    filterset_class = OnlineCourseFilter
    search_fields = ["title", "description", "slug"]
    ordering_fields = ["title", "price", "created_at", "id"]
    ordering = ["title", "id"]

    # --- whose view --------------------------------------------------------------------

    def participant(self) -> Participant | None:
        """The participant the request is about (``?child=`` / ``?student=``, or the
        student calling), resolved once per request."""
        if not hasattr(self, "_participant"):
            params = self.request.query_params
            child, student = query_int(params, "child"), query_int(params, STUDENT)
            if child is not None and student is not None:
                raise InvalidQueryParameter(STUDENT, _("Name a child or a student, not both."))
            self._participant = selectors.participant_for(
                self.request.user, child=child, student=student
            )
        return self._participant

    def get_queryset(self):
        return selectors.online_courses_visible_to(
            self.request.user, participant=self.participant()
        )

    def _course(self, pk) -> OnlineCourse:
        """The course of a nested route, visible to the caller (404 otherwise), without
        judging the role yet: a row the caller cannot see is 404 before any 403."""
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _lesson(self, course: OnlineCourse, lesson_id, *, materials: bool = True) -> Lesson:
        lessons = Lesson.objects.prefetch_related("materials") if materials else Lesson.objects
        lesson = get_object_or_404(lessons, online_course=course, pk=lesson_id)
        lesson.online_course = course
        return lesson

    # --- reading -------------------------------------------------------------------------

    def _show(self, course: OnlineCourse, lesson: Lesson, *, locked: bool | None) -> None:
        admin = is_admin(self.request.user)
        lesson.locked = locked
        lesson.show_video = admin
        lesson.show_content = admin or lesson.is_preview or (locked is False)

    def _detail(self, course: OnlineCourse) -> dict:
        participant = self.participant()
        lessons = selectors.lessons_for_display(course, participant=participant)
        flags = selectors.locked_flags(course.sequential, lessons)
        for lesson, flag in zip(lessons, flags, strict=True):
            self._show(course, lesson, locked=flag if course.has_access else None)
        course.lesson_list = lessons
        course.participant_enrollment = None
        course.participant_progress = None
        if participant is not None:
            course.participant_enrollment = selectors.participant_enrollment(
                participant=participant, online_course=course
            )
            course.participant_progress = {
                "lessons_completed": sum(1 for lesson in lessons if lesson.completed),
                "lessons_total": len(lessons),
            }
        return OnlineCourseDetailSerializer(course, context={"request": self.request}).data

    def _read(self, course: OnlineCourse) -> dict:
        return self._detail(self.get_queryset().get(pk=course.pk))

    @extend_schema(parameters=PARTICIPANT_PARAMETERS)
    def list(self, request, *args, **kwargs):
        courses = selectors.with_lesson_outlines(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(courses)
        return self.get_paginated_response(
            OnlineCourseSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(parameters=PARTICIPANT_PARAMETERS, responses=OnlineCourseDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self.get_object()))

    # --- managing ------------------------------------------------------------------------

    @extend_schema(
        request=OnlineCourseWriteSerializer, responses={201: OnlineCourseDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = OnlineCourseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = services.online_course_create(
            title=data["title"],
            **given(
                slug=data.get("slug", UNSET),
                description=data.get("description", UNSET),
                price=data.get("price", UNSET),
                status=data.get("status", UNSET),
                audience=data.get("audience", UNSET),
                min_age=data.get("min_age", UNSET),
                max_age=data.get("max_age", UNSET),
                instructor=data.get("instructor", UNSET),
                access_days=data.get("access_days", UNSET),
                sequential=data.get("sequential", UNSET),
            ),
        )
        return Response(self._read(course), status=status.HTTP_201_CREATED)

    @extend_schema(request=OnlineCourseWriteSerializer, responses=OnlineCourseDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        course = self.get_object()
        serializer = OnlineCourseWriteSerializer(course, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = services.online_course_update(
            online_course=course,
            **{name: data.get(name, UNSET) for name in OnlineCourseWriteSerializer.Meta.fields},
        )
        return Response(self._read(course))

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.online_course_delete(online_course=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- lessons -------------------------------------------------------------------------

    def _lesson_body(self, lesson: Lesson) -> dict:
        lesson = self._lesson(lesson.online_course, lesson.pk)
        self._show(lesson.online_course, lesson, locked=None)
        return LessonSerializer(lesson, context={"request": self.request}).data

    @extend_schema(request=LessonWriteSerializer, responses={201: LessonSerializer})
    @action(detail=True, methods=["post"], url_path="lessons", **NESTED)
    def lesson_create(self, request, pk=None):
        """Add a lesson (admins); without a ``number`` it goes last."""
        course = self.get_object()
        serializer = LessonWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lesson = services.lesson_create(
            online_course=course,
            title=data["title"],
            number=data.get("number"),
            **given(
                description=data.get("description", UNSET),
                duration_seconds=data.get("duration_seconds", UNSET),
                is_preview=data.get("is_preview", UNSET),
                video=_video(data),
            ),
        )
        lesson.online_course = course
        return Response(self._lesson_body(lesson), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[LESSON_ID, *PARTICIPANT_PARAMETERS], request=None, responses=LessonSerializer
    )
    @action(detail=True, methods=["get"], url_path=r"lessons/(?P<lesson_id>[0-9]{1,18})", **NESTED)
    def lesson(self, request, pk=None, lesson_id=None):
        """One lesson: a preview for anyone, every lesson for a participant with access
        (403 ``no_access`` otherwise; ``lesson_locked`` until the one before it is
        completed in a sequential course) and for admins."""
        course = self._course(pk)
        lesson = self._lesson(course, lesson_id)
        participant = self.participant()
        locked = None
        if course.has_access and participant is not None:
            locked = selectors.lesson_is_locked(lesson, participant=participant)
            lesson.progress_row = selectors.lesson_progress_of(lesson, participant=participant)
        if not (is_admin(request.user) or lesson.is_preview):
            if locked is None:
                raise errors.no_access()
            if locked:
                raise errors.lesson_locked()
        self._show(course, lesson, locked=locked)
        return Response(LessonSerializer(lesson, context={"request": request}).data)

    @extend_schema(
        parameters=[LESSON_ID], request=LessonWriteSerializer, responses=LessonSerializer
    )
    @lesson.mapping.patch
    def lesson_update(self, request, pk=None, lesson_id=None):
        lesson = self._lesson(self._course(pk), lesson_id)
        self.check_object_permissions(request, lesson)
        serializer = LessonWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changed = services.lesson_update(
            lesson=lesson,
            title=data.get("title", UNSET),
            number=data.get("number", UNSET),
            description=data.get("description", UNSET),
            duration_seconds=data.get("duration_seconds", UNSET),
            is_preview=data.get("is_preview", UNSET),
            video=_video(data),
        )
        changed.online_course = lesson.online_course
        return Response(self._lesson_body(changed))

    @extend_schema(parameters=[LESSON_ID], request=None, responses={204: None})
    @lesson.mapping.delete
    def lesson_destroy(self, request, pk=None, lesson_id=None):
        lesson = self._lesson(self._course(pk), lesson_id)
        self.check_object_permissions(request, lesson)
        services.lesson_delete(lesson=lesson)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[LESSON_ID], request=ProgressInputSerializer, responses=ProgressAnswerSerializer
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"lessons/(?P<lesson_id>[0-9]{1,18})/progress",
        **NESTED,
    )
    def lesson_progress(self, request, pk=None, lesson_id=None):
        """A player's report (see online_courses.progress): parents send ``child``."""
        serializer = ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self._participant = selectors.participant_for(request.user, child=data.get("child"))
        if self._participant is None:
            raise Invalid("child_required", _("Name the child who is watching."), field="child")
        lesson = self._lesson(self._course(pk), lesson_id, materials=False)
        result = progress.lesson_progress_record(
            lesson=lesson,
            participant=self._participant,
            position_seconds=data["position_seconds"],
            watched_seconds=data["watched_seconds"],
        )
        body = {
            "position_seconds": result.position_seconds,
            "watched_seconds": result.watched_seconds,
            "completed": result.completed,
            "lesson_unlocked_next": result.lesson_unlocked_next,
            "progress": result.progress,
        }
        return Response(ProgressAnswerSerializer(body).data)

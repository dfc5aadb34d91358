"""Uploads of online courses (§6.8, §6.10), all for admins: the catalogue image at
``/api/online-courses/{id}/image/`` (a photo endpoint like a course's), and a lesson's
video (``PUT …/lessons/{lesson_id}/video/``) and materials (``POST …/materials/``,
``DELETE …/materials/{material_id}/``), ``multipart/form-data`` with one ``file``.

The body is read within the file's limit (files.uploads: refused at the chunk that
crosses it, parts over 2.5 MB written to a temporary file, never kept whole in memory);
what the file is, is the service's judgement (online_courses.file_services).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.permissions import AdminOnly, IsAdmin
from files.api import PhotoView
from files.uploads import uploaded_file
from online_courses import file_services
from online_courses.models import LessonMaterial, OnlineCourse
from online_courses.serializers import (
    FileUploadSerializer,
    LessonSerializer,
    MaterialSerializer,
    MaterialTitleSerializer,
    MaterialUploadSerializer,
)

LESSON_ID = OpenApiParameter("lesson_id", int, OpenApiParameter.PATH)
MATERIAL_ID = OpenApiParameter("material_id", int, OpenApiParameter.PATH)
_LESSON = r"lessons/(?P<lesson_id>[0-9]{1,18})"
_NESTED = {"filterset_class": None, "search_fields": [], "ordering_fields": []}


class OnlineCourseImageView(PhotoView):
    """``PUT``/``DELETE /api/online-courses/{id}/image/``: the public catalogue image."""

    permission_classes = [IsAdmin]
    field = "image"

    def get_owner(self, request, pk=None, **kwargs):
        return get_object_or_404(OnlineCourse.objects.all(), pk=pk)

    def store(self, request, owner, upload):
        return file_services.online_course_image_set(online_course=owner, upload=upload)

    def clear(self, request, owner):
        file_services.online_course_image_remove(online_course=owner)


class LessonFilesMixin:
    """The upload routes of OnlineCourseViewSet (its ``_course``, ``_lesson`` and
    ``_lesson_body`` find the rows: 404 before the role's 403)."""

    permission_map = {
        "lesson_video": [AdminOnly],
        "lesson_materials": [AdminOnly],
        "lesson_material_destroy": [AdminOnly],
    }

    def _admin_lesson(self, request, pk, lesson_id):
        lesson = self._lesson(self._course(pk), lesson_id)
        self.check_object_permissions(request, lesson)
        return lesson

    @extend_schema(
        parameters=[LESSON_ID],
        request={"multipart/form-data": FileUploadSerializer},
        responses=LessonSerializer,
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=rf"{_LESSON}/video",
        parser_classes=[MultiPartParser],
        **_NESTED,
    )
    def lesson_video(self, request, pk=None, lesson_id=None):
        """Upload the lesson's video: an MP4 or WebM file of at most
        ``LESSON_VIDEO_MAX_MB``, judged by its content; it replaces any earlier video."""
        lesson = self._admin_lesson(request, pk, lesson_id)
        upload = uploaded_file(request, max_mb=settings.LESSON_VIDEO_MAX_MB)
        changed = file_services.lesson_video_upload(lesson=lesson, upload=upload)
        changed.online_course = lesson.online_course
        return Response(self._lesson_body(changed))

    @extend_schema(
        parameters=[LESSON_ID],
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={201: MaterialSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"{_LESSON}/materials",
        parser_classes=[MultiPartParser],
        **_NESTED,
    )
    def lesson_materials(self, request, pk=None, lesson_id=None):
        """Attach a material: a PDF, a JPEG/PNG/WebP image or a Word, Excel, PowerPoint or
        OpenDocument file of at most ``LESSON_MATERIAL_MAX_MB``, judged by its content."""
        lesson = self._admin_lesson(request, pk, lesson_id)
        upload = uploaded_file(request, max_mb=settings.LESSON_MATERIAL_MAX_MB)
        form = MaterialTitleSerializer(data={"title": request.data.get("title", "")})
        form.is_valid(raise_exception=True)
        material = file_services.lesson_material_add(
            lesson=lesson, upload=upload, title=form.validated_data.get("title", "")
        )
        body = MaterialSerializer(material, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[LESSON_ID, MATERIAL_ID], request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"{_LESSON}/materials/(?P<material_id>[0-9]{{1,18}})",
        **_NESTED,
    )
    def lesson_material_destroy(self, request, pk=None, lesson_id=None, material_id=None):
        lesson = self._admin_lesson(request, pk, lesson_id)
        material = get_object_or_404(LessonMaterial, lesson=lesson, pk=material_id)
        file_services.lesson_material_delete(material=material)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""``/api/courses/{id}/image/``: the catalogue image of a course, set by admins (§6.8)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from core.permissions import IsAdmin
from courses import image_services
from courses.models import Course
from files.api import PhotoView


class CourseImageView(PhotoView):
    permission_classes = [IsAdmin]
    field = "image"

    def get_owner(self, request, pk=None, **kwargs):
        return get_object_or_404(Course.objects.all(), pk=pk)

    def store(self, request, owner, upload):
        return image_services.course_image_set(course=owner, upload=upload)

    def clear(self, request, owner):
        image_services.course_image_remove(course=owner)

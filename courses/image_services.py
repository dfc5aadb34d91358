"""The catalogue image of a course (§6.8): public, set and removed by admins (the view's
role gate). The writing itself is files.photos's: row lock, old files removed after the
commit."""

from __future__ import annotations

from courses.models import Course
from files.config import PUBLIC
from files.photos import photo_clear, photo_replace


def course_image_set(*, course: Course, upload) -> Course:
    """Set a course's image from an uploaded image (400 on a refused file)."""
    return photo_replace(
        source=Course, pk=course.pk, field="image", upload=upload, storage=PUBLIC, folder="courses"
    )


def course_image_remove(*, course: Course) -> Course:
    return photo_clear(source=Course, pk=course.pk, field="image")

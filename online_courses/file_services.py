"""The files of online courses (§6.8, §6.10): the catalogue image (public), a lesson's
uploaded video and its materials (private, reached through signed URLs only).

Each upload is judged by its content before anything is stored — a video is MP4 or WebM
(files.video), a material a PDF, an image or an office document (files.documents) — and
by its size (``LESSON_VIDEO_MAX_MB``, ``LESSON_MATERIAL_MAX_MB``). It is then written
under a fresh random name, streamed from the request's temporary file to the storage
(never read whole into memory), and only then is the row changed, in a transaction that
locks it. Files a change replaces or deletes go once it commits; the new file is removed
at once when the change fails.

Run these outside any transaction of the caller's (the API has no ATOMIC_REQUESTS), or
remove the files they stored when that transaction rolls back (the lesson's admin page:
files.admin_uploads).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Invalid
from core.locking import lock_row
from files.config import PRIVATE, PUBLIC
from files.documents import sniff_document
from files.photos import image_delete, image_delete_on_commit, photo_clear, photo_replace
from files.video import read_head, sniff_video
from online_courses.models import Lesson, LessonMaterial, OnlineCourse, VideoProvider

# More is a mistake (the same file sent again and again), not a lesson.
MAX_MATERIALS = 20
# How many of the first bytes identify a file (an archive's directory is read apart).
HEAD_BYTES = 64


def online_course_image_set(*, online_course: OnlineCourse, upload) -> OnlineCourse:
    """Set the catalogue image from an uploaded photo (processed as every photo is)."""
    return photo_replace(
        source=OnlineCourse,
        pk=online_course.pk,
        field="image",
        upload=upload,
        storage=PUBLIC,
        folder="online-courses",
    )


def online_course_image_remove(*, online_course: OnlineCourse) -> OnlineCourse:
    return photo_clear(source=OnlineCourse, pk=online_course.pk, field="image")


def _too_large(max_mb: int) -> Invalid:
    return Invalid(
        "file_too_large",
        _("The file is larger than %(mb)s MB.") % {"mb": max_mb},
        field="file",
    )


def _save_private(upload, *, folder: str, extension: str) -> str:
    stem = secrets.token_hex(16)
    upload.seek(0)
    return storages[PRIVATE].save(f"{folder}/{stem[:2]}/{stem}.{extension}", upload)


def _delete_private(name: str) -> None:
    image_delete({"storage": PRIVATE, "name": name})


def files_delete_on_commit(names: list[str]) -> None:
    """Remove private files once the current transaction commits (kept on rollback)."""
    for name in names:
        if name:
            image_delete_on_commit({"storage": PRIVATE, "name": name})


def lesson_video_upload(*, lesson: Lesson, upload) -> Lesson:
    """Make an uploaded MP4 or WebM file the lesson's video (provider ``file``), replacing
    any earlier video. 400 ``file_type_not_allowed`` / ``file_too_large``; 404 when the
    lesson went meanwhile."""
    video = sniff_video(read_head(upload, HEAD_BYTES))
    if video is None:
        raise Invalid("file_type_not_allowed", _("Upload an MP4 or WebM video."), field="file")
    if upload.size > settings.LESSON_VIDEO_MAX_MB * 1024 * 1024:
        raise _too_large(settings.LESSON_VIDEO_MAX_MB)
    name = _save_private(upload, folder="online-courses/videos", extension=video.extension)
    try:
        with transaction.atomic():
            row = lock_row(Lesson, lesson.pk)
            old = row.video_file
            row.video_provider = VideoProvider.FILE
            row.video_id = ""
            row.video_file = name
            row.video_content_type = video.content_type
            row.video_size = upload.size
            row.full_clean()
            row.save()
            files_delete_on_commit([old])
    except BaseException:
        _delete_private(name)
        raise
    return row


def lesson_material_add(*, lesson: Lesson, upload, title: str = "") -> LessonMaterial:
    """Attach a file to the lesson: a PDF, a JPEG/PNG/WebP image or an office document
    (files.documents), kept as uploaded. 400 ``file_type_not_allowed``,
    ``file_too_large`` or ``too_many_materials``."""
    document = sniff_document(read_head(upload, HEAD_BYTES), upload)
    if document is None:
        raise Invalid(
            "file_type_not_allowed",
            _("Upload a PDF, an image (JPEG, PNG, WebP) or a Word, Excel or PowerPoint file."),
            field="file",
        )
    if upload.size > settings.LESSON_MATERIAL_MAX_MB * 1024 * 1024:
        raise _too_large(settings.LESSON_MATERIAL_MAX_MB)
    name = _save_private(upload, folder="online-courses/materials", extension=document.extension)
    try:
        with transaction.atomic():
            locked = lock_row(Lesson, lesson.pk)
            if locked.materials.count() >= MAX_MATERIALS:
                raise Invalid(
                    "too_many_materials",
                    _("A lesson has at most %(n)s materials.") % {"n": MAX_MATERIALS},
                    field="file",
                )
            material = LessonMaterial(
                lesson=locked,
                title=title,
                original_name=(upload.name or document.extension)[:255],
                file=name,
                size=upload.size,
                content_type=document.content_type,
            )
            material.full_clean()
            material.save()
    except BaseException:
        _delete_private(name)
        raise
    return material


@transaction.atomic
def lesson_material_delete(*, material: LessonMaterial) -> None:
    """Remove a material; its file goes after the commit. 404 when it went meanwhile."""
    row = lock_row(LessonMaterial, material.pk)
    row.delete()
    files_delete_on_commit([row.file])


def stored_files(lessons: list[Any]) -> list[str]:
    """The private files of lessons (videos and materials), for removal with them."""
    names = [lesson.video_file for lesson in lessons if lesson.video_file]
    names += list(LessonMaterial.objects.filter(lesson__in=lessons).values_list("file", flat=True))
    return names

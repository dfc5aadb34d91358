"""Managing online courses and their lessons (§6.10): the rules the API and the admin share.

- An online course is created as a draft unless told otherwise; a missing slug is made
  from the title. It is not deleted while anyone enrolled, asked to enrol or watched it
  (409 ``online_course_has_enrollments``: archive it instead); deleting it removes its
  lessons, their files and its image after the commit.
- A lesson's number orders the course (unique in it; gaps are fine, "the lesson before"
  is the one with the next lower number); a new lesson without one goes last. Its video
  is a hosted one (``youtube``, ``vimeo``, ``bunny`` with the provider's id, checked
  against the provider's id format) or an uploaded file (online_courses.file_services);
  ``None`` removes it. A lesson someone has progress on is not deleted (409
  ``lesson_has_progress``; a ``ValidationError`` in the admin and in code).

Lock order: the online course's row, then its lessons'.

Files (images, videos, materials) are in online_courses.file_services; progress in
online_courses.progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.errors import Invalid
from core.locking import lock_row
from core.slugs import unique_slug
from core.unset import UNSET, Unset, given
from courses.errors import HistoryConflict
from courses.models import Audience, CourseStatus
from enrollments_payments.models import Enrollment, EnrollmentRequest
from files.photos import image_delete_on_commit
from online_courses.file_services import files_delete_on_commit, stored_files
from online_courses.lesson_services import lessons_with_progress
from online_courses.models import (
    HOSTED_PROVIDERS,
    Lesson,
    LessonProgress,
    OnlineCourse,
    VideoProvider,
)
from online_courses.playback import video_id_valid
from users.models import Instructor


@dataclass(frozen=True)
class VideoInput:
    """A lesson's video as the API and the admin send it: a hosted provider and its id, or
    ``file`` (the upload the lesson already has: uploading is lesson_video_upload)."""

    provider: str
    video_id: str = ""


# --- online courses ----------------------------------------------------------------------


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    return unique_slug(
        OnlineCourse.objects.all(), base, fallback="online-course", exclude_pk=exclude_pk
    )


@transaction.atomic
def online_course_create(
    *,
    title: str,
    slug: str = "",
    description: str = "",
    price: Decimal = Decimal("0.00"),
    status: str = CourseStatus.DRAFT,
    audience: str = Audience.ALL,
    min_age: int | None = None,
    max_age: int | None = None,
    instructor: Instructor | None = None,
    access_days: int | None = None,
    sequential: bool = False,
) -> OnlineCourse:
    """A new online course (a draft unless told otherwise)."""
    course = OnlineCourse(
        title=title,
        slug=slug or _unique_slug(title),
        description=description,
        price=price,
        status=status,
        audience=audience,
        min_age=min_age,
        max_age=max_age,
        instructor=instructor,
        access_days=access_days,
        sequential=sequential,
    )
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def online_course_update(
    *,
    online_course: OnlineCourse,
    title: str | Unset = UNSET,
    slug: str | Unset = UNSET,
    description: str | Unset = UNSET,
    price: Decimal | Unset = UNSET,
    status: str | Unset = UNSET,
    audience: str | Unset = UNSET,
    min_age: int | None | Unset = UNSET,
    max_age: int | None | Unset = UNSET,
    instructor: Instructor | None | Unset = UNSET,
    access_days: int | None | Unset = UNSET,
    sequential: bool | Unset = UNSET,
) -> OnlineCourse:
    """Change an online course. A new ``access_days`` applies to later approvals; the
    enrollments already made keep their ``access_until``."""
    fields = given(
        title=title,
        slug=slug,
        description=description,
        price=price,
        status=status,
        audience=audience,
        min_age=min_age,
        max_age=max_age,
        instructor=instructor,
        access_days=access_days,
        sequential=sequential,
    )
    course = lock_row(OnlineCourse, online_course.pk)
    if "slug" in fields and not fields["slug"]:
        fields["slug"] = _unique_slug(fields.get("title", course.title), exclude_pk=course.pk)
    for name, value in fields.items():
        setattr(course, name, value)
    course.full_clean()
    course.save()
    return course


def online_course_has_enrollments(online_course: OnlineCourse) -> bool:
    """Enrollments, enrollment requests or lesson progress: what deleting would lose."""
    return (
        Enrollment.objects.filter(online_course=online_course).exists()
        or EnrollmentRequest.objects.filter(online_course=online_course).exists()
        or LessonProgress.objects.filter(lesson__online_course=online_course).exists()
    )


@transaction.atomic
def online_course_delete(*, online_course: OnlineCourse) -> None:
    """Delete an online course nobody enrolled in, asked for or watched; otherwise 409
    ``online_course_has_enrollments`` (archive it). Its files go after the commit."""
    course = lock_row(OnlineCourse, online_course.pk)
    if online_course_has_enrollments(course):
        raise HistoryConflict(
            "online_course_has_enrollments",
            _("This online course has enrollments or requests; archive it instead."),
        )
    files = stored_files(list(course.lessons.all()))
    course.delete()
    files_delete_on_commit(files)
    image_delete_on_commit(course.image)


# --- lessons -----------------------------------------------------------------------------


def _apply_video(lesson: Lesson, video: VideoInput | None) -> list[str]:
    """Set the lesson's video fields; the uploaded file it no longer uses (to remove)."""
    if video is not None and video.provider == VideoProvider.FILE:
        if not lesson.video_file:
            raise Invalid(
                "video_file_missing",
                _("Upload the video file at the lesson's video address first."),
                field="video",
            )
        lesson.video_provider, lesson.video_id = VideoProvider.FILE, ""
        return []
    dropped = [lesson.video_file] if lesson.video_file else []
    lesson.video_file, lesson.video_content_type, lesson.video_size = "", "", None
    if video is None:
        lesson.video_provider, lesson.video_id = "", ""
        return dropped
    video_id = (video.video_id or "").strip()
    if video.provider not in HOSTED_PROVIDERS or not video_id_valid(video.provider, video_id):
        raise Invalid(
            "video_id_invalid",
            _("This is not a video id of %(provider)s.") % {"provider": video.provider},
            field="video",
        )
    lesson.video_provider, lesson.video_id = video.provider, video_id
    return dropped


@transaction.atomic
def lesson_create(
    *,
    online_course: OnlineCourse,
    title: str,
    number: int | None = None,
    description: str = "",
    duration_seconds: int = 0,
    is_preview: bool = False,
    video: VideoInput | None = None,
) -> Lesson:
    """A new lesson; without a number it goes after the last one."""
    # The course's lock keeps two lessons added at once from taking one number.
    course = lock_row(OnlineCourse, online_course.pk)
    if number is None:
        last = course.lessons.aggregate(last=Max("number"))["last"]
        number = (last or 0) + 1
    lesson = Lesson(
        online_course=course,
        number=number,
        title=title,
        description=description,
        duration_seconds=duration_seconds,
        is_preview=is_preview,
    )
    _apply_video(lesson, video)
    lesson.full_clean()
    lesson.save()
    return lesson


@transaction.atomic
def lesson_update(
    *,
    lesson: Lesson,
    title: str | Unset = UNSET,
    number: int | Unset = UNSET,
    description: str | Unset = UNSET,
    duration_seconds: int | Unset = UNSET,
    is_preview: bool | Unset = UNSET,
    video: VideoInput | None | Unset = UNSET,
) -> Lesson:
    """Change a lesson. A new video replaces the old one; an uploaded file it replaces is
    removed after the commit. Progress already recorded stays as it is (a shorter
    duration completes a lesson at the participant's next progress report)."""
    # Lock order: the course, then its lessons (a number is unique among them).
    lock_row(OnlineCourse, lesson.online_course_id)
    row = lock_row(Lesson, lesson.pk)
    fields = given(
        title=title,
        number=number,
        description=description,
        duration_seconds=duration_seconds,
        is_preview=is_preview,
    )
    for name, value in fields.items():
        setattr(row, name, value)
    dropped = [] if video is UNSET else _apply_video(row, video)
    row.full_clean()
    row.save()
    files_delete_on_commit(dropped)
    return row


def lesson_has_progress(lesson: Lesson) -> bool:
    return bool(lessons_with_progress([lesson.pk]))


@transaction.atomic
def lesson_delete(*, lesson: Lesson) -> None:
    """Delete a lesson nobody has progress on (409 ``lesson_has_progress`` otherwise);
    its video and materials go after the commit. Locks the course, then the lesson (the
    order of lesson_services.lessons_renumber)."""
    lock_row(OnlineCourse, lesson.online_course_id)
    row = lock_row(Lesson, lesson.pk)
    if lesson_has_progress(row):
        raise HistoryConflict(
            "lesson_has_progress",
            _("Participants have watched this lesson; it cannot be deleted."),
        )
    files = stored_files([row])
    row.delete()
    files_delete_on_commit(files)

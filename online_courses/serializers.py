"""Request and response shapes of /api/online-courses/ (§6.10).

A lesson is shown in full on the course's detail and at its own address; which of its
parts a caller gets is decided by the view (online_courses.views) and set on the lesson
before it is serialised: ``show_content`` (the player and the materials), ``locked``,
``progress_row`` and ``show_video`` (the provider's id, for admins).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.files.storage import storages
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.schema_refs import InstructorRef, RefIdField
from core.serializers import FieldsOnceMixin, MoneyField, UnicodeSlugField
from courses.serializers import CourseStatusField, RatingAverageField
from enrollments_payments.models import EnrollmentStatus
from files.serializers import PhotoField, absolutize
from online_courses import playback
from online_courses.models import (
    MAX_ACCESS_DAYS,
    Lesson,
    LessonMaterial,
    OnlineCourse,
    VideoProvider,
)
from users.models import Instructor

# Seconds: longer than a lesson can be, shorter than the columns' limit.
MAX_SECONDS = 10_000_000
_DATETIME = serializers.DateTimeField()


def _absolute(url: str | None, request) -> str | None:
    if url and url.startswith("/") and request is not None:
        return request.build_absolute_uri(url)
    return url


# --- lessons ---------------------------------------------------------------------------


class LessonOutlineSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    """A lesson as the catalogue lists it: its place, title and length."""

    class Meta:
        model = Lesson
        fields = ("id", "number", "title", "duration_seconds", "is_preview")
        read_only_fields = fields


class PlaybackSerializer(serializers.Serializer):
    """Where the lesson's video plays: the provider's embed URL (youtube, vimeo, bunny —
    signed) or the uploaded file's signed URL. A signed URL stops working at
    ``expires_at``: ask for the lesson again for a fresh one. ``url`` is null with an
    ``error`` when the video cannot be shown (``video_not_configured``: the server has no
    Bunny Stream key)."""

    provider = serializers.ChoiceField(choices=VideoProvider.choices)
    url = serializers.URLField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class MaterialSerializer(serializers.ModelSerializer):
    """A file of the lesson; ``url`` is signed and expires after ``MEDIA_URL_TTL``."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = LessonMaterial
        fields = ("id", "title", "original_name", "content_type", "size", "url")
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, material: LessonMaterial) -> str:
        url = storages[material.stored["storage"]].url(material.file)
        return _absolute(url, self.context.get("request"))


class LessonProgressSerializer(serializers.Serializer):
    position_seconds = serializers.IntegerField()
    watched_seconds = serializers.IntegerField()
    completed = serializers.BooleanField()


class VideoSerializer(serializers.Serializer):
    """A lesson's video: a hosted provider with its id, or ``file`` (uploaded at
    ``…/lessons/{lesson_id}/video/``; its ``video_id`` is empty)."""

    provider = serializers.ChoiceField(choices=VideoProvider.choices)
    video_id = serializers.CharField(max_length=200, required=False, allow_blank=True)


class LessonSerializer(serializers.ModelSerializer):
    """A lesson. ``playback`` and ``materials`` are there for a preview lesson, for a
    participant with access (unless the lesson is ``locked``) and for admins, null
    otherwise; ``progress`` and ``locked`` only for a participant with access (null
    otherwise); ``video`` only for admins."""

    online_course = RefIdField(id_of="online_courses.OnlineCourse", source="online_course_id")
    video = serializers.SerializerMethodField()
    playback = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = (
            "id",
            "online_course",
            "number",
            "title",
            "description",
            "duration_seconds",
            "is_preview",
            "video",
            "playback",
            "materials",
            "progress",
            "locked",
        )
        read_only_fields = fields

    @extend_schema_field(VideoSerializer(allow_null=True))
    def get_video(self, lesson: Lesson):
        if not getattr(lesson, "show_video", False) or not lesson.video_provider:
            return None
        return {"provider": lesson.video_provider, "video_id": lesson.video_id}

    @extend_schema_field(PlaybackSerializer(allow_null=True))
    def get_playback(self, lesson: Lesson):
        if not getattr(lesson, "show_content", False):
            return None
        shown = playback.playback(
            lesson.video_provider, video_id=lesson.video_id, video_file=lesson.video_file
        )
        if shown is None:
            return None
        # Plain dicts in PlaybackSerializer's shape: a nested serializer per lesson costs
        # more than the rest of a 100-lesson course.
        return {
            "provider": shown.provider,
            "url": _absolute(shown.url, self.context.get("request")),
            "expires_at": _DATETIME.to_representation(shown.expires_at)
            if shown.expires_at
            else None,
            "error": shown.error,
        }

    @extend_schema_field(MaterialSerializer(many=True, allow_null=True))
    def get_materials(self, lesson: Lesson):
        if not getattr(lesson, "show_content", False):
            return None
        request = self.context.get("request")
        return [
            {
                "id": material.pk,
                "title": material.title,
                "original_name": material.original_name,
                "content_type": material.content_type,
                "size": material.size,
                "url": _absolute(storages[material.stored["storage"]].url(material.file), request),
            }
            for material in lesson.materials.all()
        ]

    @extend_schema_field(LessonProgressSerializer(allow_null=True))
    def get_progress(self, lesson: Lesson):
        if getattr(lesson, "locked", None) is None:
            return None
        row = getattr(lesson, "progress_row", None)
        if row is None:
            return {"position_seconds": 0, "watched_seconds": 0, "completed": False}
        return {
            "position_seconds": row.position_seconds,
            "watched_seconds": row.watched_seconds,
            "completed": row.completed,
        }

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_locked(self, lesson: Lesson) -> bool | None:
        return getattr(lesson, "locked", None)


class LessonWriteSerializer(serializers.Serializer):
    """What admins send to add or change a lesson. ``video`` null removes the video."""

    title = serializers.CharField(max_length=200)
    number = serializers.IntegerField(min_value=1, max_value=32767, required=False)
    description = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    duration_seconds = serializers.IntegerField(min_value=0, max_value=MAX_SECONDS, required=False)
    is_preview = serializers.BooleanField(required=False)
    video = VideoSerializer(required=False, allow_null=True)


class FileUploadSerializer(serializers.Serializer):
    """``multipart/form-data`` with one part, ``file``."""

    file = serializers.FileField()


class MaterialTitleSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MaterialUploadSerializer(FileUploadSerializer, MaterialTitleSerializer):
    """``multipart/form-data``: ``file`` (PDF, JPEG/PNG/WebP, Word, Excel, PowerPoint or
    OpenDocument) and an optional ``title``."""


class ProgressInputSerializer(serializers.Serializer):
    """A player's report. Parents name their ``child``; students report for themselves."""

    position_seconds = serializers.IntegerField(min_value=0, max_value=MAX_SECONDS)
    watched_seconds = serializers.IntegerField(min_value=0, max_value=MAX_SECONDS)
    child = RefIdField(id_of="users.Child", required=False, min_value=1, max_value=2**63 - 1)


class CourseProgressSerializer(serializers.Serializer):
    lessons_completed = serializers.IntegerField()
    lessons_total = serializers.IntegerField()


class ProgressAnswerSerializer(LessonProgressSerializer):
    """The stored state after the report (unchanged when the report was too soon after the
    last write, or changed nothing), and the participant's progress in the course.
    ``lesson_unlocked_next``: this report completed the lesson and the next one of a
    sequential course is open now."""

    lesson_unlocked_next = serializers.BooleanField()
    progress = CourseProgressSerializer()


# --- online courses ----------------------------------------------------------------------


class EnrollmentSummarySerializer(serializers.Serializer):
    """The participant's enrollment in the course; access ends at ``access_until`` (null:
    no end)."""

    id = RefIdField(id_of="enrollments_payments.Enrollment")
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    enrolled_at = serializers.DateTimeField()
    access_until = serializers.DateTimeField(allow_null=True)


class OnlineCourseFieldsSerializer(serializers.ModelSerializer):
    slug = UnicodeSlugField(read_only=True)
    instructor_detail = InstructorRef(source="instructor", read_only=True, allow_null=True)
    status = CourseStatusField(read_only=True)
    image = PhotoField()
    lessons_count = serializers.IntegerField(read_only=True)
    duration_seconds = serializers.IntegerField(read_only=True)
    has_access = serializers.BooleanField(read_only=True)
    # courses.selectors.with_rating_summary: null and 0 until someone rates the course.
    rating_average = RatingAverageField()
    rating_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = OnlineCourse
        fields = (
            "id",
            "title",
            "slug",
            "description",
            "image",
            "price",
            "status",
            "audience",
            "min_age",
            "max_age",
            "instructor",
            "instructor_detail",
            "access_days",
            "sequential",
            "lessons_count",
            "duration_seconds",
            "has_access",
            "rating_average",
            "rating_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


# Rows of online_courses.selectors.online_courses_visible_to() with lesson outlines.
class OnlineCourseSerializer(FieldsOnceMixin, OnlineCourseFieldsSerializer):
    """An online course in the catalogue, with its lessons' outline. ``has_access``: the
    participant asked about (the student, or a parent's ``?child=``) may watch it."""

    lessons = LessonOutlineSerializer(many=True, read_only=True, source="outline")

    class Meta(OnlineCourseFieldsSerializer.Meta):
        fields = (*OnlineCourseFieldsSerializer.Meta.fields, "lessons")
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The shared fields carry no request (FieldsOnceMixin): the image's URLs here.
        absolutize(data["image"], self.context.get("request"))
        return data


class OnlineCourseDetailSerializer(OnlineCourseFieldsSerializer):
    """An online course with its lessons in full (see LessonSerializer), and, for a
    participant, its ``enrollment`` and ``progress`` (null otherwise)."""

    lessons = LessonSerializer(many=True, read_only=True, source="lesson_list")
    enrollment = EnrollmentSummarySerializer(
        read_only=True, allow_null=True, source="participant_enrollment"
    )
    progress = CourseProgressSerializer(
        read_only=True, allow_null=True, source="participant_progress"
    )

    class Meta(OnlineCourseFieldsSerializer.Meta):
        fields = (*OnlineCourseFieldsSerializer.Meta.fields, "enrollment", "progress", "lessons")
        read_only_fields = fields


class OnlineCourseWriteSerializer(serializers.ModelSerializer):
    """What admins send. Cross-field rules (ages) are checked by the service."""

    slug = UnicodeSlugField(required=False)
    instructor = serializers.PrimaryKeyRelatedField(
        queryset=Instructor.objects.all(), required=False, allow_null=True
    )
    price = MoneyField(min_value=Decimal("0.00"), required=False)
    status = CourseStatusField(required=False)
    access_days = serializers.IntegerField(
        min_value=1, max_value=MAX_ACCESS_DAYS, required=False, allow_null=True
    )

    class Meta:
        model = OnlineCourse
        fields = (
            "title",
            "slug",
            "description",
            "price",
            "status",
            "audience",
            "min_age",
            "max_age",
            "instructor",
            "access_days",
            "sequential",
        )
        # Uniqueness of the slug is checked by the service's full_clean (400) and the DB.
        extra_kwargs = {"slug": {"validators": []}}

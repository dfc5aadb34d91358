"""Online courses (§6.10): recorded lessons with their videos and materials, and how far
each participant has watched them.

An online course is sold like a course (its audience, ages, price and status mean the same
and use the same choices); enrolling in one is an ``Enrollment`` naming ``online_course``
instead of ``course`` (enrollments_payments.models), whose ``access_until`` ends the access.

Files (uploaded videos, materials) live in the private storage (files.config) and are
reached through signed URLs only; the catalogue image is public, kept like a course's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from courses.models import Audience, CourseStatus
from files.config import PRIVATE
from users.participants import ParticipantRecord, participant_constraints, participant_fields

# Longer than this is a typo (and overflows datetime maths far enough out).
MAX_ACCESS_DAYS = 3650
# §6.10: a lesson is completed once this share of its duration was watched.
COMPLETION_SHARE = Decimal("0.9")


class VideoProvider(models.TextChoices):
    YOUTUBE = "youtube", _("YouTube")
    VIMEO = "vimeo", _("Vimeo")
    BUNNY = "bunny", _("Bunny Stream")
    FILE = "file", _("Uploaded file")


# Providers whose video is named by the provider's own id (``video_id``).
HOSTED_PROVIDERS = (VideoProvider.YOUTUBE, VideoProvider.VIMEO, VideoProvider.BUNNY)


class OnlineCourseQuerySet(models.QuerySet):
    def published(self) -> OnlineCourseQuerySet:
        return self.filter(status=CourseStatus.PUBLISHED)


class OnlineCourse(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    # §6.8: the catalogue image (files.stored), public; set through the image services only.
    image = models.JSONField(_("image"), null=True, blank=True, editable=False)
    price = models.DecimalField(
        _("price (EGP)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.ALL
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    instructor = models.ForeignKey(
        "users.Instructor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_courses",
        verbose_name=_("instructor"),
    )
    access_days = models.PositiveIntegerField(
        _("access days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ACCESS_DAYS)],
        help_text=_("How many days access lasts after approval; empty means no end."),
    )
    sequential = models.BooleanField(
        _("sequential"),
        default=False,
        help_text=_("Each lesson unlocks when the one before it is completed."),
    )

    objects = OnlineCourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("online course")
        verbose_name_plural = _("online courses")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["status", "title"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="online_course_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="online_course_age_range_ordered",
                violation_error_message=_("The minimum age cannot be more than the maximum age."),
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values),
                name="online_course_audience_valid",
                violation_error_message=_("Choose a valid audience."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=CourseStatus.values),
                name="online_course_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
            models.CheckConstraint(
                condition=Q(access_days__isnull=True)
                | Q(access_days__gte=1, access_days__lte=MAX_ACCESS_DAYS),
                name="online_course_access_days_range",
                violation_error_message=_("Access lasts from 1 to 3650 days, or has no end."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(TimeStampedModel):
    online_course = models.ForeignKey(
        OnlineCourse,
        on_delete=models.CASCADE,
        related_name="lessons",
        verbose_name=_("online course"),
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    is_preview = models.BooleanField(
        _("preview"), default=False, help_text=_("Anyone may watch a preview lesson.")
    )
    # Empty: no video yet. youtube / vimeo / bunny: ``video_id`` is the provider's id;
    # file: ``video_file`` is the uploaded file's name in the private storage.
    video_provider = models.CharField(
        _("video provider"), max_length=10, choices=VideoProvider.choices, blank=True
    )
    video_id = models.CharField(_("video id"), max_length=200, blank=True)
    video_file = models.CharField(_("video file"), max_length=255, blank=True, editable=False)
    video_content_type = models.CharField(
        _("content type"), max_length=100, blank=True, editable=False
    )
    video_size = models.PositiveBigIntegerField(_("size"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["online_course", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["online_course", "number"],
                name="lesson_unique_number",
                violation_error_message=_("Two lessons of an online course share a number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="lesson_number_positive",
                violation_error_message=_("A lesson's number starts at 1."),
            ),
            models.CheckConstraint(
                condition=Q(video_provider="")
                | Q(video_provider__in=HOSTED_PROVIDERS) & ~Q(video_id="")
                | Q(video_provider=VideoProvider.FILE) & ~Q(video_file=""),
                name="lesson_video_complete",
                violation_error_message=_(
                    "A lesson's video needs the provider's video id, or an uploaded file."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def video_stored(self) -> dict[str, Any] | None:
        """The uploaded video as files.stored reads it (for URLs and deletion)."""
        if not self.video_file:
            return None
        return {"storage": PRIVATE, "name": self.video_file}


class LessonMaterial(TimeStampedModel):
    """A file that goes with a lesson (a worksheet, slides), private (§6.8)."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="materials", verbose_name=_("lesson")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255)
    # The random name in the private storage.
    file = models.CharField(_("file"), max_length=255, editable=False)
    size = models.PositiveBigIntegerField(_("size"), editable=False)
    content_type = models.CharField(_("content type"), max_length=100, editable=False)

    class Meta:
        verbose_name = _("lesson material")
        verbose_name_plural = _("lesson materials")
        ordering = ["lesson", "id"]

    def __str__(self) -> str:
        return self.title or self.original_name

    @property
    def stored(self) -> dict[str, Any]:
        return {"storage": PRIVATE, "name": self.file}


class LessonProgress(ParticipantRecord, models.Model):
    """How far one participant has watched one lesson (one row per lesson and participant).

    ``watched_seconds`` only grows; ``position_seconds`` is where the player stopped last;
    ``completed_at`` is set once watched reaches 90% of the duration and never cleared.
    ``updated_at`` is written by the progress service (it spaces writes 10 s apart), so it
    is a plain field, not ``auto_now``.
    """

    lesson = models.ForeignKey(
        # PROTECT: a lesson with progress is not deleted (§6.10).
        Lesson,
        on_delete=models.PROTECT,
        related_name="progress",
        verbose_name=_("lesson"),
    )
    child, student = participant_fields(related_name="lesson_progress")
    position_seconds = models.PositiveIntegerField(_("position (seconds)"), default=0)
    watched_seconds = models.PositiveIntegerField(_("watched (seconds)"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        ordering = ["lesson", "id"]
        constraints = participant_constraints(prefix="lesson_progress", owner="lesson")

    def __str__(self) -> str:
        return f"{self.lesson} — {self.participant_label()}"

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

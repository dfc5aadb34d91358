"""Memories (§6.9): staff posts of photos and videos, the participants tagged in them.

A post's files are kept in the private storage (files.config) and reached through signed
URLs only. A deleted post is hidden at once (``deleted_at``); the nightly job
(memories.cron) removes it with its files 30 days later.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from files.config import PRIVATE
from users.participants import ParticipantRecord, participant_constraints, participant_fields

MAX_ITEMS = 20


class MemoryAudience(models.TextChoices):
    FAMILY = "family", _("Families of the tagged")
    CENTER = "center", _("The whole center")


class ItemKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    VIDEO = "video", _("Video")


class MemoryQuerySet(models.QuerySet):
    def live(self) -> MemoryQuerySet:
        """Posts not deleted."""
        return self.filter(deleted_at__isnull=True)


class Memory(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="memories",
        verbose_name=_("author"),
    )
    caption = models.TextField(_("caption"), blank=True, max_length=2000)
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memories",
        verbose_name=_("course"),
    )
    taken_on = models.DateField(_("taken on"))
    audience = models.CharField(
        _("audience"),
        max_length=6,
        choices=MemoryAudience.choices,
        default=MemoryAudience.FAMILY,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = MemoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("memory")
        verbose_name_plural = _("memories")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience__in=MemoryAudience.values),
                name="memory_audience_valid",
                violation_error_message=_("Choose a valid audience."),
            )
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="memory_feed_idx"),
            models.Index(
                fields=["deleted_at"],
                name="memory_deleted_idx",
                condition=Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.taken_on} — {self.caption[:40]}"


class MemoryItem(models.Model):
    """One photo or video of a post. A photo keeps its processed image and thumbnail
    (files.images); a video the uploaded file as it came, with its type and size."""

    memory = models.ForeignKey(
        Memory, on_delete=models.CASCADE, related_name="items", verbose_name=_("memory")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=5, choices=ItemKind.choices)
    name = models.CharField(_("file"), max_length=255)
    thumbnail = models.CharField(_("thumbnail"), max_length=255, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size"))

    class Meta:
        verbose_name = _("memory item")
        verbose_name_plural = _("memory items")
        ordering = ["memory", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["memory", "position"],
                name="memory_item_unique_position",
                violation_error_message=_("Two items of a memory share a position."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ItemKind.values),
                name="memory_item_kind_valid",
                violation_error_message=_("Choose a valid item kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.memory_id}#{self.position} {self.kind}"

    @property
    def stored(self) -> dict[str, Any]:
        """The item's files as files.stored reads them (for URLs and deletion)."""
        return {
            "storage": PRIVATE,
            "name": self.name,
            "thumbnail": self.thumbnail,
            "width": self.width,
            "height": self.height,
        }


class MemoryTag(ParticipantRecord, models.Model):
    """A participant tagged in a post (no history: removed with the participant)."""

    memory = models.ForeignKey(
        Memory, on_delete=models.CASCADE, related_name="tags", verbose_name=_("memory")
    )
    child, student = participant_fields(related_name="memory_tags", on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("memory tag")
        verbose_name_plural = _("memory tags")
        ordering = ["id"]
        constraints = participant_constraints(prefix="memory_tag", owner="memory")

    def __str__(self) -> str:
        return self.participant_label()

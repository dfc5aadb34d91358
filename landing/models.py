"""The landing page (SPEC §6.11): what the office features on the center's public front
page, in the order it chose.

One page (a single row), and under it three ordered lists — courses, online courses,
instructors — each row naming its item once (a one-to-one key) with a ``position``. The
API shows an item only while it may be shown publicly (a published course, an instructor
whose account is active); the rows stay, so a course featured while still a draft
appears the day it is published. The lists are written whole by landing.services.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SINGLE_PAGE_ID = 1


class LandingPage(models.Model):
    """The one landing page: the three lists hang from it (the admin edits it as one
    page with three tables)."""

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("landing page")
        verbose_name_plural = _("landing page")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=SINGLE_PAGE_ID),
                name="landing_page_single_row",
                violation_error_message=_("The center has one landing page."),
            )
        ]

    def __str__(self) -> str:
        return str(_("landing page"))


class FeaturedItem(models.Model):
    page = models.ForeignKey(LandingPage, on_delete=models.CASCADE, verbose_name=_("landing page"))
    position = models.PositiveIntegerField(
        _("position"),
        validators=[MinValueValidator(1)],
        help_text=_("1 comes first. Leave it empty to put the item at the end."),
    )

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class FeaturedCourse(FeaturedItem):
    course = models.OneToOneField(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="landing_feature",
        verbose_name=_("course"),
    )

    class Meta(FeaturedItem.Meta):
        verbose_name = _("featured course")
        verbose_name_plural = _("featured courses")

    def __str__(self) -> str:
        return str(self.course)


class FeaturedOnlineCourse(FeaturedItem):
    online_course = models.OneToOneField(
        "online_courses.OnlineCourse",
        on_delete=models.CASCADE,
        related_name="landing_feature",
        verbose_name=_("online course"),
    )

    class Meta(FeaturedItem.Meta):
        verbose_name = _("featured online course")
        verbose_name_plural = _("featured online courses")

    def __str__(self) -> str:
        return str(self.online_course)


class FeaturedInstructor(FeaturedItem):
    instructor = models.OneToOneField(
        "users.Instructor",
        on_delete=models.CASCADE,
        related_name="landing_feature",
        verbose_name=_("instructor"),
    )

    class Meta(FeaturedItem.Meta):
        verbose_name = _("featured instructor")
        verbose_name_plural = _("featured instructors")

    def __str__(self) -> str:
        return str(self.instructor)

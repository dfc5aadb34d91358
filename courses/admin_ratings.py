"""The participants' ratings of courses and online courses in the admin: read-only (they
are the families' words; staff read them, filter them and export them)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin, decimal_text
from courses.models import CourseRating


def rating_summary_text(obj) -> str:
    """``7.67 (3 ratings)`` from the annotations of courses.selectors.with_rating_summary
    (a course's or an online course's row of a change list); "—" while unrated."""
    count = getattr(obj, "rating_count", 0) or 0
    if not count:
        return "—"
    text = ngettext("%(n)d rating", "%(n)d ratings", count) % {"n": count}
    return f"{decimal_text(obj.rating_average)} ({text})"


class RatedKindFilter(admin.SimpleListFilter):
    """On-site courses or online courses."""

    title = _("kind of course")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("course", _("course")), ("online", _("online course"))]

    def queryset(self, request, queryset):
        if self.value() == "course":
            return queryset.filter(course__isnull=False)
        if self.value() == "online":
            return queryset.filter(online_course__isnull=False)
        return queryset


@admin.register(CourseRating)
class CourseRatingAdmin(ReadOnlyAdmin):
    list_display = (
        "offering_text",
        "rating",
        "participant_text",
        "rater",
        "comment_text",
        "updated_at",
    )
    list_select_related = ("course", "online_course", "child", "student__user", "rater")
    list_filter = (
        RatedKindFilter,
        "rating",
        ("course", admin.RelatedOnlyFieldListFilter),
        ("online_course", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "course__name",
        "online_course__title",
        "comment",
        "child__first_name",
        "child__last_name",
        "child__code",
        "student__code",
        "student__user__first_name",
        "student__user__last_name",
    )
    date_hierarchy = "updated_at"
    fields = (
        "course",
        "online_course",
        "participant_text",
        "rater",
        "rating",
        "comment",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("course"))
    def offering_text(self, obj: CourseRating) -> str:
        return str(obj.offering)

    @admin.display(description=_("participant"))
    def participant_text(self, obj: CourseRating) -> str:
        return obj.participant_label()

    @admin.display(description=_("comment"))
    def comment_text(self, obj: CourseRating) -> str:
        # The first words: the whole text is on the rating's page.
        text = obj.comment.strip()
        return text if len(text) <= 80 else text[:79] + "…"

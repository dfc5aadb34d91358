"""Memories in the admin: each post with its items as thumbnails (signed URLs) and its
tags. Staff read and delete here; deleting goes through memories.services (hidden at once,
removed with its files by the nightly job)."""

from __future__ import annotations

from django.contrib import admin
from django.core.files.storage import storages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import BaseAdmin
from files.config import PRIVATE
from files.stored import image_urls
from memories import services
from memories.models import ItemKind, Memory, MemoryItem


def item_preview(item: MemoryItem) -> str:
    """A photo's thumbnail, or a link to a video, through signed URLs."""
    if item.kind == ItemKind.PHOTO:
        urls = image_urls(item.stored)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" '
            'style="max-height:80px;margin:2px"></a>',
            urls["url"],
            urls["thumbnail_url"],
        )
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        storages[PRIVATE].url(item.name),
        _("video"),
    )


@admin.register(Memory)
class MemoryAdmin(BaseAdmin):
    list_display = (
        "row_id",
        "taken_on",
        "caption_text",
        "course",
        "audience",
        "author",
        "previews",
    )
    list_filter = ("audience", "taken_on")
    list_select_related = ("course", "author")
    search_fields = ("caption", "course__name")
    date_hierarchy = "taken_on"
    fields = (
        "caption",
        "course",
        "taken_on",
        "audience",
        "author",
        "created_at",
        "deleted_at",
        "tagged",
        "previews",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .live()
            .prefetch_related("items", "tags__child", "tags__student__user")
        )

    def has_add_permission(self, request):
        return False  # posts carry files: they are made at POST /api/memories/

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("caption"))
    def caption_text(self, obj: Memory) -> str:
        return obj.caption[:60]

    @admin.display(description=_("items"))
    def previews(self, obj: Memory) -> str:
        return format_html_join("", "{}", ((item_preview(item),) for item in obj.items.all()))

    @admin.display(description=_("tagged participants"))
    def tagged(self, obj: Memory) -> str:
        return "، ".join(tag.participant_label() for tag in obj.tags.all()) or "—"

    def delete_model(self, request, obj):
        services.memory_delete(memory=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for memory in queryset:
            services.memory_delete(memory=memory, actor=request.user)

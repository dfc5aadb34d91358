from django.contrib import admin

from core.admin import BaseAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(BaseAdmin):
    list_display = ("row_id", "recipient", "kind", "title", "created_at", "read_at")
    list_select_related = ("recipient",)
    list_filter = ("kind", "read_at")
    search_fields = ("recipient__phone_number1", "title")
    autocomplete_fields = ("recipient",)

from django.contrib import admin

from core.admin import BaseAdmin, ServiceAdminMixin, call_service
from notifications import services
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ServiceAdminMixin, BaseAdmin):
    list_display = ("row_id", "recipient", "kind", "title", "created_at", "read_at")
    list_select_related = ("recipient",)
    list_filter = ("kind", "read_at")
    search_fields = ("recipient__phone_number1", "title")
    autocomplete_fields = ("recipient",)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A notification written by staff is created like any other (no SMS from here).
        data = form.cleaned_data
        created = call_service(
            services.notification_create,
            recipient=data["recipient"],
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            data=data["data"],
        )
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False
        return None

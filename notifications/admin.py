from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import BaseAdmin, ServiceAdminMixin, call_service
from core.labels import NOTIFICATION_KINDS
from notifications import services
from notifications.models import Notification


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(NOTIFICATION_KINDS.items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class NotificationForm(forms.ModelForm):
    """The kind is chosen by its Arabic name; a stored kind without one stays selectable.
    ``data`` (the ids the apps read) is not staff's reading and stays off the form."""

    class Meta:
        model = Notification
        fields = ("recipient", "kind", "title", "body", "read_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(NOTIFICATION_KINDS.items())
        if self.instance.kind and self.instance.kind not in NOTIFICATION_KINDS:
            choices.append((self.instance.kind, self.instance.kind))
        self.fields["kind"] = forms.ChoiceField(label=_("kind"), choices=choices)


@admin.register(Notification)
class NotificationAdmin(ServiceAdminMixin, BaseAdmin):
    form = NotificationForm
    list_display = ("row_id", "recipient", "kind_text", "title", "created_at", "read_at")
    list_select_related = ("recipient",)
    list_filter = (KindFilter, "read_at")
    search_fields = ("recipient__phone_number1", "title")
    autocomplete_fields = ("recipient",)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_text(self, obj) -> str:
        return obj.kind_text

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
            data={},
        )
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False
        return None

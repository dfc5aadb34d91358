"""Admin plumbing shared by every app: saves through services, guarded deletes, display.

The admin is an interface layer like the API: it calls the services, and a service that
refuses (a ``DomainError`` or a ``ValidationError``) shows as an error on the form, with
nothing written — never as a success message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core.admin_export import ExportMixin
from core.display import (  # noqa: F401 (the admins of every app format with these)
    LRI,
    PDI,
    date_text,
    datetime_text,
    decimal_text,
    money_text,
    time_range_text,
    time_text,
    yes_no_text,
)
from core.errors import DomainError
from core.labels import JOB_COUNTS, JOB_NAMES, label
from core.models import JobLog

# "View site" would lead to the API root, which is not a page for the center's staff.
admin.site.site_url = None


def _unregister_token_tables() -> None:
    """simplejwt's token tables are plumbing, and an outstanding token is a credential:
    they have no place on the staff's pages (logout and password changes handle them)."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    for model in (BlacklistedToken, OutstandingToken):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_token_tables()


def ltr_text(value: object) -> str:
    return f"{LRI}{value}{PDI}" if value not in (None, "") else ""


def ltr_html(value: object) -> str:
    """A value that reads left to right (a phone number) inside the right-to-left page."""
    if value in (None, ""):
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


def _boolean_icon(value: bool | None) -> str:
    """Django's yes/no/unknown icon, its text in words ("True" otherwise): the change
    lists and the read-only fields of every admin take the icon from here."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    return format_html(
        '<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), yes_no_text(value)
    )


admin_list._boolean_icon = _boolean_icon


def label_through(model: type[models.Model], field: str, singular, plural) -> None:
    """Arabic names for the table Django makes for a many-to-many field (shown on delete
    confirmation pages and in permissions), which otherwise reads "course-tag relationship"."""
    through = model._meta.get_field(field).remote_field.through
    if through._meta.auto_created:
        through._meta.verbose_name = singular
        through._meta.verbose_name_plural = plural
        through.__str__ = _through_str  # "course — tag", not "Course_tags object (1)"


def _through_str(self) -> str:
    return " — ".join(str(getattr(self, f.name)) for f in self._meta.fields if f.is_relation)


# --- saves through services ---------------------------------------------------------------


class ServiceRefused(Exception):
    """A service refused an admin save; carries (field or None, messages) pairs, for the
    page's form or, with ``form_prefix``, for that form of an inline (a row)."""

    def __init__(
        self, errors: list[tuple[str | None, Any]], *, form_prefix: str | None = None
    ) -> None:
        super().__init__(errors)
        self.errors = errors
        self.form_prefix = form_prefix


def refusal_errors(exc: Exception) -> list[tuple[str | None, Any]]:
    if isinstance(exc, DomainError):
        return [(exc.field, str(exc.message))]
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [
            (None if name == NON_FIELD_ERRORS else name, msgs)
            for name, msgs in exc.message_dict.items()
        ]
    if isinstance(exc, ValidationError):
        return [(None, exc.messages)]
    raise exc


def refusal_text(exc: Exception) -> str:
    """A refusal as the sentences a message shows: no field names, lists or brackets."""
    if isinstance(exc, ServiceRefused):
        errors = exc.errors
    elif isinstance(exc, DomainError | ValidationError):
        errors = refusal_errors(exc)
    else:
        errors = [(None, str(exc))]
    sentences = []
    for _field, found in errors:
        sentences.extend(found if isinstance(found, list | tuple) else [found])
    return " ".join(str(sentence) for sentence in sentences)


def call_service(service: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Call a service from an admin save; a refusal becomes form errors (see the mixin)."""
    try:
        return service(**kwargs)
    except (DomainError, ValidationError) as exc:
        raise ServiceRefused(refusal_errors(exc)) from exc


def _add_errors(form: forms.BaseForm, errors) -> None:
    for field, message in errors:
        form.add_error(field if field in form.fields else None, message)


def _form_with_errors(form_class: type[forms.BaseForm], errors) -> type[forms.BaseForm]:
    class RefusedForm(form_class):
        def _post_clean(self) -> None:
            super()._post_clean()
            _add_errors(self, errors)

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


def _formset_with_errors(formset_class, form_prefix: str, errors):
    class RefusedFormSet(formset_class):
        def full_clean(self) -> None:
            super().full_clean()
            for form in self.forms:
                if form.prefix == form_prefix:
                    _add_errors(form, errors)

    RefusedFormSet.__name__ = formset_class.__name__
    return RefusedFormSet


class ServiceAdminMixin:
    """Admin saves go through services; a refusal is shown on the form and nothing is saved.

    ``changeform_view`` runs in a transaction: when ``save_model``/``save_formset`` raise
    :class:`ServiceRefused` (via :func:`call_service`), the transaction rolls back and the
    page is rendered again from the same POST with the refusal added to the form — or to
    the inline's row the refusal names (``form_prefix``), next to its field.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            request._service_refused = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "_service_refused", None)
        if refused is None or refused.form_prefix is not None:
            return form
        return _form_with_errors(form, refused.errors)

    def get_formsets_with_inlines(self, request, obj=None):
        refused = getattr(request, "_service_refused", None)
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if refused is not None and refused.form_prefix is not None:
                formset = _formset_with_errors(formset, refused.form_prefix, refused.errors)
            yield formset, inline


# --- deletes that history forbids -------------------------------------------------------------


class GuardedDeleteMixin:
    """``delete_refusal(obj)`` names why an object must stay; the delete page and the bulk
    action then explain it in a message instead of answering a bare 403 or, worse,
    "successfully deleted"."""

    def delete_refusal(self, obj) -> str | None:
        return None

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        allowed = obj is not None and self.has_delete_permission(request, obj)
        refusal = self.delete_refusal(obj) if allowed else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            opts = self.model._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[obj.pk],
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(url)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_guarded_delete(func), name, description)
        return actions


def _guarded_delete(delete_selected):
    def action(modeladmin, request, queryset):
        refused = [(obj, modeladmin.delete_refusal(obj)) for obj in queryset]
        refused = [(obj, reason) for obj, reason in refused if reason]
        if refused:
            for obj, reason in refused:
                modeladmin.message_user(request, f"{obj}: {reason}", messages.ERROR)
            return None  # nothing deleted: back to the list with the reasons
        return delete_selected(modeladmin, request, queryset)

    return action


# --- the base every model admin of ours uses --------------------------------------------------


class BaseAdmin(ExportMixin, admin.ModelAdmin):
    """Phone inputs left to right, times without seconds, the ID column in Arabic; every
    list exports its rows to Excel and CSV (``core.admin_export``)."""

    formfield_overrides = {
        PhoneNumberField: {"widget": forms.TextInput(attrs={"dir": "ltr", "class": "vTextField"})},
        models.TimeField: {"widget": widgets.AdminTimeWidget(format="%H:%M")},
    }

    @admin.display(description=_("ID"), ordering="pk")
    def row_id(self, obj) -> int:
        return obj.pk


class ReadOnlyAdmin(BaseAdmin):
    """Pages that show what the services and jobs wrote; nothing is added, changed or
    deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class JobNameFilter(admin.SimpleListFilter):
    title = _("job")
    parameter_name = "job_name"

    def lookups(self, request, model_admin):
        return [(code, name) for code, name in JOB_NAMES.items()]

    def queryset(self, request, queryset):
        return queryset.filter(job_name=self.value()) if self.value() else queryset


def counts_text(counts: dict | None) -> str:
    """A job run's numbers in words: "صفوف المحاضرات: 3، …" (dates and other values left
    out: the run's date is its own column)."""
    numbers = {k: v for k, v in (counts or {}).items() if isinstance(v, int)}
    return "، ".join(f"{label(JOB_COUNTS, k)}: {v}" for k, v in numbers.items())


@admin.register(JobLog)
class JobLogAdmin(ReadOnlyAdmin):
    list_display = ("job_text", "run_date", "status", "started_at", "counts_column")
    list_filter = (JobNameFilter, "status")
    date_hierarchy = "started_at"
    fields = (
        "job_text",
        "run_date",
        "status",
        "started_at",
        "finished_at",
        "counts_column",
        "error",
    )

    @admin.display(description=_("job"), ordering="job_name")
    def job_text(self, log) -> str:
        return label(JOB_NAMES, log.job_name)

    @admin.display(description=_("counts"))
    def counts_column(self, log) -> str:
        return counts_text(log.counts)


class BaseInline:
    formfield_overrides = BaseAdmin.formfield_overrides

"""A photo on an admin change page (§6.8): the stored image shown, a new one taken, or the
current one removed — through the owner's photo service, as the API does (processing,
random names, the replaced files removed after the commit).

:class:`PhotoAdminMixin` goes after ``core.admin.ServiceAdminMixin`` in a model admin's
bases. The change page gets a "photo" section: the thumbnail linking to the full image
(signed, expiring URLs for private files; plain ones for public files), a file input and a
"remove" box. Change lists may show the thumbnail too (``photo_thumbnail``): the URLs are
made from the row's own JSON value, so a list runs no query per row.

The service runs last in the admin's transaction (``save_related``), so a refused field
stops the save before any image is decoded. A refused file (``file_type_not_allowed``,
``file_too_large``, ``image_invalid``) shows under the file input and the whole save rolls
back. When the transaction rolls back after the new files were written (a later step
failed), they are removed here: the row keeps pointing at the old ones, which stay.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceRefused
from core.errors import DomainError
from files.photos import image_delete
from files.stored import image_urls

UPLOAD = "photo_upload"
REMOVE = "photo_remove"
SHOWN = "photo_shown"
FORM_FIELDS = (UPLOAD, REMOVE)
# What the file input offers to pick; the content decides what is accepted.
ACCEPT = "image/jpeg,image/png,image/webp"


def _upload_help() -> str:
    return gettext("A JPEG, PNG or WebP image of at most %(mb)s MB.") % {
        "mb": settings.UPLOAD_MAX_MB
    }


class FilePicker(forms.FileInput):
    """A file input under a button of the page's own words: a browser labels its native
    file input in its own language ("Choose File"), whatever the page's. ``accept`` is
    what the browser offers to pick; the content decides what is accepted."""

    class Media:
        js = ("files/photo_picker.js",)

    def __init__(self, *, accept: str = "", choose=None, empty=None, attrs=None) -> None:
        super().__init__(attrs)
        self.accept = accept
        self.choose = choose or _("Choose a file")
        self.empty = empty or _("No file chosen.")

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "class": "photo-picker-input"}
        if self.accept:
            attrs["accept"] = self.accept
        empty = str(self.empty)
        return format_html(
            '<span class="photo-picker">{}<label for="{}" class="button photo-picker-button">'
            '{}</label><span class="photo-picker-name" data-empty="{}">{}</span></span>',
            super().render(name, value, attrs, renderer),
            attrs.get("id", ""),
            self.choose,
            empty,
            empty,
        )


class PhotoPicker(FilePicker):
    def __init__(self, attrs=None) -> None:
        super().__init__(
            accept=ACCEPT, choose=_("Choose a photo"), empty=_("No photo chosen."), attrs=attrs
        )


def photo_form(base: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """``base`` with the file input and the "remove" box, and the rule that joins them."""

    def clean(self):
        data = base.clean(self)
        if data.get(UPLOAD) and data.get(REMOVE):
            self.add_error(REMOVE, _("Choose a new photo or remove the current one, not both."))
        return data

    return type(
        base.__name__,
        (base,),
        {
            UPLOAD: forms.FileField(
                label=_("New photo"),
                required=False,
                # An empty file is refused by the service, with the API's words.
                allow_empty_file=True,
                widget=PhotoPicker(),
                help_text=_upload_help(),
            ),
            REMOVE: forms.BooleanField(label=_("Remove the photo"), required=False),
            "clean": clean,
        },
    )


class PhotoAdminMixin:
    """The photo section of a change page. Subclasses name the model's JSON column and
    call their app's photo services."""

    photo_field = "photo"
    photo_title = _("Photo")
    # A spreadsheet has no use for a thumbnail (nor for a link that expires).
    export_skipped = ("photo_thumbnail",)

    def photo_set(self, request, obj, upload) -> dict[str, Any]:
        """Call the service that stores ``upload`` as ``obj``'s photo; the stored value."""
        raise NotImplementedError

    def photo_remove(self, request, obj) -> None:
        raise NotImplementedError

    def photo_value(self, obj) -> dict[str, Any] | None:
        """The stored value shown (an instructor's is their user's)."""
        return getattr(obj, self.photo_field)

    # --- what is shown ---------------------------------------------------------------------

    @admin.display(description=_("Current photo"))
    def photo_shown(self, obj) -> str:
        shown = image_urls(self.photo_value(obj)) if obj is not None else None
        if not shown:
            return gettext("No photo.")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">'
            '<img src="{}" alt="{}" class="admin-photo"></a>'
            '<div class="admin-photo-size"><bdi dir="ltr">{} × {}</bdi></div>',
            shown["url"],
            shown["thumbnail_url"],
            gettext("Photo"),
            shown["width"],
            shown["height"],
        )

    @admin.display(description=_("photo"))
    def photo_thumbnail(self, obj) -> str:
        shown = image_urls(self.photo_value(obj))
        if not shown:
            return ""
        return format_html(
            '<img src="{}" alt="{}" class="admin-photo-thumbnail" loading="lazy">',
            shown["thumbnail_url"],
            gettext("Photo"),
        )

    # --- the form ----------------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if obj is None else (*fields, SHOWN)

    def _takes_photo(self, request, obj) -> bool:
        return obj is not None and self.has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._takes_photo(request, obj):
            kwargs["form"] = photo_form(kwargs.get("form", self.form))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        ours = {SHOWN, *FORM_FIELDS}
        kept = [
            (title, {**options, "fields": [f for f in options["fields"] if f not in ours]})
            for title, options in fieldsets
        ]
        # Staff who may only look see the photo, not the inputs.
        shown = (SHOWN, *FORM_FIELDS) if self._takes_photo(request, obj) else (SHOWN,)
        return [*kept, (self.photo_title, {"fields": shown})]

    # --- saving --------------------------------------------------------------------------------

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if not change or UPLOAD not in form.fields:
            return
        upload = form.cleaned_data.get(UPLOAD)
        try:
            if upload:
                request._photo_written = self.photo_set(request, form.instance, upload)
            elif form.cleaned_data.get(REMOVE):
                self.photo_remove(request, form.instance)
        except DomainError as exc:
            raise ServiceRefused([(UPLOAD, str(exc.message))]) from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except BaseException:
            # The admin's transaction rolled back: the row keeps its old photo, so files
            # written for the new one belong to nothing.
            written: Any = request.__dict__.pop("_photo_written", None)
            image_delete(written)
            raise

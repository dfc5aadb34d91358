"""Large files on an admin change page (a lesson's video and materials), bounded as the
API bounds them (files.uploads) and stored through the same services.

Django reads a POST's body the first time something asks for ``request.POST``. On an
admin page that is the CSRF check, before the admin's own view runs, with the default
upload handlers: any file, however large, would be written whole to a temporary file.
:class:`UploadsAdminMixin` therefore serves its change page through :func:`bounded_view`:
the URL's view is exempt from the CSRF middleware's early check, puts
:class:`FormUploadLimitHandler` first among the request's upload handlers, reads the body
within its limits, and only then hands the request to the admin's view, which checks the
CSRF token as every admin view does (``admin_site.admin_view`` and ``csrf_protect_m``).

The limits, from the model admin's ``upload_limits(request)``:

- the body: a ``Content-Length`` over the page's total (+ multipart framing) is refused
  before a byte of it is read. No form can show the error (its fields were not read):
  the page is shown again with the error in a message.
- each file: its field's limit, counted chunk by chunk. Past the limit the part's bytes
  are read and dropped (what the other handlers kept of it is freed), and the field
  receives a :class:`RefusedUpload` instead of a file; :class:`BoundedFileField` shows
  the refusal (``file_too_large``, the API's words) under its input, on the form as sent.
  A file part of a field the page does not name may hold nothing.

Staff who may not change the page's objects get no room for files at all.

What the services store runs inside the admin's transaction; when it rolls back (a later
refusal, a failure), :meth:`UploadsAdminMixin.upload_written` has recorded the new files
and they are removed, as files.admin_photos does for photos.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponseRedirect
from django.urls.resolvers import URLPattern
from django.utils.translation import gettext as _

from core.errors import Invalid
from files.photos import image_delete
from files.uploads import FRAMING_BYTES, UploadLimitHandler, too_large, upload_max_bytes


@dataclass(frozen=True)
class UploadLimits:
    """The most a page's POST may carry: ``total_mb`` for the body, and per file field
    (its name without a form's prefix: ``video_upload``, an inline's ``upload``) its MB."""

    total_mb: int = 0
    fields: dict[str, int] = field(default_factory=dict)

    def field_mb(self, field_name: str) -> int:
        # "materials-3-upload" is the "upload" field of an inline's fourth row.
        return self.fields.get(field_name.rsplit("-", 1)[-1], 0)


class RefusedUpload(UploadedFile):
    """What a field receives for a file refused while the body was read: its name, the
    size read before the refusal, and the refusal — none of its bytes."""

    def __init__(self, name: str, content_type: str, size: int, refusal: Invalid) -> None:
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)
        self.refusal = refusal


class FormUploadLimitHandler(UploadLimitHandler):
    """First among a form page's upload handlers: the body within ``limits.total_mb``,
    each file within its field's limit (see the module)."""

    def __init__(self, request=None, *, limits: UploadLimits) -> None:
        super().__init__(request, limit=upload_max_bytes(limits.total_mb))
        self.limits = limits
        self.file_mb = 0
        self.refusal: Invalid | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + FRAMING_BYTES:
            raise Invalid(
                "file_too_large",
                _("The files sent together are larger than %(mb)s MB.")
                % {"mb": self.limits.total_mb},
                field="file",
            )

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.file_mb = self.limits.field_mb(field_name)
        self.refusal = None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.refusal is None and self.received > upload_max_bytes(self.file_mb):
            self.refusal = too_large(self.file_mb)
            self._free_later_handlers_file()
        # Nothing of a refused file goes further: the rest of it is read and dropped.
        return None if self.refusal is not None else raw_data

    def file_complete(self, file_size):
        if self.refusal is None:
            return None  # the next handler's file (in memory or a temporary file)
        return RefusedUpload(self.file_name, self.content_type, self.received, self.refusal)

    def _free_later_handlers_file(self) -> None:
        # What the next handler wrote of this file so far (a temporary file is deleted on
        # close); Django's parser frees its handlers' ``file`` the same way on a skip.
        for handler in getattr(self.request, "upload_handlers", ()):
            if handler is not self and hasattr(handler, "file"):
                handler.file.close()


class BoundedFileField(forms.FileField):
    """A file field that shows a :class:`RefusedUpload`'s refusal as its error."""

    def to_python(self, data):
        if isinstance(data, RefusedUpload):
            raise ValidationError(str(data.refusal.message), code=data.refusal.code)
        return super().to_python(data)


def bounded_view(view: Callable, limits: Callable[[Any], UploadLimits]) -> Callable:
    """``view`` (a URL's view that checks CSRF itself) with the upload limits in place
    before anything reads the body."""

    @wraps(view)
    def bounded(request, *args, **kwargs):
        if request.method == "POST":
            allowed = limits(request)
            request.upload_handlers.insert(0, FormUploadLimitHandler(request, limits=allowed))
            try:
                request.POST  # noqa: B018 - the body, read here within the limits
            except Invalid as refused:
                if allowed.total_mb:  # (a visitor is sent on to the login page, unexplained)
                    messages.error(request, str(refused.message))
                return HttpResponseRedirect(request.get_full_path())
        return view(request, *args, **kwargs)

    # The middleware would read the body before the limits are in place; ``view`` checks
    # the token itself (the admin's views all do), once the body has been read here.
    bounded.csrf_exempt = True
    return bounded


class UploadsAdminMixin:
    """A model admin whose change page takes files: goes after
    ``core.admin.ServiceAdminMixin`` in the bases. Subclasses say the limits."""

    def upload_limits(self, request) -> UploadLimits:
        raise NotImplementedError

    def _limits_for(self, request) -> UploadLimits:
        if not (self.admin_site.has_permission(request) and self.has_change_permission(request)):
            return UploadLimits()
        return self.upload_limits(request)

    def get_urls(self):
        change = f"{self.opts.app_label}_{self.opts.model_name}_change"
        return [
            URLPattern(
                url.pattern,
                bounded_view(url.callback, self._limits_for),
                url.default_args,
                url.name,
            )
            if getattr(url, "name", None) == change
            else url
            for url in super().get_urls()
        ]

    def upload_written(self, request, stored: dict[str, Any]) -> None:
        """Note a file a service stored during this save (removed if the save rolls back)."""
        request.__dict__.setdefault("_uploads_written", []).append(stored)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except BaseException:
            # The admin's transaction rolled back: the rows the services wrote are gone,
            # and so must their files be (the files they replaced were kept).
            for stored in request.__dict__.pop("_uploads_written", []):
                image_delete(stored)
            raise

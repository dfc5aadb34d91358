"""How a stored image shows in the API, and the upload body for the schema."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from files.stored import image_urls


class PhotoSerializer(serializers.Serializer):
    """A photo or course image: its URL and its thumbnail's (for a private file both
    expire after ``MEDIA_URL_TTL`` seconds: ask for the object again for fresh ones)."""

    url = serializers.URLField()
    thumbnail_url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class PhotoUploadSerializer(serializers.Serializer):
    """``multipart/form-data`` with one part, ``file``: a JPEG, PNG or WebP image."""

    file = serializers.ImageField()


def absolutize(shown: dict | None, request) -> dict | None:
    """Make a shown photo's URLs absolute against the request, in place: a filesystem
    URL is a path, and the SPA runs on another origin."""
    if shown and request is not None:
        for key in ("url", "thumbnail_url"):
            if shown[key].startswith("/"):
                shown[key] = request.build_absolute_uri(shown[key])
    return shown


def absolute_urls(value: dict | None, request) -> dict | None:
    """A stored value as the API shows it, with absolute URLs."""
    return absolutize(image_urls(value), request)


@extend_schema_field(PhotoSerializer(allow_null=True))
class PhotoField(serializers.Field):
    """Read-only: the owner's stored image as :class:`PhotoSerializer`, or null.

    A serializer whose fields are shared between instances (core.serializers'
    FieldsOnceMixin) has no request here: it calls :func:`absolutize` itself."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return absolute_urls(value, self.context.get("request"))

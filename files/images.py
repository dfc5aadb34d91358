"""Photo processing (§6.8): what an uploaded photo becomes before it is stored.

Accepted: JPEG, PNG and WebP, judged by the content (never the name or declared type), at
most ``UPLOAD_MAX_MB`` and 40 megapixels. The image is decoded, turned upright by its EXIF
orientation and re-encoded without metadata, long side at most 2048 px, with a thumbnail
of at most 320 px. Anything else raises :class:`core.errors.Invalid` on the ``file``
field with ``file_type_not_allowed``, ``file_too_large`` or ``image_invalid``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import Invalid

MAX_PIXELS = 40_000_000
LONG_SIDE = 2048
THUMBNAIL_SIDE = 320
# Pillow format → (extension, content type, save options)
FORMATS = {
    "JPEG": ("jpg", "image/jpeg", {"quality": 85, "optimize": True}),
    "PNG": ("png", "image/png", {"optimize": True}),
    "WEBP": ("webp", "image/webp", {"quality": 85}),
}


@dataclass(frozen=True)
class ProcessedImage:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    extension: str
    content_type: str


def upload_max_bytes() -> int:
    return settings.UPLOAD_MAX_MB * 1024 * 1024


def too_large() -> Invalid:
    return Invalid(
        "file_too_large",
        _("The file is larger than %(mb)s MB.") % {"mb": settings.UPLOAD_MAX_MB},
        field="file",
    )


def _invalid() -> Invalid:
    return Invalid("image_invalid", _("The image is damaged or too large to open."), field="file")


def _encode(image: Image.Image, pillow_format: str) -> bytes:
    extension, _type, options = FORMATS[pillow_format]
    if pillow_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif pillow_format != "JPEG" and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, pillow_format, **options)  # no exif=, no icc: nothing carried over
    return out.getvalue()


def process_photo(upload) -> ProcessedImage:
    """Check, decode, turn upright and re-encode ``upload`` (a Django UploadedFile or a
    binary file object)."""
    size = getattr(upload, "size", None)
    if size is not None and size > upload_max_bytes():
        raise too_large()
    upload.seek(0)
    data = upload.read(upload_max_bytes() + 1)
    if len(data) > upload_max_bytes():
        raise too_large()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            pillow_format = image.format
            if image.width * image.height > MAX_PIXELS:
                raise _invalid()
            image.load()
            image = ImageOps.exif_transpose(image)
    except UnidentifiedImageError as exc:
        raise Invalid(
            "file_type_not_allowed", _("Only JPEG, PNG and WebP images are accepted."), field="file"
        ) from exc
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _invalid() from exc
    except Image.DecompressionBombWarning as exc:
        raise _invalid() from exc
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    extension, content_type, _options = FORMATS[pillow_format]
    return ProcessedImage(
        image=_encode(image, pillow_format),
        thumbnail=_encode(thumbnail, pillow_format),
        width=image.width,
        height=image.height,
        extension=extension,
        content_type=content_type,
    )

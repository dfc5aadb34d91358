"""Photos: what is accepted, and the clean copies that are kept (SPEC §6.8 and §9).

:func:`process_photo` takes an upload and answers a :class:`ProcessedImage`, or raises
:class:`~core.errors.Invalid` on the field ``file`` with one of three codes:

- ``file_type_not_allowed``: the content is not JPEG, PNG or WebP. The type is judged by
  the first bytes (the format's signature) and by Pillow reading the file with that one
  format's reader; the file's name and declared content type are never looked at, so a PNG
  named ``photo.jpg`` is a PNG and a text file named ``photo.jpg`` is refused.
- ``file_too_large``: more than ``UPLOAD_MAX_MB`` mebibytes (2**20 bytes; default 10),
  judged from the upload's ``size`` before anything is read.
- ``image_invalid``: the file is empty, cannot be decoded (truncated, damaged, a polyglot
  whose image part is broken), or is larger than ``MAX_PIXELS`` — judged from the header,
  before a single pixel is decoded, so a decompression bomb costs nothing.

What is kept is decoded and encoded again — never the uploaded bytes — so nothing that
rode along in the file survives: no EXIF (GPS, camera, orientation), no XMP, no comments,
no ICC profile, no data appended after the image. The pixels are turned upright by the EXIF
orientation, converted to sRGB when the file carried a colour profile, and scaled so that
the long side is at most ``LONG_SIDE`` (the thumbnail: ``THUMBNAIL_SIDE``); smaller images
keep their size.

The output keeps the input's format: JPEG stays JPEG (quality 85, progressive; transparency
cannot occur), PNG stays PNG (lossless, with its transparency: a PNG is often a drawing or a
screenshot that lossy coding would smear), WebP stays WebP (quality 85, with its
transparency). An animated PNG or WebP keeps its first frame.

Memory: Pillow reads the upload through its file object (a temporary file for large
uploads), so the file is never held in memory as a whole. A large JPEG is decoded at a
reduced scale (libjpeg's DCT scaling through ``Image.draft``) when that still leaves at
least the target size, which cuts decoding time and memory by the square of the scale.
The peak is the decoded pixels (4 bytes each) and the scaling's intermediate: about 80 MB
for a 12-megapixel JPEG (benchmarks/photos.py), about 100 MB at most for any JPEG (one
with a long side of 4096 or more is decoded at 1/2 or less). PNG and WebP have no reduced
decoding: a 40-megapixel PNG costs about 240 MB, and about 360 MB with transparency, which
Pillow scales premultiplied, in a second full copy.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

from core.errors import Invalid

MAX_PIXELS = 40_000_000
LONG_SIDE = 2048
THUMBNAIL_SIDE = 320
DEFAULT_UPLOAD_MAX_MB = 10
FIELD = "file"


@dataclass(frozen=True)
class ImageFormat:
    pillow: str  # the reader Image.open may use
    detected: frozenset[str]  # what that reader may report as ``format``
    extension: str
    content_type: str


# Phones write MPO (a JPEG with more pictures after the first); Pillow's JPEG reader
# reports it as such. The first picture is an ordinary JPEG.
JPEG = ImageFormat("JPEG", frozenset({"JPEG", "MPO"}), "jpg", "image/jpeg")
PNG = ImageFormat("PNG", frozenset({"PNG"}), "png", "image/png")
WEBP = ImageFormat("WEBP", frozenset({"WEBP"}), "webp", "image/webp")
# The first bytes read: the three signatures, and a WebP's first chunk with its size.
HEAD_LENGTH = 30
# Everything Pillow may raise on a file that is not what its header promised.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


@dataclass(frozen=True)
class ProcessedImage:
    image: bytes  # upright, no metadata, long side <= LONG_SIDE, encoded again
    thumbnail: bytes  # long side <= THUMBNAIL_SIDE
    width: int  # of ``image``
    height: int
    extension: str  # "jpg" | "png" | "webp"
    content_type: str


def upload_limit_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_MB", DEFAULT_UPLOAD_MAX_MB) * 1024 * 1024)


def sniff_format(head: bytes) -> ImageFormat | None:
    """The accepted format whose signature ``head`` (the file's first bytes) starts with."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def webp_size(head: bytes) -> tuple[int, int] | None:
    """The canvas size a WebP's first chunk declares (``head``: its first 30 bytes)."""
    chunk, data = head[12:16], head[20:30]
    if len(data) < 10:
        return None
    if chunk == b"VP8X":  # extended: 24-bit canvas width and height, minus one
        return int.from_bytes(data[4:7], "little") + 1, int.from_bytes(data[7:10], "little") + 1
    if chunk == b"VP8 " and data[3:6] == b"\x9d\x01\x2a":  # lossy: 14-bit sizes
        return (
            int.from_bytes(data[6:8], "little") & 0x3FFF,
            int.from_bytes(data[8:10], "little") & 0x3FFF,
        )
    if chunk == b"VP8L" and data[0] == 0x2F:  # lossless: 14-bit sizes minus one, packed
        bits = int.from_bytes(data[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def process_photo(upload: Any) -> ProcessedImage:
    """The upright, metadata-free copy of the photo ``upload`` and its thumbnail.

    ``upload`` is a Django ``UploadedFile`` or any binary file object; its ``size`` is used
    when it has one. Raises :class:`Invalid` (``file_type_not_allowed``, ``file_too_large``,
    ``image_invalid``; field ``file``) and then keeps nothing.
    """
    source = _bounded_source(upload)
    source.seek(0)
    head = source.read(HEAD_LENGTH)
    if not head:
        raise Invalid("image_invalid", _("The file is empty."), field=FIELD)
    kind = sniff_format(head)
    if kind is None:
        raise _not_allowed()
    if kind is WEBP and (size := webp_size(head)) is not None:
        # Pillow's WebP reader sets up its decoder, canvas included, before it reports the
        # size: a WebP is measured here first.
        _check_pixels(size)
    source.seek(0)
    try:
        with Image.open(source, formats=[kind.pillow]) as opened:
            if opened.format not in kind.detected:
                raise _not_allowed()
            _check_pixels(opened.size)
            image = _decode(opened, kind)
            data, width, height = _encode(image, kind, LONG_SIDE)
            thumbnail, _width, _height = _encode(image, kind, THUMBNAIL_SIDE)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except DECODE_ERRORS:
        # Image.UnidentifiedImageError is an OSError: the signature matched, the rest did not.
        raise _damaged() from None
    return ProcessedImage(
        image=data,
        thumbnail=thumbnail,
        width=width,
        height=height,
        extension=kind.extension,
        content_type=kind.content_type,
    )


def _bounded_source(upload: Any) -> IO[bytes]:
    """``upload`` itself once its size is known to be within the limit.

    The size comes from ``upload.size`` when present, else from seeking to the end. A
    stream that cannot seek is read into memory, at most one byte over the limit: Pillow
    needs to seek, and this is then the only copy held.
    """
    limit = upload_limit_bytes()
    size = getattr(upload, "size", None)
    if size is None:
        try:
            size = upload.seek(0, os.SEEK_END)
            upload.seek(0)
        except (AttributeError, OSError, ValueError):
            upload = _read_at_most(upload, limit + 1)
            size = upload.getbuffer().nbytes
    if size > limit:
        raise Invalid(
            "file_too_large",
            _("The file is larger than %(limit)s MB.")
            % {"limit": getattr(settings, "UPLOAD_MAX_MB", DEFAULT_UPLOAD_MAX_MB)},
            field=FIELD,
        )
    return upload


def _read_at_most(stream: IO[bytes], count: int) -> io.BytesIO:
    buffered = io.BytesIO()
    while buffered.tell() < count:
        chunk = stream.read(min(count - buffered.tell(), 1024 * 1024))
        if not chunk:
            break
        buffered.write(chunk)
    return buffered


def _not_allowed() -> Invalid:
    return Invalid("file_type_not_allowed", _("Upload a JPEG, PNG or WebP image."), field=FIELD)


def _damaged() -> Invalid:
    return Invalid("image_invalid", _("The image is damaged or incomplete."), field=FIELD)


def _too_many_pixels() -> Invalid:
    return Invalid(
        "image_invalid",
        _("The image is larger than %(limit)s megapixels.") % {"limit": MAX_PIXELS // 10**6},
        field=FIELD,
    )


def _check_pixels(size: tuple[int, int]) -> None:
    """The header's size, as ``Image.open`` reads it before any pixel is decoded."""
    width, height = size
    if width < 1 or height < 1:
        raise _damaged()
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down so that its long side is at most ``side`` (never up)."""
    width, height = size
    scale = side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode(opened: Image.Image, kind: ImageFormat) -> Image.Image:
    """The pixels of ``opened``: at most ``LONG_SIDE`` on the long side, upright, in sRGB
    RGB, RGBA or L, and with no metadata attached."""
    opened.seek(0)  # the first frame of an animation
    if kind is JPEG:
        # DCT scaling: decode at 1/2, 1/4 or 1/8 while that stays at least the target size.
        opened.draft("RGB", _fit(opened.size, LONG_SIDE))
    opened.load()
    icc_profile = opened.info.get("icc_profile")
    image = _plain_mode(opened)
    target = _fit(image.size, LONG_SIDE)
    if target != image.size:
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    # The long-side cap does not depend on the orientation, so the (cheaper) transposition
    # runs on the scaled pixels; ``resize`` and ``convert`` carry the EXIF along in ``info``.
    ImageOps.exif_transpose(image, in_place=True)
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    image.info = {}
    return image


def _plain_mode(image: Image.Image) -> Image.Image:
    """RGB, RGBA (any transparency) or L: the modes every output format writes."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or ("transparency" in image.info)
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):
        # 16-bit grey: keep the high byte (``convert`` would clip at 255).
        return image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """``image`` converted from its embedded profile to sRGB; as it is when the profile
    cannot be read (a damaged profile should not refuse the photo)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image,
            source,
            ImageCms.createProfile("sRGB"),
            outputMode=image.mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _encode(image: Image.Image, kind: ImageFormat, side: int) -> tuple[bytes, int, int]:
    """``image`` scaled to ``side`` and encoded as ``kind``, with nothing but pixels."""
    target = _fit(image.size, side)
    if target != image.size:
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    if kind is JPEG:
        image.save(out, "JPEG", quality=85, progressive=True, optimize=True)
    elif kind is PNG:
        image.save(out, "PNG", optimize=False, compress_level=6)
    else:
        image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue(), image.width, image.height

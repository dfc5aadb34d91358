"""Small images made on the spot for upload tests (Pillow), and reading them back."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(
    *, size: tuple[int, int] = (64, 48), fmt: str = "PNG", exif: Image.Exif | None = None
) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **options)
    return out.getvalue()


def image_upload(
    name: str = "photo.png", *, size: tuple[int, int] = (64, 48), fmt: str = "PNG", **kwargs
) -> SimpleUploadedFile:
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(
        name, image_bytes(size=size, fmt=fmt, **kwargs), content_type=content_type
    )


def gps_exif(*, orientation: int = 6) -> Image.Exif:
    """EXIF with a camera, a GPS position and an orientation (6: turn 90° clockwise)."""
    exif = Image.Exif()
    exif[0x0110] = "Camera X"  # Model
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {1: "N", 2: (30.0, 2.0, 0.0), 3: "E", 4: (31.0, 14.0, 0.0)}  # GPSInfo
    return exif


def read_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image

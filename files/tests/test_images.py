"""Photo processing (files.images.process_photo): what is accepted and what is kept.

Every image is built here with Pillow; the refused files are built byte by byte.
"""

from __future__ import annotations

import io
import struct
import zlib
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from PIL import ExifTags, Image, ImageCms, ImageFile, JpegImagePlugin

from core.errors import Invalid
from files.images import LONG_SIDE, THUMBNAIL_SIDE, process_photo, webp_size

RED, BLUE = (220, 20, 20), (20, 20, 220)
SECRET_MAKE = "SecretCam-9000"


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def halves(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: the orientation can be read from the pixels."""
    image = Image.new(mode, size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = SECRET_MAKE
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 2.0, 40.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (31.0, 14.0, 10.0)
    return exif


def camera_jpeg(size=(400, 200), orientation: int = 6) -> bytes:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        halves(size),
        "JPEG",
        quality=95,
        exif=camera_exif(orientation),
        icc_profile=srgb,
        comment=b"taken at home",
        xmp=b"<x:xmpmeta><tiff:Make>SecretCam-9000</tiff:Make></x:xmpmeta>",
    )


def is_near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def png_with_header_size(width: int, height: int) -> bytes:
    """A small real PNG whose IHDR claims ``width`` × ``height`` (CRC fixed)."""
    data = bytearray(encode(Image.new("RGB", (8, 8)), "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def jpeg_with_header_size(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) claims ``width`` × ``height``."""
    data = bytearray(encode(Image.new("RGB", (16, 16)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_variants() -> dict[str, bytes]:
    """A 300 × 200 WebP in each of the three layouts of its first chunk."""
    image = halves((300, 200))
    return {
        "VP8 ": encode(image, "WEBP", quality=80),
        "VP8L": encode(image, "WEBP", lossless=True),
        "VP8X": encode(image, "WEBP", quality=80, exif=camera_exif(1)),
    }


def webp_with_header_size(width: int, height: int) -> bytes:
    """A lossy WebP whose frame header claims ``width`` × ``height``."""
    data = bytearray(webp_variants()["VP8 "])
    data[26:30] = struct.pack("<HH", width, height)
    return bytes(data)


class ProcessPhotoTests(SimpleTestCase):
    def assertRefused(self, data_or_file, code: str) -> None:
        source = upload(data_or_file) if isinstance(data_or_file, bytes) else data_or_file
        with self.assertRaises(Invalid) as caught:
            process_photo(source)
        self.assertEqual(caught.exception.code, code)
        self.assertEqual(caught.exception.field, "file")

    # --- What is kept ------------------------------------------------------------------

    def test_a_jpeg_is_turned_upright_by_its_exif_orientation(self):
        # Orientation 6: the camera was turned a quarter clockwise; the viewer rotates the
        # stored picture 90° clockwise, so its left (red) half ends on top.
        result = process_photo(upload(camera_jpeg((400, 200), orientation=6)))

        self.assertEqual((result.width, result.height), (200, 400))
        image = Image.open(io.BytesIO(result.image))
        self.assertEqual(image.size, (200, 400))
        self.assertTrue(is_near(image.getpixel((100, 50)), RED))
        self.assertTrue(is_near(image.getpixel((100, 350)), BLUE))
        thumbnail = Image.open(io.BytesIO(result.thumbnail))
        self.assertTrue(is_near(thumbnail.getpixel((thumbnail.width // 2, 10)), RED))

    def test_orientation_3_turns_the_picture_upside_down(self):
        result = process_photo(upload(camera_jpeg((400, 200), orientation=3)))

        image = Image.open(io.BytesIO(result.image))
        self.assertEqual(image.size, (400, 200))
        self.assertTrue(is_near(image.getpixel((50, 100)), BLUE))
        self.assertTrue(is_near(image.getpixel((350, 100)), RED))

    def test_no_metadata_survives_in_the_image_or_the_thumbnail(self):
        original = camera_jpeg()
        self.assertIn(b"Exif", original)
        self.assertIn(SECRET_MAKE.encode(), original)

        result = process_photo(upload(original))

        for data in (result.image, result.thumbnail):
            image = Image.open(io.BytesIO(data))
            self.assertEqual(dict(image.getexif()), {})
            self.assertEqual(image.getexif().get_ifd(ExifTags.IFD.GPSInfo), {})
            for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
                self.assertNotIn(key, image.info)
            for marker in (b"Exif", b"GPS", b"xmpmeta", b"taken at home", SECRET_MAKE.encode()):
                self.assertNotIn(marker, data)

    def test_a_jpeg_stays_a_progressive_jpeg(self):
        result = process_photo(upload(camera_jpeg()))

        self.assertEqual((result.extension, result.content_type), ("jpg", "image/jpeg"))
        image = Image.open(io.BytesIO(result.image))
        self.assertEqual(image.format, "JPEG")
        self.assertTrue(image.info.get("progressive"))

    def test_the_long_side_is_capped_and_the_thumbnail_is_smaller(self):
        landscape = encode(halves((3000, 1000)), "PNG")
        portrait = encode(halves((2500, 4000)), "JPEG", quality=80)

        wide = process_photo(upload(landscape, "wide.png"))
        tall = process_photo(upload(portrait))

        self.assertEqual((wide.width, wide.height), (LONG_SIDE, 683))
        self.assertEqual(Image.open(io.BytesIO(wide.image)).size, (LONG_SIDE, 683))
        self.assertEqual(Image.open(io.BytesIO(wide.thumbnail)).size, (THUMBNAIL_SIDE, 107))
        self.assertEqual((tall.width, tall.height), (1280, LONG_SIDE))
        self.assertEqual(Image.open(io.BytesIO(tall.image)).size, (1280, LONG_SIDE))
        self.assertEqual(Image.open(io.BytesIO(tall.thumbnail)).size, (200, THUMBNAIL_SIDE))

    def test_a_large_jpeg_decoded_at_reduced_scale_still_fills_the_long_side(self):
        # 6000 × 4000: the DCT decodes at 1/2 (3000 × 2000), then scales to 2048.
        data = encode(halves((6000, 4000)), "JPEG", quality=70)
        draft = JpegImagePlugin.JpegImageFile.draft
        with mock.patch.object(
            JpegImagePlugin.JpegImageFile, "draft", autospec=True, side_effect=draft
        ) as spy:
            result = process_photo(upload(data))

        spy.assert_called_once()
        self.assertEqual(spy.call_args.args[2], (LONG_SIDE, 1365))
        self.assertEqual((result.width, result.height), (LONG_SIDE, 1365))
        image = Image.open(io.BytesIO(result.image))
        self.assertTrue(is_near(image.getpixel((100, 600)), RED))
        self.assertTrue(is_near(image.getpixel((1900, 600)), BLUE))

    def test_a_small_image_keeps_its_size(self):
        result = process_photo(upload(encode(halves((300, 100)), "JPEG")))

        self.assertEqual((result.width, result.height), (300, 100))
        self.assertEqual(Image.open(io.BytesIO(result.thumbnail)).size, (300, 100))

    def test_a_png_keeps_its_transparency(self):
        image = Image.new("RGBA", (600, 300), (0, 0, 0, 0))
        image.paste((10, 200, 10, 255), (300, 0, 600, 300))

        result = process_photo(upload(encode(image, "PNG"), "logo.png", "image/png"))

        self.assertEqual((result.extension, result.content_type), ("png", "image/png"))
        for data in (result.image, result.thumbnail):
            kept = Image.open(io.BytesIO(data))
            self.assertEqual((kept.format, kept.mode), ("PNG", "RGBA"))
            self.assertEqual(kept.getpixel((5, 5))[3], 0)
            self.assertEqual(kept.getpixel((kept.width - 5, 5))[3], 255)

    def test_a_palette_png_with_a_transparent_colour_keeps_it(self):
        image = Image.new("P", (40, 40), 0)
        image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
        image.paste(1, (20, 0, 40, 40))

        result = process_photo(upload(encode(image, "PNG", transparency=0)))

        kept = Image.open(io.BytesIO(result.image))
        self.assertEqual(kept.mode, "RGBA")
        self.assertEqual(kept.getpixel((5, 5))[3], 0)
        self.assertEqual(kept.getpixel((30, 5)), (200, 0, 0, 255))

    def test_a_png_loses_its_exif_and_text_chunks(self):
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", SECRET_MAKE)
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        data = encode(halves((64, 64)), "PNG", exif=camera_exif(1), pnginfo=text, icc_profile=srgb)
        self.assertIn(SECRET_MAKE.encode(), data)

        result = process_photo(upload(data, "a.png"))

        for data in (result.image, result.thumbnail):
            self.assertNotIn(SECRET_MAKE.encode(), data)
            for chunk in (b"eXIf", b"iCCP", b"tEXt", b"zTXt", b"iTXt"):
                self.assertNotIn(chunk, data)
            self.assertEqual(dict(Image.open(io.BytesIO(data)).getexif()), {})

    def test_a_webp_stays_webp_with_its_transparency_and_without_its_exif(self):
        image = Image.new("RGBA", (3000, 1500), (0, 0, 0, 0))
        image.paste((10, 10, 200, 255), (1500, 0, 3000, 1500))
        data = encode(image, "WEBP", quality=80, exif=camera_exif(1))
        self.assertIn(SECRET_MAKE.encode(), data)

        result = process_photo(upload(data, "a.webp", "image/webp"))

        self.assertEqual((result.extension, result.content_type), ("webp", "image/webp"))
        self.assertEqual((result.width, result.height), (LONG_SIDE, 1024))
        self.assertNotIn(SECRET_MAKE.encode(), result.image)
        kept = Image.open(io.BytesIO(result.image))
        self.assertEqual((kept.format, kept.size), ("WEBP", (LONG_SIDE, 1024)))
        self.assertEqual(dict(kept.getexif()), {})
        self.assertEqual(kept.convert("RGBA").getpixel((10, 10))[3], 0)
        self.assertEqual(Image.open(io.BytesIO(result.thumbnail)).size, (THUMBNAIL_SIDE, 160))

    def test_the_content_decides_the_type_not_the_name(self):
        png = encode(halves((50, 50)), "PNG")

        result = process_photo(upload(png, "holiday.jpg", "image/jpeg"))

        self.assertEqual((result.extension, result.content_type), ("png", "image/png"))

    def test_grey_cmyk_and_16_bit_images_are_kept_in_a_mode_their_format_writes(self):
        grey = process_photo(upload(encode(Image.new("L", (40, 40), 90), "JPEG")))
        cmyk = process_photo(upload(encode(Image.new("CMYK", (40, 40), (0, 255, 255, 0)), "JPEG")))
        deep = process_photo(upload(encode(Image.new("I;16", (40, 40), 60000), "PNG")))

        self.assertEqual(Image.open(io.BytesIO(grey.image)).mode, "L")
        red = Image.open(io.BytesIO(cmyk.image))
        self.assertEqual(red.mode, "RGB")
        self.assertTrue(is_near(red.getpixel((20, 20)), (255, 0, 0)))
        light = Image.open(io.BytesIO(deep.image))
        self.assertEqual(light.mode, "L")
        self.assertTrue(is_near((light.getpixel((20, 20)),), (234,), tolerance=2))

    def test_a_damaged_colour_profile_does_not_refuse_the_photo(self):
        data = encode(halves((40, 40)), "JPEG", icc_profile=b"not a profile" * 10)

        result = process_photo(upload(data))

        self.assertNotIn(b"not a profile", result.image)

    def test_a_file_object_without_a_size_is_measured_by_seeking(self):
        source = io.BytesIO(encode(halves((64, 32)), "JPEG"))

        result = process_photo(source)

        self.assertEqual((result.width, result.height), (64, 32))

    # --- What is refused ---------------------------------------------------------------

    def test_an_empty_file_is_refused(self):
        self.assertRefused(b"", "image_invalid")

    def test_files_that_are_not_jpeg_png_or_webp_are_refused_whatever_their_name(self):
        svg = (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)'
            b"</script><rect width='10' height='10'/></svg>"
        )
        pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
        gif = encode(Image.new("RGB", (10, 10)), "GIF")
        wave = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40
        for name, data in (
            ("text", b"just some text, named like a photo"),
            ("svg", svg),
            ("pdf", pdf),
            ("gif", gif),
            ("bmp", encode(Image.new("RGB", (10, 10)), "BMP")),
            ("riff wave", wave),
            ("two bytes of a jpeg", b"\xff\xd8"),
        ):
            with self.subTest(name):
                self.assertRefused(upload(data, "photo.jpg", "image/jpeg"), "file_type_not_allowed")

    def test_a_truncated_jpeg_is_refused(self):
        data = encode(halves((400, 300)), "JPEG", quality=90)

        self.assertRefused(data[: len(data) // 2], "image_invalid")

    def test_a_truncated_png_is_refused(self):
        data = encode(Image.frombytes("L", (200, 200), bytes(range(200)) * 200), "PNG")

        self.assertRefused(data[: len(data) // 2], "image_invalid")

    def test_a_jpeg_signature_in_front_of_a_script_is_refused(self):
        polyglot = b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"

        self.assertRefused(polyglot, "image_invalid")

    def test_a_payload_appended_to_a_real_jpeg_is_not_kept(self):
        payload = b"PK\x03\x04" + b"<script>alert(1)</script>" * 20 + b"PK\x05\x06"
        data = encode(halves((100, 100)), "JPEG") + payload

        result = process_photo(upload(data))

        for data in (result.image, result.thumbnail):
            self.assertNotIn(b"PK\x03\x04", data)
            self.assertNotIn(b"<script>", data)

    def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(self):
        # 30,000 × 30,000 (900 megapixels) and 8,000 × 6,000 (48: above the project's 40,
        # below Pillow's own warning): refused before any pixel is allocated.
        with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError):
            for name, data in (
                ("png 30000²", png_with_header_size(30_000, 30_000)),
                ("jpeg 30000²", jpeg_with_header_size(30_000, 30_000)),
                ("png 48 MP", png_with_header_size(8_000, 6_000)),
                ("jpeg 48 MP", jpeg_with_header_size(8_000, 6_000)),
            ):
                with self.subTest(name):
                    self.assertRefused(data, "image_invalid")

    def test_a_webp_that_claims_no_pixels_is_refused(self):
        self.assertRefused(webp_with_header_size(0, 200), "image_invalid")

    def test_a_phone_mpo_is_kept_as_its_first_picture(self):
        first, second = halves((400, 200)), Image.new("RGB", (400, 200), (0, 200, 0))
        data = encode(first, "MPO", save_all=True, append_images=[second], exif=camera_exif(6))
        self.assertEqual(Image.open(io.BytesIO(data)).format, "MPO")

        result = process_photo(upload(data))

        self.assertEqual((result.extension, result.width, result.height), ("jpg", 200, 400))
        image = Image.open(io.BytesIO(result.image))
        self.assertEqual((image.format, getattr(image, "n_frames", 1)), ("JPEG", 1))
        self.assertTrue(is_near(image.getpixel((100, 50)), RED))
        self.assertNotIn(SECRET_MAKE.encode(), result.image)

    def test_a_webp_bomb_is_refused_before_pillow_opens_it(self):
        data = webp_with_header_size(16_383, 16_383)
        self.assertEqual(webp_size(data[:30]), (16_383, 16_383))

        with mock.patch("files.images.Image.open", side_effect=AssertionError):
            self.assertRefused(data, "image_invalid")

    def test_the_webp_size_is_read_from_each_layout_of_its_header(self):
        for chunk, data in webp_variants().items():
            with self.subTest(chunk):
                self.assertEqual(data[12:16], chunk.encode())
                self.assertEqual(webp_size(data[:30]), (300, 200))

    def test_forty_megapixels_are_not_refused_for_their_size(self):
        # The header of 8,000 × 5,000 passes the size check and reaches the decoder
        # (which then finds the 16 × 16 file truncated).
        data = jpeg_with_header_size(8_000, 5_000)

        with mock.patch.object(ImageFile.ImageFile, "load", side_effect=OSError) as load:
            self.assertRefused(data, "image_invalid")
        load.assert_called()

    @override_settings(UPLOAD_MAX_MB=1)
    def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(self):
        limit = 1024 * 1024
        over = upload(b"\xff\xd8\xff" + b"\x00" * limit)
        self.assertRefused(over, "file_too_large")

        unsized = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * limit)
        self.assertRefused(unsized, "file_too_large")

    @override_settings(UPLOAD_MAX_MB=1)
    def test_a_stream_that_cannot_seek_is_read_at_most_one_byte_over_the_limit(self):
        limit = 1024 * 1024

        class Stream(io.RawIOBase):
            def __init__(self, data: bytes) -> None:
                self.source = io.BytesIO(data)
                self.read_total = 0

            def readable(self) -> bool:
                return True

            def seekable(self) -> bool:
                return False

            def seek(self, *args):
                raise OSError("not seekable")

            def read(self, size=-1):
                chunk = self.source.read(size)
                self.read_total += len(chunk)
                return chunk

        huge = Stream(b"\xff\xd8\xff" + b"\x00" * (5 * limit))
        self.assertRefused(huge, "file_too_large")
        self.assertEqual(huge.read_total, limit + 1)

        small = Stream(encode(halves((64, 32)), "PNG"))
        self.assertEqual(process_photo(small).extension, "png")

    @override_settings(UPLOAD_MAX_MB=1)
    def test_a_photo_within_the_limit_is_accepted(self):
        data = encode(halves((64, 32)), "JPEG")

        self.assertEqual(process_photo(upload(data)).width, 64)

    @override_settings(UPLOAD_MAX_MB=1)
    def test_the_messages_are_arabic_for_an_arabic_client(self):
        from django.utils import translation

        cases = (
            (upload(b"\xff\xd8\xff" + b"\x00" * 1024 * 1024), "حجم الملف أكبر من 1 ميجابايت."),
            (upload(b"hello"), "ارفع صورة بصيغة JPEG أو PNG أو WebP."),
            (upload(b""), "الملف فارغ."),
            (upload(b"\xff\xd8\xff\xe0<html>"), "الصورة تالفة أو غير مكتملة."),
            (upload(png_with_header_size(8_000, 6_000)), "أبعاد الصورة أكبر من 40 ميجابكسل."),
        )
        with translation.override("ar"):
            for source, message in cases:
                with self.subTest(message), self.assertRaises(Invalid) as caught:
                    process_photo(source)
                self.assertEqual(str(caught.exception.message), message)

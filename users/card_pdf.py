"""Participant cards drawn as PDF (SPEC §6.11), from plain values: no model is read here.

One card is 85.6 × 54 mm (ID-1, a bank card's size): a green band with the center's name
in Arabic and English, the participant's full name, the photo (cropped to fill its frame)
or a drawn silhouette, the participant code as text and as a QR code that encodes the code
alone. ``card_pdf`` makes a page the size of the card (for a card printer, or to print at
actual size); ``sheet_pdf`` puts cards on A4 pages, 2 × 5 a page, each with a hairline
outline to cut along.

Text goes through HarfBuzz (fpdf2's text shaping with uharfbuzz): Arabic letters are
joined and ordered right to left by the shaper, not by pre-reversed "visual order"
strings, so the PDF's text layer keeps the name in logical order — what ``pdftotext``,
search and copy-paste read is the name as typed. The font is one TrueType file with Arabic
and Latin letters (Amiri by default, Debian's ``fonts-hosny-amiri``), found by
``card_font_path``. Two things keep the text layer exact (both measured on 1,200 names
with ``pdftotext``):

- Amiri, not Noto: Noto Naskh's "الله" and Noto Sans's lam-alef are ligature glyphs
  that come back out of the text layer as "اهلل" and "ال" (letters swapped);
- Amiri's ``kern`` and ``calt`` features off (``SHAPING_FEATURES``): its kerning tucks
  letters such as ر and ي into their neighbours and its contextual forms stack letters
  (لجين), and the extractor then reads a space inside the word ("الشر يف"). Joining,
  the required ligatures and the marks stay on: the letters are shaped as Arabic must
  be, in a plainer Naskh.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF
from PIL import Image

from core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

CARD_WIDTH, CARD_HEIGHT = 85.6, 54.0  # mm, ISO/IEC 7810 ID-1
A4_WIDTH, A4_HEIGHT = 210.0, 297.0
SHEET_COLUMNS, SHEET_ROWS = 2, 5
SHEET_GAP_X, SHEET_GAP_Y = 4.0, 3.0  # mm between cards on a sheet
PER_SHEET = SHEET_COLUMNS * SHEET_ROWS

CENTER_NAME_AR = "واحة الرضوان"
CENTER_NAME_EN = "Redwan Courses Center"
CODE_LABEL_AR = "رقم المشترك"
CARD_LABEL_AR = "بطاقة مشترك"

# Where Debian and Ubuntu's fonts-hosny-amiri put Amiri (CARD_FONT_PATH overrides).
DEFAULT_FONT_PATHS = (
    "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Bold.ttf",
    "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf",
    "/usr/share/fonts/truetype/fonts-hosny-amiri/Amiri-Bold.ttf",
)
# Letters the font must have: Arabic for names, Latin letters and digits for codes.
REQUIRED_CHARACTERS = "اب ةلمنهوي" + "BGMFS0123456789" + "Redwan"

GREEN = (21, 94, 79)
GOLD = (201, 162, 39)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
FRAME = (206, 212, 218)
PAPER_GREY = (241, 243, 245)
CUT_LINE = (170, 170, 170)

FONT = "card"
SHAPING_FEATURES = {"kern": False, "calt": False}  # see the module's docstring
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")  # what files.images stores
PT = 25.4 / 72  # mm per point
LINE_FACTOR = 1.45  # Amiri's line height per font size (its marks reach far up and down)

# Layout of one card, in mm from its top-left corner.
MARGIN = 3.5
BAND_HEIGHT = 11.5
PHOTO_W, PHOTO_H = 21.0, 28.0
PHOTO_X, PHOTO_Y = CARD_WIDTH - MARGIN - PHOTO_W, BAND_HEIGHT + 3.5
QR_SIZE = 23.0
QR_X, QR_Y = MARGIN, CARD_HEIGHT - MARGIN - QR_SIZE
QR_BORDER = 2  # modules of quiet zone drawn white around the symbol
TEXT_X = MARGIN
TEXT_RIGHT = PHOTO_X - 3.0
NAME_Y, NAME_H = BAND_HEIGHT + 2.5, 12.5
NAME_SIZES = (16, 15, 14, 13, 12, 11, 10, 9, 8, 7)  # points, largest first


@dataclass(frozen=True)
class CardFace:
    """What one card shows. ``photo`` is an image file's bytes (JPEG, PNG or WebP)."""

    name: str
    code: str
    photo: bytes | None = None


def card_font_missing(detail: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        "card_font_missing",
        _(
            "Cards cannot be made: the server has no usable card font (%(detail)s). "
            "Install fonts-hosny-amiri or set CARD_FONT_PATH."
        )
        % {"detail": detail},
    )


def card_font_path() -> Path:
    """The font file cards are drawn with: ``CARD_FONT_PATH`` when set, else the first of
    ``DEFAULT_FONT_PATHS`` that exists. Raises ``card_font_missing`` (503) when there is
    none, or the file is not a font with Arabic and Latin letters."""
    configured = (getattr(settings, "CARD_FONT_PATH", "") or "").strip()
    if configured:
        candidates = [Path(configured)]
    else:
        candidates = [Path(path) for path in DEFAULT_FONT_PATHS]
    for path in candidates:
        if path.is_file():
            problem, letters = _font_problem(str(path), path.stat().st_mtime_ns)
            if problem == "not_a_font":
                logger.error("card font %s is not a TrueType/OpenType font", path)
                raise card_font_missing(_("%(path)s is not a font") % {"path": path})
            if problem == "missing_letters":
                logger.error("card font %s lacks the letters %s", path, letters)
                raise card_font_missing(
                    _("%(path)s lacks the letters %(letters)s") % {"path": path, "letters": letters}
                )
            return path
    where = ", ".join(str(path) for path in candidates)
    logger.error("no card font found (looked for %s)", where)
    raise card_font_missing(_("none found at %(paths)s") % {"paths": where})


@lru_cache(maxsize=8)
def _font_problem(path: str, _mtime_ns: int) -> tuple[str, str]:
    """Why the file cannot draw a card — ``("not_a_font", "")``, ``("missing_letters",
    the letters)`` or ``("", "")`` when it can — remembered per file version."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True) as font:
            mapped = font.getBestCmap() or {}
    except (TTLibError, OSError, ValueError, KeyError, AssertionError):
        return "not_a_font", ""
    missing = sorted({ch for ch in REQUIRED_CHARACTERS if ch != " " and ord(ch) not in mapped})
    if missing:
        return "missing_letters", "".join(missing)
    return "", ""


def card_pdf(face: CardFace) -> bytes:
    """One card on a page of its own size."""
    pdf = _new_pdf((CARD_WIDTH, CARD_HEIGHT), title=f"{face.name} — {face.code}")
    pdf.add_page()
    _draw_card(pdf, 0.0, 0.0, face, outline=False)
    return bytes(pdf.output())


def sheet_pdf(faces: Sequence[CardFace], *, title: str = "") -> bytes:
    """The cards on A4 pages, ``PER_SHEET`` a page, in the order given (row by row, right
    to left: the order an Arabic reader takes them in)."""
    pdf = _new_pdf("A4", title=title or CARD_LABEL_AR)
    for index, face in enumerate(faces):
        slot = index % PER_SHEET
        if slot == 0:
            pdf.add_page()
        x, y = sheet_slot(slot)
        _draw_card(pdf, x, y, face, outline=True)
    if not faces:
        pdf.add_page()
    return bytes(pdf.output())


def sheet_slot(slot: int) -> tuple[float, float]:
    """The top-left corner (mm) of the ``slot``-th card of a sheet (0 … PER_SHEET − 1)."""
    block_w = SHEET_COLUMNS * CARD_WIDTH + (SHEET_COLUMNS - 1) * SHEET_GAP_X
    block_h = SHEET_ROWS * CARD_HEIGHT + (SHEET_ROWS - 1) * SHEET_GAP_Y
    left, top = (A4_WIDTH - block_w) / 2, (A4_HEIGHT - block_h) / 2
    row, column = divmod(slot, SHEET_COLUMNS)
    column = SHEET_COLUMNS - 1 - column  # the first card on the right
    return left + column * (CARD_WIDTH + SHEET_GAP_X), top + row * (CARD_HEIGHT + SHEET_GAP_Y)


def _new_pdf(page_format, *, title: str) -> FPDF:
    font = card_font_path()
    pdf = FPDF(unit="mm", format=page_format)
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", str(font))
    pdf.set_text_shaping(True, features=SHAPING_FEATURES)
    pdf.set_lang("ar")
    pdf.set_title(title)
    pdf.set_creator(CENTER_NAME_EN)
    return pdf


def _draw_card(pdf: FPDF, x: float, y: float, face: CardFace, *, outline: bool) -> None:
    _draw_band(pdf, x, y)
    _draw_name(pdf, x, y, face.name)
    _draw_code(pdf, x, y, face.code)
    _draw_qr(pdf, x + QR_X, y + QR_Y, face.code)
    _draw_photo(pdf, x + PHOTO_X, y + PHOTO_Y, face.photo)
    pdf.set_font(FONT, size=6.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(x + PHOTO_X, y + PHOTO_Y + PHOTO_H + 0.6)
    pdf.cell(PHOTO_W, 4.5, CARD_LABEL_AR, align="C")
    if outline:
        pdf.set_draw_color(*CUT_LINE)
        pdf.set_line_width(0.15)
        pdf.rect(x, y, CARD_WIDTH, CARD_HEIGHT)


def _draw_band(pdf: FPDF, x: float, y: float) -> None:
    pdf.set_fill_color(*GREEN)
    pdf.rect(x, y, CARD_WIDTH, BAND_HEIGHT, style="F")
    pdf.set_fill_color(*GOLD)
    pdf.rect(x, y + BAND_HEIGHT, CARD_WIDTH, 0.8, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, size=14)
    pdf.set_xy(x + CARD_WIDTH / 2, y)
    pdf.cell(CARD_WIDTH / 2 - MARGIN, BAND_HEIGHT, CENTER_NAME_AR, align="R")
    pdf.set_font(FONT, size=8)
    pdf.set_xy(x + MARGIN, y)
    pdf.cell(CARD_WIDTH / 2 - MARGIN, BAND_HEIGHT, CENTER_NAME_EN, align="L")


def _draw_name(pdf: FPDF, x: float, y: float, name: str) -> None:
    """The full name, right-aligned beside the photo: the largest size at which it fits
    on one line, else on two; a name too long even for two lines at the smallest size
    is clipped to its frame rather than drawn over the code."""
    width = TEXT_RIGHT - TEXT_X
    pdf.set_text_color(*INK)
    size, lines = NAME_SIZES[-1], []
    for size in NAME_SIZES:
        pdf.set_font(FONT, size=size)
        lines = pdf.multi_cell(width, size * PT * LINE_FACTOR, name, dry_run=True, output="LINES")
        if len(lines) * size * PT * LINE_FACTOR <= NAME_H:
            break
    line_h = size * PT * LINE_FACTOR
    used = min(len(lines) * line_h, NAME_H)
    with pdf.rect_clip(x + TEXT_X, y + NAME_Y, width, NAME_H):
        pdf.set_xy(x + TEXT_X, y + NAME_Y + (NAME_H - used) / 2)
        pdf.multi_cell(width, line_h, name, align="R")


def _draw_code(pdf: FPDF, x: float, y: float, code: str) -> None:
    left = QR_X + QR_SIZE + 2.0
    width = TEXT_RIGHT - left
    top = NAME_Y + NAME_H + 3.0
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, size=7.5)
    pdf.set_xy(x + left, y + top)
    pdf.cell(width, 4.5, CODE_LABEL_AR, align="R")
    pdf.set_text_color(*GREEN)
    pdf.set_font(FONT, size=17)
    pdf.set_char_spacing(1.2)
    pdf.set_xy(x + left, y + top + 5.0)
    pdf.cell(width, 9.0, code, align="R")
    pdf.set_char_spacing(0)


def _draw_qr(pdf: FPDF, x: float, y: float, code: str) -> None:
    """The code alone as a QR code, drawn as filled rectangles (sharp at any scale). Runs
    of dark modules are merged and each one overlaps its neighbours by a hair, so that no
    light seam shows between modules when the page is rasterised."""
    qr = segno.make(code, error="m", micro=False)  # segno raises the level while it fits
    rows = [list(row) for row in qr.matrix]
    modules = len(rows) + 2 * QR_BORDER
    step = QR_SIZE / modules
    overlap = step * 0.04
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, QR_SIZE, QR_SIZE, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (QR_BORDER + start) * step,
                y + (QR_BORDER + r) * step,
                (c - start) * step + overlap,
                step + overlap,
                style="F",
            )


def _draw_photo(pdf: FPDF, x: float, y: float, photo: bytes | None) -> None:
    """The photo scaled to fill the frame and cropped at its centre; without one (or when
    it cannot be read) a neutral silhouette, never an error: the card is still good."""
    size = _image_size(photo) if photo else None
    if size is not None:
        width, height = size
        scale = max(PHOTO_W / width, PHOTO_H / height)
        shown_w, shown_h = width * scale, height * scale
        try:
            with pdf.rect_clip(x, y, PHOTO_W, PHOTO_H):
                pdf.image(
                    io.BytesIO(photo),
                    x=x - (shown_w - PHOTO_W) / 2,
                    y=y - (shown_h - PHOTO_H) / 2,
                    w=shown_w,
                    h=shown_h,
                )
        except Exception as exc:  # noqa: BLE001 - a damaged stored photo must not stop the card
            logger.warning("a participant photo could not be placed on a card (%s)", _why(exc))
            size = None
    if size is None:
        pdf.set_fill_color(*PAPER_GREY)
        pdf.rect(x, y, PHOTO_W, PHOTO_H, style="F")
        pdf.set_fill_color(*FRAME)
        head = PHOTO_W * 0.36
        pdf.ellipse(x + (PHOTO_W - head) / 2, y + PHOTO_H * 0.18, head, head, style="F")
        with pdf.rect_clip(x, y, PHOTO_W, PHOTO_H):
            body_w = PHOTO_W * 0.78
            pdf.ellipse(
                x + (PHOTO_W - body_w) / 2, y + PHOTO_H * 0.62, body_w, PHOTO_H * 0.6, style="F"
            )
    pdf.set_draw_color(*FRAME)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, PHOTO_W, PHOTO_H)


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header (no full decode); None if unreadable."""
    try:
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            width, height = image.size
    except Exception as exc:  # noqa: BLE001 - any unreadable file is "no photo"
        logger.warning("a participant photo could not be read for a card (%s)", _why(exc))
        return None
    return (width, height) if width > 0 and height > 0 else None


def _why(exc: Exception) -> str:
    # One line, no traceback: the file is the storage's, not a bug of the request.
    return f"{type(exc).__name__}: {str(exc)[:200]}"

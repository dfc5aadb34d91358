"""Typed spreadsheet cells and the two file formats every admin list exports to.

A cell keeps its type: money is a ``Decimal`` (a numeric cell formatted ``0.00``), a date a
``date`` and a moment a naive ``datetime`` in the center's time (Excel knows no time zones),
a yes/no "نعم"/"لا". The CSV is UTF-8 with a byte-order mark (so that Excel reads the
Arabic), streamed line by line; the XLSX is written by openpyxl in write-only mode, right to
left, its columns as wide as the header and the first rows need.

Text that a spreadsheet would run as a formula never runs: in the CSV it gets a leading
apostrophe, in the XLSX it is stored as a string cell.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Direction marks the admin puts around left-to-right text inside right-to-left pages: in
# a cell of its own the text needs none, and they would cling to a copied phone number.
BIDI_MARKS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))

# Columns are fitted to the header and to this many first rows (the rest of the file is
# written as it is read, so the widths must be known before it starts).
WIDTH_SAMPLE = 500
MIN_WIDTH, MAX_WIDTH = 6, 60
# The most characters an Excel cell holds.
CELL_LIMIT = 32767


class Figure(str):
    """Text the admin shows (``"250.00"``) that carries the value it was made from, so an
    export writes the value (a numeric cell) rather than the text."""

    value: object

    def __new__(cls, text: str, value: object) -> Figure:
        figure = super().__new__(cls, text)
        figure.value = value
        return figure


class SafeFigure(Figure, SafeData):
    """A ``Figure`` already made into HTML (a list cell kept on one line): the page shows
    the markup, an export the value."""

    def __html__(self) -> SafeFigure:
        return self

    def __str__(self) -> SafeFigure:  # as SafeString: str() keeps it safe
        return self


def html_figure(markup: str, text: object) -> str:
    """``markup`` (safe HTML around ``text``) keeping ``text``'s value when it has one."""
    return SafeFigure(markup, text.value) if isinstance(text, Figure) else markup


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return pgettext("spreadsheet cell", "Yes") if value else pgettext("spreadsheet cell", "No")


def plain_text(value: str) -> str:
    """Text for a cell: HTML the admin made (a link, a ``<bdi>``) reduced to its words."""
    if isinstance(value, SafeData):
        value = html.unescape(strip_tags(value))
    return str(value).translate(BIDI_MARKS)


def typed(value: object) -> object:
    """A displayed value as a cell value: numbers, dates and times keep their type."""
    if isinstance(value, Figure):
        return typed(value.value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, Decimal | int | float):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, datetime.date | datetime.time):
        return value
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, Promise):
        return str(value)
    return plain_text(str(value))


def cell_text(value: object) -> str:
    """A typed cell as CSV text, in the admin's style (``250.00``, ``2026-11-22 16:00``)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _formula_safe(text: str) -> str:
    if not text.startswith(FORMULA_START):
        return text
    try:
        float(text)  # "-40.00" is a number, not a formula
    except ValueError:
        return f"'{text}"
    return text


# --- CSV ------------------------------------------------------------------------------------


class _Line:
    """A file whose ``write`` hands back its line, so csv.writer yields one line at a time."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield "\ufeff".encode()
    yield writer.writerow([_formula_safe(str(label)) for label in header]).encode()
    for row in rows:
        yield writer.writerow([_formula_safe(cell_text(value)) for value in row]).encode()


# --- XLSX -----------------------------------------------------------------------------------

_NUMBER_FORMATS = (
    (datetime.datetime, DATETIME_FORMAT),
    (datetime.date, DATE_FORMAT),
    (datetime.time, TIME_FORMAT),
    (Decimal, MONEY_FORMAT),
)


def _width(value: object) -> int:
    text = cell_text(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _fit_columns(sheet, header: list[str], sample: list[list]) -> None:
    for index, label in enumerate(header):
        widest = max([_width(label), *(_width(row[index]) for row in sample)])
        width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def _cell(sheet, value: object) -> WriteOnlyCell:
    if isinstance(value, str):
        # Control characters (which a typed note may hold) make a file Excel refuses.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_LIMIT])
        cell.data_type = "s"  # "=…" typed into a name stays text
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    for kind, number_format in _NUMBER_FORMATS:
        if isinstance(value, kind):
            cell.number_format = number_format
            break
    return cell


def sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in text).strip()
    return cleaned[:31] or "Sheet"


def xlsx_bytes(*, title: str, header: list[str], rows: Iterable[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(title))
    # Direction and widths go at the top of the sheet's XML: set before the first row.
    sheet.sheet_view.rightToLeft = True
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    _fit_columns(sheet, header, sample)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, str(label)) for label in header])
    for row in sample:
        sheet.append([_cell(sheet, value) for value in row])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

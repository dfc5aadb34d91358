"""Report downloads: CSV (UTF-8 with a BOM, streamed) and XLSX (openpyxl).

A report's rows hold typed values, and each format shows them in its own way:

=================  ====================  ==========================================
value              CSV                   XLSX
=================  ====================  ==========================================
``int``            ``7``                 an integer
``Decimal``        ``250.00``            a number formatted ``0.00`` (money)
``Percent``        ``50.0%``             a number formatted ``0.0%``
``float``          ``7.25``              a number
``date``           ``2026-11-07``        a date formatted ``yyyy-mm-dd``
``None``           empty                 an empty cell
``str``            the text              text (formula-like text made harmless)
=================  ====================  ==========================================

The same rows give the same bytes in both formats (the XLSX's dates inside the file are
fixed), so a file from the API and the same file from the admin site are one file.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "csv", "xlsx")
DOWNLOADS = ("csv", "xlsx")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

MONEY_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
# The workbook's own created/modified dates and its zip members' dates: fixed, so that a
# file depends on its rows only (the zip format's earliest date).
FILE_STAMP = datetime.datetime(1980, 1, 1)
ZIP_STAMP = (1980, 1, 1, 0, 0, 0)
MIN_WIDTH, MAX_WIDTH = 8, 50


class Percent(float):
    """A fraction shown as a percentage: 0.5 is ``50.0%`` in CSV and in Excel."""


def safe_cell(value):
    """Text a spreadsheet would run as a formula (a name typed as ``=HYPERLINK(…)``) is
    prefixed with an apostrophe; numbers, and text that is a number (``-40.00``), stay."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    try:
        float(value)
    except ValueError:
        return f"'{value}"
    return value


def csv_text(value) -> object:
    """A typed value as the CSV shows it (the table in the module docstring)."""
    if isinstance(value, Percent):
        return f"{value * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_cell(value)


class _Line:
    """A file-like object whose ``write`` hands back what it was given (csv.writer →
    one line at a time)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: list, rows: Iterable[list]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield "\ufeff".encode()
    yield writer.writerow([csv_text(value) for value in header]).encode()
    for row in rows:
        yield writer.writerow([csv_text(value) for value in row]).encode()


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(*, filename: str, header: list, rows: Iterable[list]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = _disposition(f"{filename}.csv")
    return response


# --- XLSX -------------------------------------------------------------------------------


class _StampedZip(zipfile.ZipFile):
    """A zip whose members all carry ``ZIP_STAMP`` instead of the time of writing."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_STAMP)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as handle:
            self.writestr(arcname or filename, handle.read(), compress_type, compresslevel)


def _display_width(value) -> int:
    text = csv_text(value)
    return len(text) if isinstance(text, str) else len(str(text))


def _widths(header: list, rows: list[list]) -> list[int]:
    widths = [_display_width(value) for value in header]
    for row in rows:
        for i, value in enumerate(row):
            if value is None:
                continue
            width = _display_width(value)
            if i >= len(widths):
                widths.append(width)
            elif width > widths[i]:
                widths[i] = width
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _xlsx_cell(sheet, value):
    """A value as openpyxl should write it: typed numbers and dates get a format."""
    if isinstance(value, Percent):
        fmt = PERCENT_FORMAT
    elif isinstance(value, Decimal):
        fmt = MONEY_FORMAT
    elif isinstance(value, datetime.date):
        fmt = DATE_FORMAT
    else:
        return safe_cell(value)
    cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Percent) else value)
    cell.number_format = fmt
    return cell


def xlsx_bytes(*, title: str, header: list, rows: Iterable[list]) -> bytes:
    """One right-to-left sheet: a bold header row kept in view, columns sized to their
    text, numbers and dates stored as such."""
    rows = list(rows)
    book = Workbook(write_only=True)
    book.properties.created = book.properties.modified = FILE_STAMP
    sheet = book.create_sheet(title=title[:31])
    sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_widths(header, rows), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    heading = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(value))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    ExcelWriter(book, _StampedZip(out, "w", zipfile.ZIP_DEFLATED)).save()
    return out.getvalue()


def xlsx_response(*, filename: str, header: list, rows: Iterable[list]) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(title=filename, header=header, rows=rows), content_type=XLSX_TYPE
    )
    response["Content-Disposition"] = _disposition(f"{filename}.xlsx")
    return response


def download(*, fmt: str, filename: str, header: list, rows: list) -> HttpResponse:
    if fmt == "xlsx":
        return xlsx_response(filename=filename, header=header, rows=rows)
    return csv_response(filename=filename, header=header, rows=rows)

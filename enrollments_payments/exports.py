"""Report downloads: CSV (UTF-8 with a BOM, streamed) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "csv", "xlsx")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _safe(row: Iterable) -> list:
    return [safe_cell(value) for value in row]


class _Line:
    """A file-like object whose ``write`` hands back what it was given (csv.writer →
    one line at a time)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: list, rows: Iterable[list]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield "\ufeff".encode()
    yield writer.writerow(_safe(header)).encode()
    for row in rows:
        yield writer.writerow(_safe(row)).encode()


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(*, filename: str, header: list, rows: Iterable[list]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = _disposition(f"{filename}.csv")
    return response


def xlsx_bytes(*, title: str, header: list, rows: Iterable[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.sheet_view.rightToLeft = True
    sheet.append(_safe(header))
    for row in rows:
        sheet.append(_safe(row))
    out = io.BytesIO()
    book.save(out)
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

"""Import files for tests, built as the office builds them: an XLSX workbook made with
openpyxl (Arabic headers, as in the template) and a CSV file (UTF-8 with a BOM)."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.utils import translation

from users.import_files import COLUMNS, FAMILIES, Table, read_table

PARENT_A = "01011111111"
PARENT_A_E164 = "+201011111111"
PARENT_B = "01022222222"
PARENT_C = "+201033333333"


def arabic_headers(kind: str) -> list[str]:
    with translation.override("ar"):
        return [str(column.label) for column in COLUMNS[kind]]


def xlsx_file(kind: str, rows: list[dict], headers: list[str] | None = None) -> bytes:
    """A workbook whose first row is the kind's Arabic headers; ``rows`` by column key."""
    keys = [column.key for column in COLUMNS[kind]]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers or arabic_headers(kind))
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_file(kind: str, rows: list[dict]) -> bytes:
    """A CSV whose header is the kind's English column keys."""
    keys = [column.key for column in COLUMNS[kind]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(keys)
    for row in rows:
        writer.writerow([row.get(key, "") for key in keys])
    return ("\ufeff" + out.getvalue()).encode()


def family(phone=PARENT_A, first="Ahmed", last="Ali", **child) -> dict:
    """A family row: the parent's columns, and the child's when given (``child_*``)."""
    return {"parent_phone": phone, "parent_first_name": first, "parent_last_name": last, **child}


def child(first, dob, gender="female", last="Ali", **more) -> dict:
    return {
        "child_first_name": first,
        "child_last_name": last,
        "child_dob": dob,
        "child_gender": gender,
        **more,
    }


def table(kind: str, content: bytes) -> Table:
    return read_table(kind=kind, content=content)


def families_table(rows: list[dict]) -> Table:
    return table(FAMILIES, xlsx_file(FAMILIES, rows))

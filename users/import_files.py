"""The files the office imports people from (SPEC §6.11 "Import"): what each kind's columns
are, how a CSV or XLSX file becomes rows of text, and the template file of each kind.

A file is judged by its content, never by its name: an XLSX workbook is a zip archive,
anything else is read as CSV text (UTF-8, with or without a byte-order mark, or the
Windows Arabic code page that Excel uses for "CSV" on an Arabic Windows). A workbook's
cells are read by django-import-export's ``XLSX`` format (through tablib), a CSV's by
Python's ``csv`` module (which keeps empty lines, so row numbers stay the sheet's); both
are turned into text here, so both formats give the same rows: a date cell becomes
``YYYY-MM-DD``, a whole number ``1012345678`` (Excel drops the leading zero of a phone
typed as a number; the phone rules put it back).

Headers are matched by the column's Arabic header (the template's), its English key
(``parent_phone``) or its English label, whatever the case, spacing or a trailing ``*``.
A column the kind does not have is ignored and listed in the preview; a password column
refuses the whole file: passwords are never imported (every new account sets its own).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from tablib import InvalidDimensions

from core.spreadsheets import BIDI_MARKS, DATE_FORMAT, csv_lines

FAMILIES, STUDENTS, INSTRUCTORS = "families", "students", "instructors"
KINDS = (FAMILIES, STUDENTS, INSTRUCTORS)
KIND_LABELS = {
    FAMILIES: gettext_lazy("Families (a parent and their children)"),
    STUDENTS: gettext_lazy("Adult students"),
    INSTRUCTORS: gettext_lazy("Instructors"),
}

# Every row goes through the services twice (preview, confirm), some fifty queries for a
# new family with a course: 200 rows keep each request well inside the web server's 30 s
# worker timeout on a busy 2-core machine. A bigger list goes in as several files.
MAX_ROWS = 200
# Under the proxy's body limit (3 MB, deploy/nginx), which would answer its own page.
MAX_FILE_BYTES = 2 * 1024 * 1024
# An XLSX is a zip: its unpacked size is checked before any of it is parsed.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls format
# Headers that name a password, in the languages the office writes.
PASSWORD_WORDS = ("password", "passwd", "كلمة المرور", "كلمة السر", "كلمه المرور", "كلمه السر")
TATWEEL = "\u0640"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Arabic header of the template (a lazy translation)
    help: str  # what the cell takes: the header's note in the template, and the page
    required: bool = False  # the file must have the column
    text: bool = False  # kept as text in the template (a phone's leading zero)
    date: bool = False


_l = gettext_lazy
_REQUIRED = _l("Required.")
_OPTIONAL = _l("Optional.")
_PHONE = _l("Required, e.g. 01012345678 or +201012345678.")
_ID = _l("Optional: 14 digits.")
_GENDER = _l("Male or female.")
_DOB = _l("A date such as 2015-03-20 or 20/03/2015.")
_COURSE = Column("course", _l("Course"), _l("Optional: the course's slug or exact name."))


def _person(labels: tuple[str, ...], prefix: str = "") -> tuple[Column, ...]:
    """An account's columns, headed by ``labels`` (phone, names, second phone, email, ID,
    gender) and keyed ``<prefix>phone``…"""
    phone, first, last, phone2, email, identity, gender = labels
    return (
        Column(f"{prefix}phone", phone, _PHONE, required=True, text=True),
        Column(f"{prefix}first_name", first, _REQUIRED, required=True),
        Column(f"{prefix}last_name", last, _REQUIRED, required=True),
        Column(f"{prefix}phone2", phone2, _OPTIONAL, text=True),
        Column(f"{prefix}email", email, _OPTIONAL),
        Column(f"{prefix}identity_number", identity, _ID, text=True),
        Column(f"{prefix}gender", gender, _GENDER),
    )


_PARENT = _person(
    (
        _l("Parent's phone"),
        _l("Parent's first name"),
        _l("Parent's last name"),
        _l("Parent's second phone"),
        _l("Parent's email"),
        _l("Parent's national ID"),
        _l("Parent's gender"),
    ),
    prefix="parent_",
)
_ADULT = _person(
    (
        _l("Phone"),
        _l("First name"),
        _l("Last name"),
        _l("Second phone"),
        _l("Email"),
        _l("National ID"),
        _l("Gender"),
    )
)
_ADULT_DOB = Column("dob", _l("Date of birth"), _DOB, date=True)

COLUMNS: dict[str, tuple[Column, ...]] = {
    FAMILIES: (
        *_PARENT,
        Column("child_first_name", _l("Child's first name"), _l("One row per child.")),
        Column("child_last_name", _l("Child's last name"), _l("Required with a child.")),
        Column("child_dob", _l("Child's date of birth"), _DOB, date=True),
        Column("child_gender", _l("Child's gender"), _GENDER),
        Column("child_notes", _l("Notes on the child"), _l("Optional, e.g. medical.")),
        _COURSE,
    ),
    STUDENTS: (*_ADULT, _ADULT_DOB, _COURSE),
    INSTRUCTORS: (
        *_ADULT,
        _ADULT_DOB,
        Column("bio", _l("Bio"), _OPTIONAL),
        Column("kind", _l("Instructor kind"), _l("Teacher (the default) or supervisor.")),
        Column("fingerprint_id", _l("Fingerprint id"), _l("Optional, unique."), text=True),
    ),
}


def column_label(kind: str, key: str) -> str:
    return next(str(c.label) for c in COLUMNS[kind] if c.key == key)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why, in the admin's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """A file's rows as text by column key. ``number`` is the row's number in the sheet
    (the header is row 1), which is how the office finds it again."""

    rows: list[tuple[int, dict[str, str]]]
    ignored: list[str] = field(default_factory=list)  # headers of no column of the kind


def header_key(text: object) -> str:
    """A header as compared: no direction marks, tatweel, surrounding ``*`` or case."""
    text = str(text or "").translate(BIDI_MARKS).replace(TATWEEL, "")
    return " ".join(text.replace("_", " ").split()).strip(" *:").casefold()


def _names(column: Column) -> set[str]:
    names = {header_key(column.key)}
    for language in ("ar", "en"):
        with translation.override(language):
            names.add(header_key(str(column.label)))
    return names


def _is_password(header: str) -> bool:
    return any(word in header for word in PASSWORD_WORDS)


def cell_text(value: object) -> str:
    """A cell as the text the row rules read: dates as ``YYYY-MM-DD``, whole numbers
    without ``.0``, no direction marks, no surrounding spaces."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal | int | float):
        return str(value)
    return str(value).translate(BIDI_MARKS).strip()


def read_table(*, kind: str, content: bytes) -> Table:
    """The rows of an uploaded file, or :class:`ImportFileError`."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if content.startswith(OLE_MAGIC):
        raise ImportFileError(_("This is an old Excel file (.xls); save it as XLSX or CSV."))
    cells = _xlsx_cells(content) if content.startswith(ZIP_MAGIC) else _csv_cells(content)
    if not cells or not any(cell_text(c) for c in cells[0]):
        raise ImportFileError(_("The file is empty: its first row must name the columns."))
    return _table(kind, cells)


def _xlsx_cells(content: bytes) -> list[list[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise ImportFileError(_("The workbook is too large once unpacked."))
        dataset = base_formats.XLSX().create_dataset(content)
    except ImportFileError:
        raise
    except InvalidDimensions:
        raise _longer_than_header() from None
    except Exception:  # noqa: BLE001 — any failure to parse an uploaded workbook is the file's
        raise ImportFileError(_("The file could not be read as an Excel workbook.")) from None
    return [list(dataset.headers or []), *(list(row) for row in dataset)]


def _csv_cells(content: bytes) -> list[list[object]]:
    if b"\x00" in content:
        raise ImportFileError(_("The file is neither a CSV nor an XLSX file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1256")  # Excel's "CSV" on an Arabic Windows
        except UnicodeDecodeError:
            raise ImportFileError(_("The file is neither a CSV nor an XLSX file.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    # Python's reader, not tablib's: tablib drops empty lines, and the row numbers the
    # preview names would then drift from the sheet's after the first gap. An empty line
    # stays an empty row here (skipped by _table, counted all the same).
    try:
        cells = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ImportFileError(_("The file could not be read as CSV.")) from None
    width = len(cells[0]) if cells else 0
    if any(any(cell.strip() for cell in row[width:]) for row in cells[1:]):
        raise _longer_than_header()
    return cells


def _longer_than_header() -> ImportFileError:
    return ImportFileError(
        _(
            "A row has more cells than the header row: give every column a header, or clear the extra cells."
        )
    )


def _table(kind: str, cells: list[list[object]]) -> Table:
    headers = [header_key(cell_text(h)) for h in cells[0]]
    if any(_is_password(h) for h in headers):
        raise ImportFileError(
            _(
                "The file has a password column. Passwords are never imported: delete the "
                "column (and the passwords) and upload the file again; every new account "
                "gets a text message with a code to set its own password."
            )
        )
    names = {name: column.key for column in COLUMNS[kind] for name in _names(column)}
    positions: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(headers):
        key = names.get(header)
        if key is None:
            if header:
                ignored.append(cell_text(cells[0][index]))
            continue
        if key in positions:
            raise ImportFileError(
                _('The column "%(column)s" appears twice.') % {"column": cell_text(cells[0][index])}
            )
        positions[key] = index
    missing = [str(c.label) for c in COLUMNS[kind] if c.required and c.key not in positions]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s. Start from the template of this kind.")
            % {"columns": "، ".join(missing)}
        )
    rows = []
    for number, row in enumerate(cells[1:], start=2):
        values = {key: cell_text(row[i]) if i < len(row) else "" for key, i in positions.items()}
        if any(values.values()):
            rows.append((number, values))
    if not rows:
        raise ImportFileError(_("The file has no rows under its header."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(rows)d rows; import at most %(max)d at a time.")
            % {"rows": len(rows), "max": MAX_ROWS}
        )
    return Table(rows=rows, ignored=ignored)


# --- templates ------------------------------------------------------------------------------


def template_xlsx(kind: str) -> bytes:
    """An empty sheet with the kind's headers (required ones in bold, each with a note on
    what it takes), right to left, phones and national IDs kept as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(KIND_LABELS[kind])[:31].replace("(", "").replace(")", "")
    sheet.sheet_view.rightToLeft = True
    for index, column in enumerate(COLUMNS[kind], start=1):
        cell = sheet.cell(row=1, column=index, value=str(column.label))
        cell.font = Font(bold=column.required)
        cell.comment = Comment(str(column.help), "")
        dimension = sheet.column_dimensions[cell.column_letter]
        dimension.width = max(14, len(str(column.label)) + 4)
        # The format of the cells the office will type: text keeps 010…'s leading zero
        # (and a national ID's last digits), a date stays a date.
        if column.text:
            dimension.number_format = "@"
        elif column.date:
            dimension.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv(kind: str) -> bytes:
    """The header line in UTF-8 with a byte-order mark (Excel then reads the Arabic)."""
    return b"".join(csv_lines([str(c.label) for c in COLUMNS[kind]], []))


def template_name(kind: str, fmt: str) -> str:
    return f"import-{kind}.{fmt}"

"""The rows of an import file, read and checked before anything touches the database.

Each row of text (``users.import_files``) becomes an :class:`ImportRow`: the account's
fields (the parent's in a family row), the child's, the instructor's profile, the course
as written, and the row's errors as sentences naming the column. The checks here are the
ones a row can fail on its own or against the other rows of the file: a phone that is not
one, a date that is not a date or is in the future, a missing name, the same phone on two
rows (a family's rows share their parent's phone, and must then agree on the parent), the
same child twice. What needs the database (an unknown course, a national ID already
taken) is found by the import itself.

An empty optional cell means "not given": it never clears what an account already has.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import phonenumbers
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from users.import_files import FAMILIES, INSTRUCTORS, STUDENTS, column_label

# Arabic-Indic and Persian digits, as an Arabic keyboard types them.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
GENDERS = {
    "male": "male",
    "m": "male",
    "ذكر": "male",
    "female": "female",
    "f": "female",
    "أنثى": "female",
    "انثى": "female",
    "انثي": "female",
    "أنثي": "female",
}
INSTRUCTOR_KINDS = {
    "teacher": "teacher",
    "معلم": "teacher",
    "مدرس": "teacher",
    "supervisor": "supervisor",
    "مشرف": "supervisor",
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")
IDENTITY = re.compile(r"\d{14}")
MULTILINE = frozenset({"child_notes", "bio"})


@dataclass
class Person:
    """An account's fields; ``None`` (or ``""`` for gender) where the file says nothing."""

    phone: str  # E.164
    first_name: str
    last_name: str
    phone2: str | None = None
    email: str | None = None
    dob: datetime.date | None = None
    gender: str = ""
    identity_number: str | None = None


@dataclass
class ChildFields:
    first_name: str
    last_name: str
    dob: datetime.date
    gender: str
    notes: str | None = None


@dataclass
class InstructorFields:
    bio: str | None = None
    kind: str | None = None
    fingerprint_id: str | None = None


@dataclass
class ImportRow:
    number: int
    values: dict[str, str]  # the cells as written, for the preview
    person: Person | None = None
    child: ChildFields | None = None
    instructor: InstructorFields | None = None
    course: str = ""
    errors: list[str] = field(default_factory=list)


# Spellings of one Arabic name that a file and the office may differ on: the hamza forms
# of alef, alef maqsura for ya, ta marbuta for ha, the Persian ya and kaf of some
# keyboards; diacritics (tashkeel, the dagger alef) and the tatweel are dropped.
ARABIC_SPELLINGS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ة": "ه", "ک": "ك"}
    | dict.fromkeys([chr(c) for c in range(0x064B, 0x0653)] + ["\u0670", "\u0640"])
)


def name_key(text: str) -> str:
    """How two names are compared: spacing, case and the spellings above ignored, so that
    "أحمد" in a file finds the child the family registered as "احمد"."""
    return " ".join(text.translate(ARABIC_SPELLINGS).split()).casefold()


# --- cells ----------------------------------------------------------------------------------


def phone_e164(text: str) -> str | None:
    """``010…``, ``+2010…`` or ``1012345678`` (Excel's number without its zero) as E.164,
    or None when it is not a valid phone number."""
    text = text.translate(DIGITS).strip().lstrip("'")
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, "EG")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_date(text: str) -> datetime.date | None:
    text = text.translate(DIGITS).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class _Cells:
    """Reads one row's cells, collecting each refusal as a sentence naming its column."""

    def __init__(self, kind: str, row: ImportRow, today: datetime.date) -> None:
        self.kind, self.row, self.today = kind, row, today

    def refuse(self, key: str, message: str) -> None:
        self.row.errors.append(
            _("%(column)s: %(message)s")
            % {"column": column_label(self.kind, key), "message": message}
        )

    def text(self, key: str, *, required: bool = False) -> str | None:
        raw = self.row.values.get(key, "")
        # Notes keep their lines; a name or a code is one line of single spaces.
        value = raw.strip() if key in MULTILINE else " ".join(raw.split())
        if not value:
            if required:
                self.refuse(key, _("This cell is required."))
            return None
        return value

    def phone(self, key: str, *, required: bool = False) -> str | None:
        raw = self.text(key, required=required)
        if raw is None:
            return None
        phone = phone_e164(raw)
        if phone is None:
            self.refuse(key, _("Enter a valid phone number."))
        return phone

    def date(self, key: str, *, required: bool = False) -> datetime.date | None:
        raw = self.text(key, required=required)
        if raw is None:
            return None
        value = parse_date(raw)
        if value is None:
            self.refuse(key, _("Write the date as 2015-03-20 or 20/03/2015."))
        elif value > self.today:
            self.refuse(key, _("Date of birth cannot be in the future."))
            return None
        return value

    def choice(self, key: str, choices: dict[str, str], message: str, *, required=False):
        raw = self.text(key, required=required)
        if raw is None:
            return None
        value = choices.get(raw.casefold())
        if value is None:
            self.refuse(key, message)
        return value

    def gender(self, key: str, *, required: bool = False) -> str | None:
        return self.choice(key, GENDERS, _("Write male or female."), required=required)

    def email(self, key: str) -> str | None:
        raw = self.text(key)
        if raw is None:
            return None
        try:
            validate_email(raw)
        except ValidationError as error:
            self.refuse(key, " ".join(error.messages))
            return None
        return BaseUserManager.normalize_email(raw)

    def identity(self, key: str) -> str | None:
        raw = self.text(key)
        if raw is None:
            return None
        raw = raw.translate(DIGITS).lstrip("'")
        if not IDENTITY.fullmatch(raw):
            self.refuse(key, _("The national ID is 14 digits."))
            return None
        return raw


def _person(cells: _Cells, prefix: str = "") -> Person | None:
    phone = cells.phone(f"{prefix}phone", required=True)
    first = cells.text(f"{prefix}first_name", required=True)
    last = cells.text(f"{prefix}last_name", required=True)
    person = Person(
        phone=phone or "",
        first_name=first or "",
        last_name=last or "",
        phone2=cells.phone(f"{prefix}phone2"),
        email=cells.email(f"{prefix}email"),
        identity_number=cells.identity(f"{prefix}identity_number"),
        gender=cells.gender(f"{prefix}gender") or "",
    )
    return person if phone and first and last else None


def _child(cells: _Cells) -> ChildFields | None:
    keys = ("child_first_name", "child_last_name", "child_dob", "child_gender", "child_notes")
    if not any(cells.row.values.get(key) for key in keys):
        return None  # a parent without a child on this row
    first = cells.text("child_first_name", required=True)
    last = cells.text("child_last_name", required=True)
    dob = cells.date("child_dob", required=True)
    gender = cells.gender("child_gender", required=True)
    notes = cells.text("child_notes")
    if first and last and dob and gender:
        return ChildFields(first_name=first, last_name=last, dob=dob, gender=gender, notes=notes)
    return None


def parse_row(kind: str, number: int, values: dict[str, str], today: datetime.date) -> ImportRow:
    """One row, typed, with its own errors (none of the other rows')."""
    row = ImportRow(number=number, values=values)
    cells = _Cells(kind, row, today)
    if kind == FAMILIES:
        row.person = _person(cells, "parent_")
        row.child = _child(cells)
    else:
        row.person = _person(cells)
        dob = cells.date("dob")
        if row.person is not None:
            row.person.dob = dob
    if kind == INSTRUCTORS:
        row.instructor = InstructorFields(
            bio=cells.text("bio"),
            kind=cells.choice("kind", INSTRUCTOR_KINDS, _("Write teacher or supervisor.")),
            fingerprint_id=cells.text("fingerprint_id"),
        )
    else:
        row.course = cells.text("course") or ""
    return row


def parse_rows(kind: str, rows: list[tuple[int, dict[str, str]]], today: datetime.date):
    """Every row of a file, with the checks across rows added to each row's errors."""
    parsed = [parse_row(kind, number, values, today) for number, values in rows]
    if kind == FAMILIES:
        _check_families(parsed)
    elif kind in (STUDENTS, INSTRUCTORS):
        _check_one_row_per_phone(parsed)
    return parsed


def _check_one_row_per_phone(rows: list[ImportRow]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        if row.person is None:
            continue
        seen = first.setdefault(row.person.phone, row.number)
        if seen != row.number:
            row.errors.append(
                _("Row %(row)d has the same phone: one row per person.") % {"row": seen}
            )


def _check_families(rows: list[ImportRow]) -> None:
    """A family's rows share the parent's phone and agree on the parent (a later row may
    leave the parent's optional cells empty); a child appears once per parent."""
    parents: dict[str, ImportRow] = {}
    children: dict[tuple[str, str, datetime.date], int] = {}
    for row in rows:
        if row.person is None:
            continue
        first = parents.setdefault(row.person.phone, row)
        if first is not row and not _same_person(first.person, row.person):
            row.errors.append(
                _("The parent's details differ from row %(row)d, which has the same phone.")
                % {"row": first.number}
            )
        if row.child is not None:
            key = (row.person.phone, name_key(row.child.first_name), row.child.dob)
            seen = children.setdefault(key, row.number)
            if seen != row.number:
                row.errors.append(
                    _("Row %(row)d has the same child (first name and date of birth).")
                    % {"row": seen}
                )


def _same_person(a: Person, b: Person) -> bool:
    if name_key(a.first_name) != name_key(b.first_name):
        return False
    if name_key(a.last_name) != name_key(b.last_name):
        return False
    for name in ("phone2", "email", "dob", "gender", "identity_number"):
        left, right = getattr(a, name), getattr(b, name)
        if name == "email" and left and right:
            left, right = left.casefold(), right.casefold()
        if left and right and left != right:
            return False
    return True

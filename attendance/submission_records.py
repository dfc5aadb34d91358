"""The records of an attendance submission (§6.4), checked before anything is written.

``parse_records`` validates every record of the request's list and returns them as
``Marks``: one list per column, in the order sent, so no object is built per record; at
N = 500 the checks here are a visible part of the submission's time (SPEC §9,
``benchmarks/attendance.py``), which is why they are written as one flat loop. The bounds
below are also the documented schema's (``attendance.submission_serializers``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from attendance import errors
from core.errors import Invalid
from users.codes import CHILD_CODE_LETTERS as _CHILD_LETTERS
from users.codes import STUDENT_CODE_LETTERS as _STUDENT_LETTERS

CHILD, STUDENT = "child", "student"
IDENTIFIERS = ("code", CHILD, STUDENT)
MAX_RECORDS = 1000
MAX_NOTES = 1000
MAX_CODE = 20
MAX_ID = 2**63 - 1  # a participant's id: a positive bigint
VIA_QR, VIA_MANUAL = "qr", "manual"  # scanned from a card, or named by hand (the default)
VIAS = (VIA_MANUAL, VIA_QR)
RATING_MIN, RATING_MAX = Decimal("1"), Decimal("10")
RATING_DIGITS, RATING_PLACES = 4, 2  # the column's precision: 10.00 at most
CENT = Decimal(1).scaleb(-RATING_PLACES)


@dataclass
class Marks:
    """The validated records, column by column: entry ``i`` of each list is record ``i``."""

    named_by: list[str] = field(default_factory=list)  # "code", "child" or "student"
    values: list[str | int] = field(default_factory=list)  # the code (upper case) or the id
    present: list[bool] = field(default_factory=list)
    ratings: list[Decimal] = field(default_factory=list)  # quantized to two decimals
    notes: list[str | None] = field(default_factory=list)  # None: keep the row's notes
    via: list[str] = field(default_factory=list)  # "manual" or "qr" (§6.11)

    def __len__(self) -> int:
        return len(self.named_by)

    def participant_type(self, index: int) -> str | None:
        """``"child"`` or ``"student"``: the table record ``index`` names its participant
        in; None for a code whose letter belongs to neither (nobody has it)."""
        kind = self.named_by[index]
        if kind != "code":
            return kind
        letter = self.values[index][:1]
        if letter in _CHILD_LETTERS:
            return CHILD
        if letter in _STUDENT_LETTERS:
            return STUDENT
        return None

    def as_sent(self, index: int) -> dict:
        """How record ``index`` named its participant, for ``not_enrolled``."""
        return {"index": index, self.named_by[index]: self.values[index]}


def parse_records(records: Any) -> Marks:
    """Every record checked before anything is written; the first bad one is a 400 that
    names its index and field (``attendance.errors.RecordInvalid``)."""
    if not isinstance(records, list) or not records:
        raise Invalid("records_required", _("Send a non-empty list of records."), field="records")
    if len(records) > MAX_RECORDS:
        raise Invalid(
            "too_many_records",
            _("At most %(max)d records per submission.") % {"max": MAX_RECORDS},
            field="records",
        )
    marks = Marks()
    # Ratings repeat (a roll call uses a handful of values): parse each distinct one once.
    ratings: dict[tuple[type, Any], Decimal | None] = {}
    for index, record in enumerate(records):
        if type(record) is not dict and not isinstance(record, Mapping):
            raise _bad(index, "record", _("each record must be an object."))
        kind, value = _participant(index, record)
        present = record.get("present")
        if present is not True and present is not False:
            raise _bad(index, "present", _("present must be true or false."))
        sent = record.get("rating")
        try:
            rating = ratings[type(sent), sent]
        except KeyError:
            rating = ratings[type(sent), sent] = _rating(sent)
        except TypeError:  # unhashable (a list, an object): not a rating anyway
            rating = None
        if rating is None:
            raise _bad(
                index, "rating", _("a rating from 1 to 10 with at most two decimals is required.")
            )
        notes = record.get("notes")
        if notes is not None and (
            not isinstance(notes, str) or len(notes) > MAX_NOTES or "\x00" in notes
        ):
            raise _bad(
                index,
                "notes",
                _("notes must be text of at most %(max)d characters.") % {"max": MAX_NOTES},
            )
        via = record.get("via", VIA_MANUAL)
        if via is None:
            via = VIA_MANUAL
        elif not isinstance(via, str) or via not in VIAS:
            raise _bad(index, "via", _('via must be "qr" or "manual".'))
        marks.named_by.append(kind)
        marks.values.append(value)
        marks.present.append(present)
        marks.ratings.append(rating)
        marks.notes.append(notes)
        marks.via.append(via)
    return marks


def _bad(index: int, field_name: str, message: str) -> errors.RecordInvalid:
    detail = _("Record %(index)d: %(problem)s") % {"index": index, "problem": message}
    return errors.RecordInvalid("invalid_record", detail, index=index, field=field_name)


def _participant(index: int, record: Mapping) -> tuple[str, str | int]:
    """(how the record names its participant, the normalised code or the id)."""
    named = [key for key in IDENTIFIERS if record.get(key) not in (None, "")]
    if len(named) != 1:
        raise _bad(
            index, "participant", _("name the participant by exactly one of code, child, student.")
        )
    kind = named[0]
    value = record[kind]
    if kind == "code":
        if not isinstance(value, str) or len(value) > MAX_CODE or "\x00" in value:
            raise _bad(index, "code", _("the code is not valid."))
        return kind, value.strip().upper()
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise _bad(index, kind, _("the id must be a positive whole number."))
    return kind, value


def _rating(value: Any) -> Decimal | None:
    """1 ≤ value ≤ 10 with at most two decimals (a number or a numeric string), quantized
    to two decimals; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    if not isinstance(value, int | str) or (isinstance(value, str) and len(value) > 12):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number.as_tuple().exponent < -RATING_PLACES:
        return None
    if not RATING_MIN <= number <= RATING_MAX:
        return None
    return number.quantize(CENT)

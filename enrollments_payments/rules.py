"""Pure enrollment policy: no ORM, tested with plain values."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

# §6.3: a pending request expires after seven days.
REQUEST_LIFETIME = timedelta(days=7)

TWO_PLACES = Decimal("0.01")


def age_on(dob: date, day: date) -> int:
    """Completed years on ``day`` (someone born on 29 February turns a year older on
    1 March in common years)."""
    years = day.year - dob.year
    if (day.month, day.day) < (dob.month, dob.day):
        years -= 1
    return years


def ineligibility(
    *,
    audience: str,
    is_child: bool,
    dob: date | None,
    start_date: date,
    min_age: int | None,
    max_age: int | None,
) -> str | None:
    """Why a participant may not join a course, or None. ``audience``: children, adults,
    all; ages are checked on the course's start date (unknown age fails an age limit)."""
    if audience == "children" and not is_child:
        return "audience"
    if audience == "adults" and is_child:
        return "audience"
    if min_age is None and max_age is None:
        return None
    if dob is None:
        return "age_unknown"
    age = age_on(dob, start_date)
    if min_age is not None and age < min_age:
        return "too_young"
    if max_age is not None and age > max_age:
        return "too_old"
    return None


def balance(
    *, price: Decimal, paid: Decimal, refunded: Decimal, refunded_in_full: bool = False
) -> Decimal:
    """What the family still owes: price − paid + refunded (negative: the center owes).

    An enrollment ended by a full refund (status ``refunded``) owes nothing: the seat was
    given back with the money, so its price is no longer due (it would otherwise show the
    whole price as owed)."""
    if refunded_in_full:
        return Decimal("0.00")
    return (price - paid + refunded).quantize(TWO_PLACES)


def attendance_rate(attended: int, absent: int) -> float | None:
    """attended / marked, four places; None before the first mark."""
    marked = attended + absent
    if not marked:
        return None
    return round(attended / marked, 4)

"""Reading the query string: one error for every parameter out of shape or range.

A bad ``?month=``, ``?page=``, ``?page_size=``, an id that is not a number or a date outside
the calendar all answer ``400 {"code": "invalid_query_parameter", "detail": …, "<name>":
[message]}`` — never a 404 for a page past the end, never a 500 for a year 10000.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django.utils.translation import gettext as _

from core.errors import Invalid

# The largest id a 64-bit primary key holds; a longer number overflows SQLite (a 500).
MAX_ID = 2**63 - 1


class InvalidQueryParameter(Invalid):
    """A query parameter is malformed or out of range (400 ``invalid_query_parameter``)."""

    # Every instance has this one code (the schema's error lists and the docs' table read it).
    fixed_code = "invalid_query_parameter"

    def __init__(self, name: str, message: str, *, errors: Mapping[str, list] | None = None):
        super().__init__(self.fixed_code, message, field=name)
        # Several parameters at once (a filter form): each named with its messages.
        self.extra = {key: [str(m) for m in value] for key, value in (errors or {}).items()}


def query_int(
    params: Mapping[str, str],
    name: str,
    *,
    minimum: int = 1,
    maximum: int = MAX_ID,
    default: int | None = None,
) -> int | None:
    """``params[name]`` as an integer within [minimum, maximum]; ``default`` when absent."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    # ASCII digits only: int() would also take "+5", "1_000" and Arabic-Indic digits.
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 100 else None
    if value is None or not minimum <= value <= maximum:
        raise InvalidQueryParameter(
            name,
            _("Give a whole number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum},
        )
    return value


def query_required(name: str, value):
    """``value`` read from parameter ``name``; refused when the parameter was absent."""
    if value is None:
        raise InvalidQueryParameter(name, _("This parameter is required."))
    return value


def query_month(
    params: Mapping[str, str], name: str, *, first: date, last: date, required: bool = True
) -> date | None:
    """``params[name]`` as ``YYYY-MM`` → the month's first day, within [first, last]."""
    raw = (params.get(name) or "").strip()
    if not raw and not required:
        return None
    try:
        month = datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        month = None
    if month is None or not first.replace(day=1) <= month <= last:
        raise InvalidQueryParameter(
            name,
            _("Give a month as YYYY-MM from %(first)s to %(last)s.")
            % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"},
        )
    return month


def query_choice(params: Mapping[str, str], name: str, choices, *, default: str) -> str:
    """``params[name]`` when it is one of ``choices``; ``default`` when absent."""
    value = params.get(name) or default
    if value not in choices:
        raise InvalidQueryParameter(
            name, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}
        )
    return value


def query_bool(params: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    """``true``/``false`` (also ``1``/``0``); ``default`` when absent."""
    raw = (params.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise InvalidQueryParameter(name, _("Give true or false."))

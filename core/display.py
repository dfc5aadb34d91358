"""Values written as text in one style for every page and record title: money ``250.00
ج.م``, dates ``2026-12-06``, date-times ``2026-12-06 16:00`` in Cairo time, times
``16:00`` and time ranges ``16:00–17:30``. The formats come from
``core.formats.ar.formats`` through Django's ``date_format``.

Each text carries the value it was made from (``core.spreadsheets.Figure``): a list
exported to a spreadsheet writes numbers, dates and times, not their text."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.spreadsheets import Figure

# Unicode "left-to-right isolate" … "pop directional isolate": keeps a number, a time or
# "+201012345678" whole inside right-to-left text where HTML cannot be used.
LRI, PDI = "\u2066", "\u2069"


def decimal_text(value: Decimal | None) -> str:
    """Two places and a dot, as in the inputs: ``250.00``."""
    return "" if value is None else Figure(f"{value:.2f}", value)


def money_text(value: Decimal | None) -> str:
    """``250.00 ج.م``."""
    if value is None:
        return ""
    return Figure(_("%(amount)s EGP") % {"amount": decimal_text(value)}, value)


def time_text(value: datetime.time | None) -> str:
    return "" if value is None else Figure(f"{value:%H:%M}", value)


def time_range_text(start: datetime.time | None, end: datetime.time | None) -> str:
    """The one way a time range reads on every page: ``16:00–17:30``, kept left to right
    (start first) inside right-to-left text."""
    if start is None or end is None:
        return ""
    return f"{LRI}{time_text(start)}–{time_text(end)}{PDI}"


def date_text(value: datetime.date | None) -> str:
    return "" if value is None else Figure(date_format(value, "DATE_FORMAT"), value)


def datetime_text(value: datetime.datetime | None) -> str:
    """A moment in Cairo time: ``2026-12-06 16:00``."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return Figure(date_format(value, "DATETIME_FORMAT"), value)


def yes_no_text(value: bool | None) -> str:
    """A three-state answer in words: yes, no, or not recorded."""
    if value is None:
        return _("not recorded")
    return _("Yes") if value else _("No")  # Django's own words, translated by Django

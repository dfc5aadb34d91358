"""Pure policy for instructor attendance and device scans: no ORM, tested with plain values."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from courses.rules import local_datetime

# Scans of the same instructor closer than this to the previous one are the same person
# holding the finger on the reader (or trying twice): answered, logged, otherwise ignored.
REPEAT_WINDOW = timedelta(minutes=2)
# A device clock further than this from the server's is not trusted: the scan is taken at
# the server's time instead (clamped, never refused: the instructor is at the gate now).
MAX_CLOCK_SKEW = timedelta(minutes=5)

RATING_MIN, RATING_MAX = 1, 10


def late_threshold(day: date, start: time, *, grace_minutes: int) -> datetime:
    """The last moment a check-in still counts as on time."""
    return local_datetime(day, start) + timedelta(minutes=grace_minutes)


def check_in_status(*, day: date, start: time, at: datetime, grace_minutes: int) -> str:
    """``present`` up to start + grace (inclusive), ``late`` after it."""
    if at > late_threshold(day, start, grace_minutes=grace_minutes):
        return "late"
    return "present"


def is_repeat(*, previous: datetime | None, at: datetime) -> bool:
    """True when ``at`` is within the repeat window after the previous scan."""
    return previous is not None and timedelta(0) <= at - previous < REPEAT_WINDOW


def scan_time(*, sent: datetime | None, now: datetime) -> tuple[datetime, bool]:
    """The time a scan counts at, and whether the device's clock was off (clamped)."""
    if sent is None:
        return now, False
    if abs(sent - now) > MAX_CLOCK_SKEW:
        return now, True
    return sent, False


def week_days(start: date, days: int = 7) -> list[date]:
    """``start`` and the days after it: the window the weekly job plans."""
    return [start + timedelta(days=i) for i in range(days)]


def rating_valid(value: int) -> bool:
    return RATING_MIN <= value <= RATING_MAX

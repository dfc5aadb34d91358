"""Pure policy for instructor attendance and device scans: no ORM, tested with plain values."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from courses.rules import CENTER_TZ, local_datetime

# Scans of the same instructor closer than this to the previous one are the same person
# holding the finger on the reader (or trying twice): answered, logged, otherwise ignored.
REPEAT_WINDOW = timedelta(minutes=2)
# A device clock further than this from the server's is not trusted: the scan is taken at
# the server's time instead (clamped, never refused: the instructor is at the gate now).
MAX_CLOCK_SKEW = timedelta(minutes=5)

RATING_MIN, RATING_MAX = 1, 10

# The counts of a lecture's roster, in the order every payload shows them.
COUNT_KEYS = ("total", "present", "absent", "unmarked")


def late_threshold(day: date, start: time, *, grace_minutes: int) -> datetime:
    """The last moment a check-in still counts as on time."""
    return local_datetime(day, start) + timedelta(minutes=grace_minutes)


def check_in_status(*, day: date, start: time, at: datetime, grace_minutes: int) -> str:
    """``present`` up to start + grace (inclusive), ``late`` after it."""
    if at > late_threshold(day, start, grace_minutes=grace_minutes):
        return "late"
    return "present"


def on_session_day(*, day: date, at: datetime) -> bool:
    """True when ``at`` falls on the session's day in Cairo: a manual check-in or
    check-out is for that day (an admin correcting last week's row still names a time
    of that week's day)."""
    try:
        return at.astimezone(CENTER_TZ).date() == day
    except OverflowError:  # the last hours of year 9999 UTC have no Cairo date
        return False


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


# --- Submitting participants' attendance (§6.4) ---------------------------------------

WINDOW_NOT_OPEN = "not_open"
WINDOW_OPEN = "open"
WINDOW_CLOSED = "closed"


def submission_window(
    *, starts_at: datetime, ends_at: datetime, hours: int
) -> tuple[datetime, datetime]:
    """When a non-admin may submit a lecture's attendance: from its start until ``hours``
    after its end."""
    return starts_at, ends_at + timedelta(hours=hours)


def window_state(*, opens_at: datetime, closes_at: datetime, now: datetime) -> str:
    """Both edges are inside: exactly at the start it is open, and exactly at the end of
    the window it is still open (the first instant after it is closed)."""
    if now < opens_at:
        return WINDOW_NOT_OPEN
    if now > closes_at:
        return WINDOW_CLOSED
    return WINDOW_OPEN

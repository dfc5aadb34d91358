"""Pure date/time policy for courses: no ORM, tested with plain values.

The center's week starts on Saturday: Saturday = 0 … Friday = 6. Lecture times are wall-clock
times in Africa/Cairo; ``zoneinfo`` gives each date its own offset, so a lecture on the day
Egypt changes its clocks still starts at the printed hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CENTER_TZ = ZoneInfo("Africa/Cairo")

# Dates the center can plan for; far-away years are typos (and overflow datetime maths).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
# A course longer than this is a typo too (and would generate thousands of lectures).
MAX_COURSE_DAYS = 731

# §6.3: a lecture counts as started five minutes after its start time.
STARTED_AFTER = timedelta(minutes=5)

WEEKDAY_CHOICES = [
    (0, _("Saturday")),
    (1, _("Sunday")),
    (2, _("Monday")),
    (3, _("Tuesday")),
    (4, _("Wednesday")),
    (5, _("Thursday")),
    (6, _("Friday")),
]


def center_weekday(day: date) -> int:
    """The center's weekday of ``day``: Saturday = 0 … Friday = 6.

    Python's ``date.weekday()`` has Monday = 0, so Saturday (5) must become 0.
    """
    return (day.weekday() + 2) % 7


def center_today(*, now: datetime | None = None) -> date:
    """The center's date at ``now`` (default: the clock's): the default day of every
    scheduled job (the weekly one at Sunday 00:05 plans Sunday … Saturday; the nightly ones
    at 23:5x work on the day ending)."""
    return timezone.localdate(now or timezone.now(), CENTER_TZ)


def in_calendar(moment: datetime) -> bool:
    """True when ``moment`` falls on a date the center can plan for (in Cairo)."""
    try:
        return MIN_DATE <= moment.astimezone(CENTER_TZ).date() <= MAX_DATE
    except OverflowError:  # the last hours of year 9999 UTC have no Cairo date
        return False


def local_datetime(day: date, at: time) -> datetime:
    """The aware Cairo datetime of a wall-clock time, normalised across DST changes.

    A time that does not exist on a spring-forward day (00:00–00:59 in Cairo) is moved
    forward by the gap, as a clock on the wall would be.
    """
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=CENTER_TZ)
    return aware.astimezone(UTC).astimezone(CENTER_TZ)


def has_started(day: date, start: time, *, now: datetime) -> bool:
    """True once ``now`` is at least five minutes past the lecture's start."""
    return now >= local_datetime(day, start) + STARTED_AFTER


@dataclass(frozen=True, order=True)
class Session:
    """One planned meeting of a course: a date and the slot's times."""

    date: date
    start_time: time
    end_time: time


def planned_sessions(
    *,
    slots: Iterable[tuple[int, time, time]],
    start_date: date,
    end_date: date | None,
    limit: int | None = None,
) -> Iterator[Session]:
    """Sessions of a weekly schedule from ``start_date`` in date order.

    Stops after ``end_date`` when given; without an end date it runs forever, so the caller
    takes what it needs (``limit`` caps the count either way).
    """
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in slots:
        by_weekday.setdefault(weekday, []).append((start, end))
    if not by_weekday:
        return
    for times in by_weekday.values():
        times.sort()
    produced = 0
    day = start_date
    while end_date is None or day <= end_date:
        for start, end in by_weekday.get(center_weekday(day), ()):
            if limit is not None and produced >= limit:
                return
            yield Session(day, start, end)
            produced += 1
        day += timedelta(days=1)


def slots_overlap(a: tuple[int, time, time], b: tuple[int, time, time]) -> bool:
    """Two weekly slots overlap when they share a weekday and their times intersect.

    Touching slots (one ends when the next starts) do not overlap.
    """
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def exam_percentage(marks: Decimal, total: Decimal) -> Decimal:
    """Marks as a percentage of the total, two places, half up."""
    return (marks * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def exam_passed(marks: Decimal, pass_mark: Decimal) -> bool:
    return marks >= pass_mark

"""Pure online-course policy: no ORM, tested with plain values."""

from __future__ import annotations


def progress_percent(completed: int, total: int) -> int:
    """Lessons completed as a whole percentage of the course's lessons, rounded down (so
    100 means every lesson); 0 for a course without lessons."""
    if total <= 0:
        return 0
    return min(100, completed * 100 // total)

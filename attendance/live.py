"""The ``attendance_update`` push (SPEC §7): what the submission calls after writing.

The event goes to every connected admin and to the lecture's instructor — nobody else —
after the surrounding transaction commits. A channel layer that is down is logged by
``core.realtime.groups_send_safely`` and never turns a saved submission into an error.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction

from attendance.selectors import COUNT_KEYS
from core.realtime import (
    admins_group,
    group_send_many_safely,
    groups_send_safely,
    instructor_group,
)

if TYPE_CHECKING:
    from courses.models import Lecture
    from users.models import CustomUser

EVENT = "attendance_update"
CENTER_TZ = ZoneInfo("Africa/Cairo")


def attendance_update_event(
    *,
    lecture: Lecture,
    counts: Mapping[str, int],
    submitted_by: CustomUser | int | None,
    at: datetime.datetime,
) -> dict:
    """The §7 payload, in plain JSON values (it crosses Redis).

    ``attendance_taken`` is read from ``lecture`` as the caller left it, so call this after
    the submission set it. ``submitted_by`` is the user (or user id) who submitted; ``None``
    for the nightly job. ``at`` must be timezone-aware; it is sent in Africa/Cairo time.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return {
        "type": EVENT,
        "lecture": lecture.pk,
        "course": lecture.course_id,
        "date": lecture.date.isoformat(),
        "attendance_taken": bool(lecture.attendance_taken),
        "counts": {key: int(counts[key]) for key in COUNT_KEYS},
        "submitted_by": getattr(submitted_by, "pk", submitted_by),
        "at": at.astimezone(CENTER_TZ).isoformat(timespec="seconds"),
    }


def broadcast_attendance_update(
    *,
    lecture: Lecture,
    counts: Mapping[str, int],
    submitted_by: CustomUser | int | None,
    at: datetime.datetime,
) -> dict:
    """Build the event now and send it to the admins and the lecture's instructor once
    the current transaction commits (at once when there is none): one callback, one trip
    to the event loop for both groups. Returns the event."""
    event = attendance_update_event(
        lecture=lecture, counts=counts, submitted_by=submitted_by, at=at
    )
    groups = attendance_update_groups(lecture=lecture)
    transaction.on_commit(partial(groups_send_safely, groups, event))
    return event


def broadcast_attendance_updates(
    updates: Iterable[tuple[Lecture, Mapping[str, int]]],
    *,
    submitted_by: CustomUser | int | None,
    at: datetime.datetime,
) -> int:
    """``broadcast_attendance_update`` for many lectures at once (the nightly job): the
    events are built now and sent together, in one event loop, once the current
    transaction commits. Returns the number of lectures announced."""
    messages = []
    announced = 0
    for lecture, counts in updates:
        announced += 1
        event = attendance_update_event(
            lecture=lecture, counts=counts, submitted_by=submitted_by, at=at
        )
        messages.extend((group, event) for group in attendance_update_groups(lecture=lecture))
    if messages:
        transaction.on_commit(partial(group_send_many_safely, messages))
    return announced


def attendance_update_groups(*, lecture: Lecture) -> list[str]:
    """Who hears about ``lecture``: every admin, and its instructor (a substitute, when the
    lecture has one, since ``Lecture.instructor`` is whoever teaches that session)."""
    return [admins_group(), instructor_group(lecture.instructor_id)]

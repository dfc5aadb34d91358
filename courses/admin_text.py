"""Sentences the course admin shows to staff: what a schedule edit did to the lectures.

Lecture dates and times are the center's wall clock (Africa/Cairo) as stored; dates read
with the Arabic month names of the active language, times as ``16:00``.
"""

from __future__ import annotations

from datetime import date, time

from django.contrib import messages
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses import rules
from courses.generation import LecturePlan

# Past this many lectures a list ends with "and N more": a long course moved to another
# weekday would otherwise fill the page.
MAX_LISTED = 10
_WEEKDAYS = dict(rules.WEEKDAY_CHOICES)


def when_text(day: date, start: time) -> str:
    """``السبت 5 يناير 2030، 17:00``."""
    weekday = _WEEKDAYS[rules.center_weekday(day)]
    return _("%(weekday)s %(date)s, %(time)s") % {
        "weekday": weekday,
        "date": date_format(day, "j F Y"),
        "time": f"{start:%H:%M}",
    }


def _listing(items: list[str]) -> str:
    shown = "، ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += " " + _("and %(n)d more") % {"n": len(items) - MAX_LISTED}
    return shown


def _at(number: int, day: date, start: time) -> str:
    return _("lecture %(number)d on %(when)s") % {"number": number, "when": when_text(day, start)}


def schedule_messages(plan: LecturePlan | None) -> list[tuple[int, str]]:
    """(message level, text) pairs saying which lectures a schedule edit moved, added and
    removed, and which hand-edited ones it left on a slot's old day."""
    if plan is None:
        return []
    found: list[tuple[int, str]] = []
    if plan.moved:
        items = [
            _("lecture %(number)d from %(old)s to %(new)s")
            % {
                "number": move.number,
                "old": when_text(move.old_date, move.old_start_time),
                "new": when_text(move.date, move.start_time),
            }
            for move in plan.moved
        ]
        found.append((messages.INFO, _("Lectures moved: %(list)s.") % {"list": _listing(items)}))
    if plan.create:
        items = [_at(new.number, new.date, new.start_time) for new in plan.create]
        found.append((messages.INFO, _("Lectures added: %(list)s.") % {"list": _listing(items)}))
    if plan.removed:
        items = [_at(lec.number, lec.date, lec.start_time) for lec in plan.removed]
        found.append((messages.INFO, _("Lectures removed: %(list)s.") % {"list": _listing(items)}))
    if plan.left_alone:
        items = [_at(lec.number, lec.date, lec.start_time) for lec in plan.left_alone]
        found.append(
            (
                messages.WARNING,
                _(
                    "Edited by hand, so left on the old day and time; move them yourself "
                    "if needed: %(list)s."
                )
                % {"list": _listing(items)},
            )
        )
    if not found:
        found.append((messages.INFO, _("The weekly schedule changed no lecture.")))
    return found

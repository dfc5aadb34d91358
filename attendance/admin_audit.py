"""The attendance audit as staff read it: each submission's changed rows by participant
name, old → new in words, times in Cairo.

``AttendanceSubmission.changes`` stores participants by type and id; the names of every
submission on a page are read together (one query per participant type), so a page of
the audit runs the same number of queries whatever its number of rows or changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from attendance.models import AttendanceSource, AttendanceSubmission, AttendanceVia
from attendance.submission_records import CHILD, STUDENT
from courses.rules import CENTER_TZ
from users.models import Child, StudentUser

Names = dict[tuple[str, int], str]

# The list shows the first few changes of a submission; its page shows all of them.
LIST_LINES = 4


def cairo_text(value: datetime | None) -> str:
    """``2026-12-06 16:05`` in Cairo time."""
    return "" if value is None else f"{timezone.localtime(value, CENTER_TZ):%Y-%m-%d %H:%M}"


def source_text(source: str) -> str:
    try:
        return str(AttendanceSource(source).label)
    except ValueError:
        return source or "—"


def participant_names(submissions: Iterable[AttendanceSubmission]) -> Names:
    """``{(type, id): "name [code]"}`` for every participant the submissions changed."""
    wanted: dict[str, set[int]] = {CHILD: set(), STUDENT: set()}
    for submission in submissions:
        for change in submission.changes or []:
            who = change.get("participant") or {}
            if who.get("type") in wanted and isinstance(who.get("id"), int):
                wanted[who["type"]].add(who["id"])
    names: Names = {}
    if wanted[CHILD]:
        for child in Child.objects.filter(pk__in=wanted[CHILD]).only(
            "pk", "first_name", "last_name", "code"
        ):
            names[(CHILD, child.pk)] = str(child)
    if wanted[STUDENT]:
        students = StudentUser.objects.filter(pk__in=wanted[STUDENT]).select_related("user")
        for student in students.only("pk", "code", "user__first_name", "user__last_name"):
            names[(STUDENT, student.pk)] = str(student)
    return names


def _name(change: dict, names: Names) -> str:
    who = change.get("participant") or {}
    return names.get((who.get("type"), who.get("id"))) or _("Participant no longer on record")


def presence_word(present: bool | None) -> str:
    if present is None:
        return _("Not marked")
    return _("Present") if present else _("Absent")


def via_word(via: str | None) -> str:
    """ "مسح البطاقة" / "يدويًا" for a mark's ``via``; "—" for none (no mark)."""
    try:
        return str(AttendanceVia(via).label)
    except ValueError:
        return "—"


def _value(value: object) -> str:
    return "—" if value in (None, "") else str(value)


def _old_to_new(old: str, new: str) -> str:
    # "←" points the way right-to-left text reads: from the old value to the new one.
    return new if old == new else f"{old} ← {new}"


def change_cells(change: dict) -> tuple[str, str, str, str]:
    """Presence, rating, notes and how it was recorded (by hand, card scan) of one
    changed row, each "old ← new" (or the value alone when it did not change)."""
    old, new = change.get("old") or {}, change.get("new") or {}
    return (
        _old_to_new(presence_word(old.get("present")), presence_word(new.get("present"))),
        _old_to_new(_value(old.get("rating")), _value(new.get("rating"))),
        _old_to_new(_value(old.get("notes")), _value(new.get("notes"))),
        _old_to_new(via_word(old.get("via")), via_word(new.get("via"))),
    )


def changes_summary(submission: AttendanceSubmission, names: Names) -> SafeString | str:
    """The list's column: one line per change ("name: presence, rating"), the first few."""
    changes = submission.changes or []
    if not changes:
        return _("No value changed")
    lines = []
    for change in changes[:LIST_LINES]:
        presence, rating, _notes, _via = change_cells(change)
        lines.append((_name(change, names), presence, rating))
    more = len(changes) - LIST_LINES
    tail = (
        format_html(
            '<li class="more">{}</li>',
            _("and %(n)d more on its page") % {"n": more},
        )
        if more > 0
        else ""
    )
    return format_html(
        '<ul class="audit-lines">{}{}</ul>',
        format_html_join(
            "",
            '<li><span class="who">{}</span>{} · {} {}</li>',
            ((name, presence, _("rating"), rating) for name, presence, rating in lines),
        ),
        tail,
    )


def changes_table(submission: AttendanceSubmission, names: Names) -> SafeString | str:
    """The submission page's table: every changed row, old ← new."""
    changes = submission.changes or []
    if not changes:
        return _("No value changed")
    head = format_html(
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
        _("participant"),
        _("attendance"),
        _("rating"),
        _("notes"),
        _("recorded by"),
    )
    presence_l, rating_l, notes_l, via_l = (
        _("attendance"),
        _("rating"),
        _("notes"),
        _("recorded by"),
    )

    def cells(change: dict) -> tuple[str, ...]:
        presence, rating, notes, via = change_cells(change)
        return (
            _name(change, names),
            *(presence_l, presence, rating_l, rating, notes_l, notes, via_l, via),
        )

    rows = format_html_join(
        "",
        '<tr><td>{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td></tr>',
        (cells(change) for change in changes),
    )
    return format_html(
        '<p class="audit-caption">{}</p><table class="audit-changes">{}<tbody>{}</tbody></table>',
        _("Each changed row: old value ← new value"),
        head,
        rows,
    )

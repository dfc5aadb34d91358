"""A submission's audit trail (``AttendanceSubmission.changes``) in words for the admin:
one line per changed row, "يوسف محمد [B36200]: الحضور: لم يُرصد بعد ← حاضر، …"."""

from __future__ import annotations

from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from attendance.models import attendance_state_text
from users.models import Child, StudentUser

_FIELDS = ("present", "rating", "notes")


def _field_names() -> dict[str, str]:
    return {"present": _("attendance"), "rating": _("rating"), "notes": _("notes")}


def _value_text(field: str, value) -> str:
    if field == "present":
        return attendance_state_text(value)
    return str(value) if value not in (None, "") else "—"


def _participants(changes: list) -> dict[tuple[str, int], str]:
    """Names of the submission's participants, two queries whatever their number."""
    ids: dict[str, set[int]] = {"child": set(), "student": set()}
    for change in changes:
        who = change.get("participant") or {}
        if who.get("type") in ids:
            ids[who["type"]].add(who.get("id"))
    names = {("child", c.pk): str(c) for c in Child.objects.filter(pk__in=ids["child"])}
    students = StudentUser.objects.select_related("user").filter(pk__in=ids["student"])
    names.update({("student", s.pk): str(s) for s in students})
    return names


def changes_html(changes: list | None) -> SafeString:
    changes = [c for c in (changes or []) if isinstance(c, dict)]
    names = _participants(changes)
    labels = _field_names()
    lines = []
    for change in changes:
        who = change.get("participant") or {}
        old, new = change.get("old") or {}, change.get("new") or {}
        parts = [
            f"{labels[field]}: {_value_text(field, old.get(field))} ← "
            f"{_value_text(field, new.get(field))}"
            for field in _FIELDS
            if old.get(field) != new.get(field)
        ]
        name = names.get((who.get("type"), who.get("id")), "—")
        lines.append((name, "، ".join(parts)))
    return format_html_join("", "<div>{}: {}</div>", lines)

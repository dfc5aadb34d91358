"""Writing a submission's marks (§6.4): what both writers share, and the portable one.

Two writers do the same thing — resolve each record's participant (by id or code), refuse
a participant named twice, give a late joiner (active enrollment, no row yet) a row and
list the others in ``not_enrolled``, upsert the rows stamped with who, when and how,
count the lecture's rows, set ``attendance_taken`` once none is unmarked, and record one
``AttendanceSubmission`` with each written row's old and new values (rows whose values did
not change are left out of ``changes``):

- ``attendance.submission_pg.write_marks_postgresql`` in one SQL statement (SPEC §9);
- ``write_marks_portable`` here, with the ORM, for SQLite (the quick start and the
  default test run; SPEC §9's budget is measured on PostgreSQL only).

Both run inside the submission's transaction, under the lecture's row lock, and raise
``duplicate_participant`` without writing anything.
``attendance/tests/test_submission_rows.py`` holds them to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from attendance import errors
from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.rules import COUNT_KEYS
from attendance.selectors import roster_rows
from attendance.submission_records import CENT, CHILD, STUDENT, Marks
from courses.models import Lecture
from users.models import Child, CustomUser, StudentUser

Key = tuple[str, int]  # ("child", 41) or ("student", 7)
# The columns a submission writes on a row that already exists.
WRITTEN = ["present", "rating", "notes", "marked_by", "marked_at", "source", "updated_at"]


@dataclass
class Outcome:
    """What a writer did: the response's figures and what the service does next."""

    created: int
    updated: int
    not_enrolled: list[dict]
    counts: dict[str, int]
    attendance_taken: bool  # the lecture's flag after the write
    absences: bool  # some written record is absent: the absence alerts have work
    submission_id: int


def duplicate_participant(marks: Marks, *, index: int, first: int) -> errors.RecordInvalid:
    return errors.RecordInvalid(
        "duplicate_participant",
        _("Record %(index)d: this participant is already in record %(first)d.")
        % {"index": index, "first": first},
        index=index,
        field=marks.named_by[index],
    )


def late_joiners(*, lecture: Lecture, keys: Iterable[Key]) -> set[Key]:
    """Which of these participants (without a row) have an active enrollment in the
    lecture's course: asked of the participation provider, one query."""
    child_ids = [pk for kind, pk in keys if kind == CHILD]
    student_ids = [pk for kind, pk in keys if kind == STUDENT]
    if not child_ids and not student_ids:
        return set()
    rows = roster_rows(lecture_ids=[lecture.pk])
    if rows is None:
        return set()
    rows = rows.filter(Q(child_id__in=child_ids) | Q(student_id__in=student_ids))
    found = set()
    for row in rows:
        if row["child_id"]:
            found.add((CHILD, row["child_id"]))
        elif row["student_id"]:
            found.add((STUDENT, row["student_id"]))
    return found


def lecture_counts(lecture: Lecture) -> dict[str, int]:
    """The lecture's rows: ``total``, ``present``, ``absent``, ``unmarked``."""
    totals = LectureAttendance.objects.filter(lecture=lecture).aggregate(
        n_total=Count("pk"),
        n_present=Count("pk", filter=Q(present=True)),
        n_absent=Count("pk", filter=Q(present=False)),
        n_unmarked=Count("pk", filter=Q(present__isnull=True)),
    )
    return {key: int(totals[f"n_{key}"] or 0) for key in COUNT_KEYS}


# --- The portable writer --------------------------------------------------------------


def write_marks_portable(
    *, lecture: Lecture, actor: CustomUser, marks: Marks, source: str, now: datetime
) -> Outcome:
    """The ORM writer (SQLite): a query per participant type to resolve, one for the old
    values, ``bulk_create(update_conflicts=True)`` per type, the counts, the audit row."""
    resolved = _resolve(marks)
    keys: dict[Key, int] = {}
    for index, key in resolved.items():  # in record order
        if key in keys:
            raise duplicate_participant(marks, index=index, first=keys[key])
        keys[key] = index
    existing = _old_values(lecture=lecture, keys=keys)
    joining = late_joiners(lecture=lecture, keys=[key for key in keys if key not in existing])
    plan = _Plan()
    for index in range(len(marks)):
        key = resolved.get(index)
        if key is None or (key not in existing and key not in joining):
            plan.not_enrolled.append(marks.as_sent(index))
        else:
            plan.add(key, index, marks=marks, old=existing.get(key))
    for kind in (CHILD, STUDENT):
        batch = [
            _row(lecture=lecture, key=key, values=new, actor=actor, source=source, now=now)
            for key, new in plan.rows
            if key[0] == kind
        ]
        if batch:
            LectureAttendance.objects.bulk_create(
                batch, update_conflicts=True, unique_fields=["lecture", kind], update_fields=WRITTEN
            )
    counts = lecture_counts(lecture)
    taken = bool(lecture.attendance_taken)
    if counts["total"] and not counts["unmarked"] and not taken:
        Lecture.objects.filter(pk=lecture.pk).update(attendance_taken=True, updated_at=now)
        taken = True
    updated = len(plan.rows) - plan.created
    submission = AttendanceSubmission.objects.create(
        lecture=lecture,
        submitted_by=actor,
        at=now,
        source=source,
        created=plan.created,
        updated=updated,
        changes=plan.changes,
    )
    return Outcome(
        created=plan.created,
        updated=updated,
        not_enrolled=plan.not_enrolled,
        counts=counts,
        attendance_taken=taken,
        absences=plan.absences,
        submission_id=submission.pk,
    )


@dataclass
class _Plan:
    """What the portable writer will write: the rows' new values, the audit's changes."""

    rows: list[tuple[Key, dict[str, Any]]] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    not_enrolled: list[dict] = field(default_factory=list)
    created: int = 0
    absences: bool = False

    def add(self, key: Key, index: int, *, marks: Marks, old: dict[str, Any] | None) -> None:
        before = old or {"present": None, "rating": None, "notes": ""}
        sent_notes = marks.notes[index]
        new = {
            "present": marks.present[index],
            "rating": marks.ratings[index],
            "notes": sent_notes if sent_notes is not None else before["notes"],
        }
        self.rows.append((key, new))
        self.created += old is None
        self.absences = self.absences or not new["present"]
        if old is None or before != new:
            self.changes.append(
                {
                    "participant": {"type": key[0], "id": key[1]},
                    "old": _json_values(before),
                    "new": _json_values(new),
                }
            )


def _resolve(marks: Marks) -> dict[int, Key]:
    """record index → participant key, for the records whose participant exists (in
    record order). One query per participant type, codes and ids together."""
    wanted: dict[str, tuple[set, set]] = {CHILD: (set(), set()), STUDENT: (set(), set())}
    types = [marks.participant_type(index) for index in range(len(marks))]
    for index, kind in enumerate(types):
        if kind is not None:
            wanted[kind][marks.named_by[index] != "code"].add(marks.values[index])
    found: dict[str, tuple[dict[str, int], set[int]]] = {}
    for kind, model in ((CHILD, Child), (STUDENT, StudentUser)):
        codes, ids = wanted[kind]
        found[kind] = ({}, set())
        if codes or ids:
            rows = model.objects.filter(Q(code__in=codes) | Q(pk__in=ids)).values_list("pk", "code")
            found[kind] = ({code: pk for pk, code in rows}, {pk for pk, _code in rows})
    resolved: dict[int, Key] = {}
    for index, kind in enumerate(types):
        if kind is None:
            continue
        value = marks.values[index]
        by_code, ids = found[kind]
        pk = by_code.get(value) if marks.named_by[index] == "code" else value
        if pk is not None and pk in ids:
            resolved[index] = (kind, pk)
    return resolved


def _old_values(*, lecture: Lecture, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
    child_ids = [pk for kind, pk in keys if kind == CHILD]
    student_ids = [pk for kind, pk in keys if kind == STUDENT]
    if not child_ids and not student_ids:
        return {}
    rows = LectureAttendance.objects.filter(
        Q(child_id__in=child_ids) | Q(student_id__in=student_ids), lecture=lecture
    ).values_list("child_id", "student_id", "present", "rating", "notes")
    return {
        ((CHILD, child_id) if child_id else (STUDENT, student_id)): {
            "present": present,
            "rating": rating,
            "notes": notes,
        }
        for child_id, student_id, present, rating, notes in rows
    }


def _row(
    *,
    lecture: Lecture,
    key: Key,
    values: dict[str, Any],
    actor: CustomUser,
    source: str,
    now: datetime,
) -> LectureAttendance:
    return LectureAttendance(
        lecture=lecture,
        **{f"{key[0]}_id": key[1]},
        **values,
        marked_by=actor,
        marked_at=now,
        source=source,
    )


def _json_values(values: dict[str, Any]) -> dict:
    rating = values["rating"]
    return {
        "present": values["present"],
        "rating": None if rating is None else str(Decimal(rating).quantize(CENT)),
        "notes": values["notes"],
    }

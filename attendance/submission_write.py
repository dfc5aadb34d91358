"""Writing a submission's marks (§6.4): one writer for PostgreSQL and SQLite alike.

Inside the submission's transaction, under the lecture's row lock, ``write_marks``:

1. reads the lecture's rows with their participants' codes (one query): the rows
   resolve the records that name a participant who has one, and give the old values of
   the audit entry;
2. only when some record names nobody in the lecture, asks who it names (a query per
   participant type) and which of those have an active enrollment (one query): a late
   joiner gets a row, the others are listed in ``not_enrolled``;
3. refuses a participant named twice (``duplicate_participant``), before any write;
4. writes the existing rows in one ``UPDATE … FROM (VALUES …)`` (SQLite: in chunks that
   keep within its parameter limit) and the late joiners' rows with one
   ``INSERT … ON CONFLICT DO UPDATE`` per participant type, stamped with who, when, how
   (``source``) and how the participant was named (``via``: by hand or from a card);
5. counts the lecture's rows (``attendance.selectors.lecture_counts``), sets
   ``attendance_taken`` once none is unmarked, and records one ``AttendanceSubmission``
   with each written row's old and new values (rows whose values did not change are
   left out of ``changes``).

Every statement's count is independent of the number of records on PostgreSQL (SPEC §9,
``benchmarks/attendance.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import errors
from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.selectors import lecture_counts, roster_rows
from attendance.submission_records import CENT, CHILD, STUDENT, Marks
from courses.models import Lecture
from users.models import Child, CustomUser, StudentUser

Key = tuple[str, int]  # ("child", 41) or ("student", 7)
# The columns a submission writes on a row that already exists.
WRITTEN = ["present", "rating", "notes", "via", "marked_by", "marked_at", "source", "updated_at"]
# The columns of one row of the UPDATE's VALUES list, with the types PostgreSQL needs to
# read them (SQLite takes the same CASTs). Notes last: a roll call without notes leaves
# that column out.
_VALUES = (
    ("id", "BIGINT"),
    ("present", "BOOLEAN"),
    ("rating", "NUMERIC(4, 2)"),
    ("via", "VARCHAR(10)"),
    ("notes", "TEXT"),
)
Update = tuple[int, bool, Decimal, str, str]  # (row id, present, rating, via, notes)


@dataclass
class Outcome:
    """What the writer did: the response's figures and what the service does next."""

    created: int
    updated: int
    not_enrolled: list[dict]
    counts: dict[str, int]
    attendance_taken: bool  # the lecture's flag after the write
    absent_rows: list[int]  # the ids of the rows this submission marked absent
    submission_id: int


@dataclass
class _Row:
    """A row of the lecture as read under the lock."""

    pk: int
    present: bool | None
    rating: Decimal | None
    notes: str
    via: str


@dataclass
class _Plan:
    """What the writer will write: the rows' new values, the audit's changes."""

    updates: list[Update] = field(default_factory=list)
    inserts: list[tuple[Key, dict[str, Any]]] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    not_enrolled: list[dict] = field(default_factory=list)
    absent_rows: list[int] = field(default_factory=list)


def duplicate_participant(marks: Marks, *, index: int, first: int) -> errors.RecordInvalid:
    return errors.RecordInvalid(
        "duplicate_participant",
        _("Record %(index)d: this participant is already in record %(first)d.")
        % {"index": index, "first": first},
        index=index,
        field=marks.named_by[index],
    )


def write_marks(
    *, lecture: Lecture, actor: CustomUser, marks: Marks, source: str, now: datetime
) -> Outcome:
    """Write the marks; raise ``duplicate_participant`` without writing anything. Call
    inside a transaction holding the lecture's row lock."""
    rows, by_code = _lecture_rows(lecture, codes="code" in marks.named_by)
    resolved = _resolve(marks, rows=rows, by_code=by_code)
    first_of: dict[Key, int] = {}
    for index, key in resolved.items():  # in record order
        if key in first_of:
            raise duplicate_participant(marks, index=index, first=first_of[key])
        first_of[key] = index
    joining = late_joiners(lecture=lecture, keys=[key for key in first_of if key not in rows])
    plan = _Plan()
    for index in range(len(marks)):
        key = resolved.get(index)
        if key is None or (key not in rows and key not in joining):
            plan.not_enrolled.append(marks.as_sent(index))
        else:
            _plan_record(plan, key=key, index=index, marks=marks, row=rows.get(key))
    stamp = timezone.now()  # created_at / updated_at, as auto_now(_add) would set them
    # A roll call without notes leaves every row's notes as they are: no notes column.
    notes = any(sent is not None for sent in marks.notes)
    _update_rows(plan.updates, notes=notes, actor=actor, source=source, now=now, stamp=stamp)
    plan.absent_rows += _insert_rows(lecture, plan.inserts, actor=actor, source=source, now=now)
    counts = lecture_counts(lecture=lecture)
    taken = bool(lecture.attendance_taken)
    if counts["total"] and not counts["unmarked"] and not taken:
        Lecture.objects.filter(pk=lecture.pk).update(attendance_taken=True, updated_at=now)
        taken = True
    created, updated = len(plan.inserts), len(plan.updates)
    submission = AttendanceSubmission.objects.create(
        lecture=lecture,
        submitted_by=actor,
        at=now,
        source=source,
        created=created,
        updated=updated,
        changes=plan.changes,
    )
    return Outcome(
        created=created,
        updated=updated,
        not_enrolled=plan.not_enrolled,
        counts=counts,
        attendance_taken=taken,
        absent_rows=plan.absent_rows,
        submission_id=submission.pk,
    )


# --- Reading and resolving ------------------------------------------------------------


def _lecture_rows(lecture: Lecture, *, codes: bool) -> tuple[dict[Key, _Row], dict[str, Key]]:
    """The lecture's rows by participant, and — when some record names its participant by
    code (``codes``) — its participants by code: one query."""
    rows: dict[Key, _Row] = {}
    by_code: dict[str, Key] = {}
    columns = ["pk", "child_id", "student_id", "present", "rating", "notes", "via"]
    if codes:
        columns += ["child__code", "student__code"]
    found = LectureAttendance.objects.filter(lecture=lecture).order_by().values_list(*columns)
    for pk, child_id, student_id, present, rating, notes, via, *code in found:
        key: Key = (CHILD, child_id) if child_id else (STUDENT, student_id)
        rows[key] = _Row(pk=pk, present=present, rating=rating, notes=notes, via=via)
        if code and (value := code[0] if child_id else code[1]):
            by_code[value] = key
    return rows, by_code


def _resolve(marks: Marks, *, rows: dict[Key, _Row], by_code: dict[str, Key]) -> dict[int, Key]:
    """record index → participant key, for the records whose participant exists (in
    record order). Records naming someone without a row in the lecture are looked up: one
    query per participant type, codes and ids together — none when every record names a
    participant of the lecture."""
    resolved: dict[int, Key] = {}
    unknown: list[int] = []
    for index, (named_by, value) in enumerate(zip(marks.named_by, marks.values, strict=True)):
        key = by_code.get(value) if named_by == "code" else (named_by, value)
        if key is not None and key in rows:
            resolved[index] = key
        elif marks.participant_type(index) is not None:
            unknown.append(index)
    if unknown:
        resolved.update(_look_up(marks, unknown))
        resolved = dict(sorted(resolved.items()))
    return resolved


def _look_up(marks: Marks, indexes: Sequence[int]) -> dict[int, Key]:
    """The participants of these records that exist, wherever they are enrolled."""
    wanted: dict[str, tuple[set, set]] = {CHILD: (set(), set()), STUDENT: (set(), set())}
    for index in indexes:
        kind = marks.participant_type(index)
        wanted[kind][marks.named_by[index] != "code"].add(marks.values[index])
    found: dict[str, tuple[dict[str, int], set[int]]] = {}
    for kind, model in ((CHILD, Child), (STUDENT, StudentUser)):
        codes, ids = wanted[kind]
        found[kind] = ({}, set())
        if codes or ids:
            pairs = model.objects.filter(Q(code__in=codes) | Q(pk__in=ids)).values_list(
                "pk", "code"
            )
            found[kind] = ({code: pk for pk, code in pairs}, {pk for pk, _code in pairs})
    resolved: dict[int, Key] = {}
    for index in indexes:
        kind = marks.participant_type(index)
        value = marks.values[index]
        by_code, ids = found[kind]
        pk = by_code.get(value) if marks.named_by[index] == "code" else value
        if pk is not None and pk in ids:
            resolved[index] = (kind, pk)
    return resolved


def late_joiners(*, lecture: Lecture, keys: Iterable[Key]) -> set[Key]:
    """Which of these participants (without a row) have an active enrollment in the
    lecture's course: one query of the roster's rows (none for no keys)."""
    child_ids = [pk for kind, pk in keys if kind == CHILD]
    student_ids = [pk for kind, pk in keys if kind == STUDENT]
    if not child_ids and not student_ids:
        return set()
    rows = roster_rows(lecture_ids=[lecture.pk]).filter(
        Q(child_id__in=child_ids) | Q(student_id__in=student_ids)
    )
    found = set()
    for row in rows:
        if row["child_id"]:
            found.add((CHILD, row["child_id"]))
        elif row["student_id"]:
            found.add((STUDENT, row["student_id"]))
    return found


# --- Planning ---------------------------------------------------------------------------


def _plan_record(plan: _Plan, *, key: Key, index: int, marks: Marks, row: _Row | None) -> None:
    """Record ``index`` (participant ``key``, its row if it has one) into the plan."""
    present, rating, sent_notes = marks.present[index], marks.ratings[index], marks.notes[index]
    via = marks.via[index]
    if row is None:
        notes = sent_notes if sent_notes is not None else ""
        values = {"present": present, "rating": rating, "notes": notes, "via": via}
        plan.inserts.append((key, values))
        old: tuple = (None, None, "", None)  # no row: no way of recording either
    else:
        notes = sent_notes if sent_notes is not None else row.notes
        plan.updates.append((row.pk, present, rating, via, notes))
        if not present:
            plan.absent_rows.append(row.pk)
        # An unmarked row was recorded no way yet, whatever its column's default says.
        old = (row.present, row.rating, row.notes, None if row.present is None else row.via)
        if old == (present, rating, notes, via):
            return
    plan.changes.append(
        {
            "participant": {"type": key[0], "id": key[1]},
            "old": _json_values(*old),
            "new": _json_values(present, rating, notes, via),
        }
    )


def _json_values(present: bool | None, rating: Decimal | None, notes: str, via: str | None) -> dict:
    return {
        "present": present,
        "rating": None if rating is None else _rating_text(rating),
        "notes": notes,
        "via": via,
    }


@functools.lru_cache(maxsize=1024)
def _rating_text(rating: Decimal) -> str:
    """``"8.50"``: a roll call repeats a handful of ratings, each written once here (equal
    decimals, ``8.5`` and ``8.50``, share one entry and one text)."""
    return str(Decimal(rating).quantize(CENT))


# --- Writing ----------------------------------------------------------------------------


def _update_rows(
    updates: Sequence[Update],
    *,
    notes: bool,
    actor: CustomUser,
    source: str,
    now: datetime,
    stamp: datetime,
) -> None:
    """``UPDATE … FROM (VALUES …)`` of the rows by primary key — their notes too when
    ``notes`` — : one statement on PostgreSQL, as many as SQLite's parameter limit needs
    there."""
    if not updates:
        return
    ops = connection.ops
    stamps = [actor.pk, ops.adapt_datetimefield_value(now), source]
    stamps.append(ops.adapt_datetimefield_value(stamp))
    columns = _VALUES if notes else _VALUES[:-1]
    for chunk in _chunks(updates, size=_rows_per_statement(len(columns), fixed=len(stamps))):
        params: list[Any] = []
        for pk, present, rating, via, text in chunk:
            params += [pk, present, ops.adapt_decimalfield_value(rating, 4, 2), via]
            if notes:
                params.append(text)
        with connection.cursor() as cursor:
            cursor.execute(_update_statement(len(chunk), columns), [*params, *stamps])


def _update_statement(rows: int, columns: Sequence[tuple[str, str]]) -> str:
    """The UPDATE for ``rows`` rows of values of ``columns`` (only quoted names are
    interpolated). The first row of VALUES carries the column types; the others follow."""
    quote = connection.ops.quote_name
    table = quote(LectureAttendance._meta.db_table)
    typed = ", ".join(f"CAST(%s AS {kind})" for _name, kind in columns)
    plain = "(" + ", ".join(["%s"] * len(columns)) + ")"
    values = ", ".join([f"({typed})", *[plain] * (rows - 1)])
    names = [quote(name) for name, _kind in columns]
    assigned = ", ".join(f"{name} = v.{name}" for name in names[1:])
    return (
        f"WITH v ({', '.join(names)}) AS (VALUES {values}) "  # noqa: S608
        f"UPDATE {table} SET {assigned}, "
        "marked_by_id = %s, marked_at = %s, source = %s, updated_at = %s "
        f"FROM v WHERE {table}.id = v.id"
    )


def _insert_rows(
    lecture: Lecture,
    inserts: Sequence[tuple[Key, dict[str, Any]]],
    *,
    actor: CustomUser,
    source: str,
    now: datetime,
) -> list[int]:
    """The late joiners' new rows, one ``INSERT … ON CONFLICT (lecture, <type>) DO UPDATE``
    per participant type (a row that appeared since the read is updated instead of
    failing). Returns the ids of the rows written absent."""
    absent: list[int] = []
    for kind in (CHILD, STUDENT):
        batch = [
            LectureAttendance(
                lecture=lecture,
                **{f"{kind}_id": pk},
                **values,
                marked_by=actor,
                marked_at=now,
                source=source,
            )
            for (row_kind, pk), values in inserts
            if row_kind == kind
        ]
        if batch:
            written = LectureAttendance.objects.bulk_create(
                batch, update_conflicts=True, unique_fields=["lecture", kind], update_fields=WRITTEN
            )
            absent += [row.pk for row in written if not row.present]
    return absent


def _rows_per_statement(columns: int, *, fixed: int) -> int | None:
    """How many rows of ``columns`` parameters one statement may carry besides ``fixed``
    others: all of them on PostgreSQL (None), as many as fit SQLite's limit there."""
    limit = connection.features.max_query_params
    return None if limit is None else (limit - fixed) // columns


def _chunks(items: Sequence, *, size: int | None) -> Iterator[Sequence]:
    if size is None:
        yield items
        return
    for start in range(0, len(items), size):
        yield items[start : start + size]

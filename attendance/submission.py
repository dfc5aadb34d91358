"""Submitting a lecture's attendance (§6.4): the rules and the bulk write.

``attendance_submit`` checks who may submit and when, validates every record before it
writes anything, then — holding a row lock on the lecture, so that two submissions for one
lecture serialise — upserts all rows in one ``INSERT … ON CONFLICT DO UPDATE`` per
participant type, records one audit row, announces the new absences
(``attendance.absence_alerts``) and, after the commit, pushes ``attendance_update``
(``attendance.live``) and texts the alerts. The number of SQL statements does not depend
on the number of records (``benchmarks/attendance.py`` measures it).

Lock order (courses.services): course → lecture → attendance rows. This service locks the
lecture only; the rows are written under it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import errors, rules
from attendance.absence_alerts import absence_alerts_for_lecture
from attendance.live import broadcast_attendance_update
from attendance.models import AttendanceSource, AttendanceSubmission, LectureAttendance
from core.errors import Invalid
from core.permissions import is_admin
from courses.models import Lecture, LectureStatus
from courses.selectors import instructor_of
from users import codes
from users.models import Child, CustomUser, StudentUser
from users.participation import participation

CHILD, STUDENT = "child", "student"
IDENTIFIERS = ("code", CHILD, STUDENT)
MAX_RECORDS = 1000
MAX_NOTES = 1000
RATING_MIN, RATING_MAX = Decimal("1"), Decimal("10")
_CHILD_LETTERS = frozenset(codes.CHILD_LETTERS.values())
_STUDENT_LETTERS = frozenset(codes.STUDENT_LETTERS.values()) | {codes.STUDENT_FALLBACK_LETTER}
# The columns a submission writes on a row that already exists.
WRITTEN = ["present", "rating", "notes", "marked_by", "marked_at", "source", "updated_at"]

Key = tuple[str, int]  # ("child", 41) or ("student", 7)


class Written(NamedTuple):
    """One row a submission writes: whose, and the values."""

    key: Key
    present: bool
    rating: Decimal | None
    notes: str


@dataclass(frozen=True)
class Mark:
    """One validated record: how it named its participant, and the values to write."""

    index: int
    kind: str  # "code", "child" or "student": the identifier the client used
    value: str | int
    present: bool
    rating: Decimal
    notes: str | None  # None: keep the row's notes


@dataclass
class SubmissionResult:
    lecture: Lecture
    updated: int
    created: int
    not_enrolled: list[dict]
    counts: dict[str, int]
    submission: AttendanceSubmission | None = None
    changes: list[dict] = field(default_factory=list)
    alerts: dict[str, int] = field(default_factory=dict)

    @property
    def attendance_taken(self) -> bool:
        return bool(self.lecture.attendance_taken)

    def as_response(self) -> dict:
        return {
            "lecture": self.lecture.pk,
            "updated": self.updated,
            "created": self.created,
            "not_enrolled": self.not_enrolled,
            "attendance_taken": self.attendance_taken,
            "counts": self.counts,
        }


# --- Who and when ---------------------------------------------------------------------


def attendance_window(*, lecture: Lecture) -> tuple[datetime, datetime]:
    """``(opens_at, closes_at)`` of the lecture for non-admins."""
    return rules.submission_window(
        starts_at=lecture.starts_at,
        ends_at=lecture.ends_at,
        hours=settings.ATTENDANCE_EDIT_WINDOW_HOURS,
    )


def attendance_may_take(*, lecture: Lecture, actor: CustomUser) -> bool:
    """The lecture's instructor (a substitute for their lecture, the course's instructor),
    any supervisor, or an admin — whatever the time."""
    if is_admin(actor):
        return True
    instructor = instructor_of(actor)
    if instructor is None:
        return False
    return instructor.is_supervisor or instructor.pk in (
        lecture.instructor_id,
        lecture.course.instructor_id,
    )


def attendance_can_submit(*, lecture: Lecture, actor: CustomUser, now: datetime) -> bool:
    """Whether a submission by ``actor`` at ``now`` would pass the who/when rules."""
    if lecture.status == LectureStatus.CANCELLED or not attendance_may_take(
        lecture=lecture, actor=actor
    ):
        return False
    if is_admin(actor):
        return True
    opens_at, closes_at = attendance_window(lecture=lecture)
    return rules.window_state(opens_at=opens_at, closes_at=closes_at, now=now) == rules.WINDOW_OPEN


def attendance_check_submitter(*, lecture: Lecture, actor: CustomUser, now: datetime) -> None:
    """Raise the 403/409 a submission by ``actor`` at ``now`` would get."""
    if not attendance_may_take(lecture=lecture, actor=actor):
        raise errors.not_course_instructor()
    if lecture.status == LectureStatus.CANCELLED:
        raise errors.lecture_cancelled()
    if is_admin(actor):
        return
    opens_at, closes_at = attendance_window(lecture=lecture)
    state = rules.window_state(opens_at=opens_at, closes_at=closes_at, now=now)
    if state == rules.WINDOW_NOT_OPEN:
        raise errors.attendance_not_open()
    if state == rules.WINDOW_CLOSED:
        raise errors.attendance_window_closed()


# --- Validation -----------------------------------------------------------------------


def parse_records(records: Any) -> list[Mark]:
    """Every record checked before anything is written; the first bad one is a 400 that
    names its index (``attendance.errors.RecordInvalid``)."""
    if not isinstance(records, list) or not records:
        raise Invalid("records_required", _("Send a non-empty list of records."), field="records")
    if len(records) > MAX_RECORDS:
        raise Invalid(
            "too_many_records",
            _("At most %(max)d records per submission.") % {"max": MAX_RECORDS},
            field="records",
        )
    return [_parse_record(index, record) for index, record in enumerate(records)]


def _bad(index: int, field_name: str, message: str) -> errors.RecordInvalid:
    detail = _("Record %(index)d: %(problem)s") % {"index": index, "problem": message}
    return errors.RecordInvalid("invalid_record", detail, index=index, field=field_name)


def _parse_record(index: int, record: Any) -> Mark:
    if not isinstance(record, Mapping):
        raise _bad(index, "record", _("each record must be an object."))
    named = [key for key in IDENTIFIERS if record.get(key) not in (None, "")]
    if len(named) != 1:
        raise _bad(
            index, "participant", _("name the participant by exactly one of code, child, student.")
        )
    kind = named[0]
    value = record[kind]
    if kind == "code":
        if not isinstance(value, str) or len(value) > 20:
            raise _bad(index, "code", _("the code is not valid."))
        value = value.strip().upper()
    elif isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise _bad(index, kind, _("the id must be a positive whole number."))

    present = record.get("present")
    if not isinstance(present, bool):
        raise _bad(index, "present", _("present must be true or false."))
    rating = _rating(record.get("rating"))
    if rating is None:
        raise _bad(
            index, "rating", _("a rating from 1 to 10 with at most two decimals is required.")
        )
    notes = record.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > MAX_NOTES):
        raise _bad(
            index,
            "notes",
            _("notes must be text of at most %(max)d characters.") % {"max": MAX_NOTES},
        )
    return Mark(index=index, kind=kind, value=value, present=present, rating=rating, notes=notes)


def _rating(value: Any) -> Decimal | None:
    """1 ≤ value ≤ 10 with at most two decimals (a number or a numeric string), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    if not isinstance(value, int | str) or (isinstance(value, str) and len(value) > 12):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number.as_tuple().exponent < -2:
        return None
    if not RATING_MIN <= number <= RATING_MAX:
        return None
    return number.quantize(Decimal("0.01"))


def _code_kind(code: str) -> str | None:
    if code[:1] in _CHILD_LETTERS:
        return CHILD
    if code[:1] in _STUDENT_LETTERS:
        return STUDENT
    return None


def _resolve(marks: Sequence[Mark]) -> dict[int, Key]:
    """record index → participant key, for the records whose participant exists. One query
    per participant type, codes and ids together."""
    wanted: dict[str, tuple[set, set]] = {CHILD: (set(), set()), STUDENT: (set(), set())}
    for mark in marks:
        if mark.kind == "code":
            kind = _code_kind(mark.value)
            if kind is not None:
                wanted[kind][0].add(mark.value)
        else:
            wanted[mark.kind][1].add(mark.value)
    found: dict[str, tuple[dict[str, int], set[int]]] = {}
    for kind, model in ((CHILD, Child), (STUDENT, StudentUser)):
        by_code, ids = wanted[kind]
        if not by_code and not ids:
            found[kind] = ({}, set())
            continue
        rows = model.objects.filter(Q(code__in=by_code) | Q(pk__in=ids)).values_list("pk", "code")
        found[kind] = ({code: pk for pk, code in rows}, {pk for pk, _code in rows})
    resolved: dict[int, Key] = {}
    for mark in marks:
        if mark.kind == "code":
            kind = _code_kind(mark.value)
            pk = found[kind][0].get(mark.value) if kind else None
        else:
            kind = mark.kind
            pk = mark.value if mark.value in found[kind][1] else None
        if pk is not None:
            resolved[mark.index] = (kind, pk)
    return resolved


# --- The submission -------------------------------------------------------------------


def attendance_submit(
    *,
    lecture: Lecture,
    actor: CustomUser,
    records: Any,
    now: datetime | None = None,
) -> SubmissionResult:
    """Mark the lecture's participants: all records or none (§6.4).

    ``records`` is the request's list as sent (validated here, after the who/when rules, so
    that a refused caller learns nothing from validation errors). Raises ``Forbidden``
    (``not_course_instructor``, ``attendance_not_open``, ``attendance_window_closed``),
    ``Conflict`` (``lecture_cancelled``) or ``Invalid`` (``invalid_record``,
    ``duplicate_participant``, ``records_required``).
    """
    now = now or timezone.now()
    attendance_check_submitter(lecture=lecture, actor=actor, now=now)
    marks = parse_records(records)
    source = AttendanceSource.ADMIN if is_admin(actor) else AttendanceSource.INSTRUCTOR

    with transaction.atomic():
        # The lock that serialises submissions; the rules are checked again on the locked
        # row (an admin may have cancelled the lecture meanwhile).
        locked = Lecture.objects.select_for_update().select_related("course").get(pk=lecture.pk)
        attendance_check_submitter(lecture=locked, actor=actor, now=now)
        result = _write(lecture=locked, actor=actor, marks=marks, source=source, now=now)
        result.alerts = absence_alerts_for_lecture(lecture=locked, now=now)
        broadcast_attendance_update(
            lecture=locked, counts=result.counts, submitted_by=actor, at=now
        )
    lecture.attendance_taken = locked.attendance_taken
    return result


def _write(
    *, lecture: Lecture, actor: CustomUser, marks: Sequence[Mark], source: str, now: datetime
) -> SubmissionResult:
    resolved = _resolve(marks)
    seen: dict[Key, int] = {}
    for mark in marks:
        key = resolved.get(mark.index)
        if key is None:
            continue
        if key in seen:
            raise errors.RecordInvalid(
                "duplicate_participant",
                _("Record %(index)d: this participant is already in record %(first)d.")
                % {"index": mark.index, "first": seen[key]},
                index=mark.index,
                field=mark.kind,
            )
        seen[key] = mark.index

    child_ids = [pk for kind, pk in seen if kind == CHILD]
    student_ids = [pk for kind, pk in seen if kind == STUDENT]
    existing: dict[Key, dict] = {}
    if seen:
        rows = LectureAttendance.objects.filter(
            Q(child_id__in=child_ids) | Q(student_id__in=student_ids), lecture=lecture
        ).values("child_id", "student_id", "present", "rating", "notes")
        for row in rows:
            key = (CHILD, row["child_id"]) if row["child_id"] else (STUDENT, row["student_id"])
            existing[key] = row

    joining = _late_joiners(lecture=lecture, keys=[key for key in seen if key not in existing])
    not_enrolled = []
    to_write: list[Written] = []
    changes: list[dict] = []
    for mark in marks:
        key = resolved.get(mark.index)
        if key is None or (key not in existing and key not in joining):
            not_enrolled.append({"index": mark.index, mark.kind: mark.value})
            continue
        old = existing.get(key)
        notes = mark.notes if mark.notes is not None else (old["notes"] if old else "")
        to_write.append(Written(key, mark.present, mark.rating, notes))
        new = {"present": mark.present, "rating": mark.rating, "notes": notes}
        before = (
            {"present": old["present"], "rating": old["rating"], "notes": old["notes"]}
            if old
            else {"present": None, "rating": None, "notes": ""}
        )
        if old is None or before != new:
            changes.append(
                {
                    "participant": {"type": key[0], "id": key[1]},
                    "old": _json_values(before),
                    "new": _json_values(new),
                }
            )

    for kind in (CHILD, STUDENT):
        batch = [row for row in to_write if row.key[0] == kind]
        if batch:
            _upsert(kind=kind, batch=batch, lecture=lecture, actor=actor, source=source, now=now)

    counts = _counts(lecture)
    if counts["total"] and not counts["unmarked"] and not lecture.attendance_taken:
        Lecture.objects.filter(pk=lecture.pk).update(attendance_taken=True, updated_at=now)
        lecture.attendance_taken = True

    created = sum(1 for row in to_write if row.key not in existing)
    updated = len(to_write) - created
    submission = AttendanceSubmission.objects.create(
        lecture=lecture,
        submitted_by=actor,
        at=now,
        source=source,
        created=created,
        updated=updated,
        changes=changes,
    )
    return SubmissionResult(
        lecture=lecture,
        updated=updated,
        created=created,
        not_enrolled=not_enrolled,
        counts=counts,
        submission=submission,
        changes=changes,
    )


def _upsert(
    *,
    kind: str,
    batch: Sequence[Written],
    lecture: Lecture,
    actor: CustomUser,
    source: str,
    now: datetime,
) -> None:
    """INSERT … ON CONFLICT (lecture_id, <kind>_id) DO UPDATE of one participant type's
    rows: one statement whatever the batch size (the plain unique constraints are the
    conflict target, see users.participants).

    On PostgreSQL the rows travel as four arrays through ``unnest`` — a handful of
    parameters instead of eleven per row — because compiling and sending 500 rows of
    ``bulk_create`` parameters cost more than the write itself (SPEC §9: within 2× of a
    hand-written UPDATE … FROM (VALUES …); benchmarks/attendance.py). Elsewhere (SQLite)
    ``bulk_create(update_conflicts=True)`` does the same."""
    if connection.vendor != "postgresql":
        rows = [
            LectureAttendance(
                lecture=lecture,
                **{f"{kind}_id": row.key[1]},
                present=row.present,
                rating=row.rating,
                notes=row.notes,
                marked_by=actor,
                marked_at=now,
                source=source,
            )
            for row in batch
        ]
        LectureAttendance.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["lecture", kind], update_fields=WRITTEN
        )
        return
    q = connection.ops.quote_name
    column, other = (f"{kind}_id", f"{STUDENT if kind == CHILD else CHILD}_id")
    stamp = timezone.now()  # created_at / updated_at, as auto_now(_add) would set them
    written = ["present", "rating", "notes", "marked_by_id", "marked_at", "source", "updated_at"]
    sql = (
        f"INSERT INTO {q(LectureAttendance._meta.db_table)} "  # noqa: S608 - names only
        f"({q('created_at')}, {q('updated_at')}, {q('lecture_id')}, {q(column)}, {q(other)}, "
        f"{q('present')}, {q('rating')}, {q('notes')}, {q('marked_by_id')}, {q('marked_at')}, "
        f"{q('source')}) "
        "SELECT %s, %s, %s, v.pk, NULL, v.present, v.rating, v.notes, %s, %s, %s "
        "FROM unnest(%s::bigint[], %s::boolean[], %s::numeric[], %s::text[]) "
        "AS v(pk, present, rating, notes) "
        f"ON CONFLICT ({q('lecture_id')}, {q(column)}) DO UPDATE SET "
        + ", ".join(f"{q(name)} = EXCLUDED.{q(name)}" for name in written)
    )
    params = [
        stamp,
        stamp,
        lecture.pk,
        actor.pk,
        now,
        source,
        [row.key[1] for row in batch],
        [row.present for row in batch],
        [row.rating for row in batch],
        [row.notes for row in batch],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _late_joiners(*, lecture: Lecture, keys: Sequence[Key]) -> set[Key]:
    """Which of these participants (without a row) have an active enrollment in the
    lecture's course: asked of the participation provider, one query."""
    if not keys:
        return set()
    rows = participation().roster_rows(lecture_ids=[lecture.pk])
    if rows is None:
        return set()
    child_ids = [pk for kind, pk in keys if kind == CHILD]
    student_ids = [pk for kind, pk in keys if kind == STUDENT]
    rows = rows.filter(Q(child_id__in=child_ids) | Q(student_id__in=student_ids))
    found = set()
    for row in rows:
        if row["child_id"]:
            found.add((CHILD, row["child_id"]))
        elif row["student_id"]:
            found.add((STUDENT, row["student_id"]))
    return found


def _counts(lecture: Lecture) -> dict[str, int]:
    totals = LectureAttendance.objects.filter(lecture=lecture).aggregate(
        n_total=Count("pk"),
        n_present=Count("pk", filter=Q(present=True)),
        n_absent=Count("pk", filter=Q(present=False)),
        n_unmarked=Count("pk", filter=Q(present__isnull=True)),
    )
    return {key: int(totals[f"n_{key}"] or 0) for key in ("total", "present", "absent", "unmarked")}


def _json_values(values: Mapping[str, Any]) -> dict:
    rating = values["rating"]
    return {
        "present": values["present"],
        "rating": None if rating is None else str(Decimal(rating).quantize(Decimal("0.01"))),
        "notes": values["notes"],
    }


def attendance_counts(*, lecture: Lecture) -> dict[str, int]:
    """The lecture's row counts (``total``, ``present``, ``absent``, ``unmarked``)."""
    return _counts(lecture)

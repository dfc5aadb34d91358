"""The PostgreSQL writer of a submission (§6.4, SPEC §9): one statement does the work.

SPEC §9 holds the whole submission at N = 500 to within 2× of a single hand-written
``UPDATE … FROM (VALUES …)``. Writing the rows alone costs about that floor, so the rest —
resolving 500 ids or codes, reading the old values, the audit entry with its 500 changes,
the counts — cannot each be a statement with its own round trip, query compilation and
Python loop over the rows (that design measured 2.7–3.1× the floor). Here the records
travel as arrays (``unnest``) into one statement whose common table expressions:

1. ``named`` / ``marks`` — resolve each record's participant by id or by code (``pk``;
   NULL when nobody has it) and join its row in the lecture (``row_id`` and the old
   values, read from the statement's snapshot, that is before the writes below);
2. ``repeated`` / ``go`` — decide whether to write: not when a participant is named twice
   (the caller raises ``duplicate_participant``), nor while some participant without a row
   has not been checked against the enrollments (see ``write_marks_postgresql``);
3. ``updated_rows`` — one ``UPDATE … FROM`` of the existing rows by primary key, stamped
   with who, when and how; ``child_rows`` / ``student_rows`` — the late joiners' new rows,
   one ``INSERT … ON CONFLICT DO UPDATE`` per participant type;
4. ``audit`` — the ``AttendanceSubmission`` row, its ``changes`` written as JSON text in
   SQL into a ``json`` column (record order; only rows that are new or whose values
   changed);
5. ``tally`` / ``taken`` — the lecture's counts after the write (the rows written plus the
   lecture's other rows) and ``attendance_taken`` once none is unmarked.

It answers with one row: whom it could not resolve, who has no row, the first repeated
participant, the audit row's figures, the counts and whether it set ``attendance_taken``.
``attendance.submission_write.write_marks_portable`` does the same with the ORM, and
``attendance/tests/test_submission_rows.py`` holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.rules import COUNT_KEYS
from attendance.submission_records import CHILD, STUDENT, Marks
from attendance.submission_write import (
    Outcome,
    duplicate_participant,
    late_joiners,
)
from core.sql import array_literal, boolean_element, quoted_element
from courses.models import Lecture
from users.models import Child, CustomUser, StudentUser

_UPDATED = ("present", "rating", "notes", "marked_by_id", "marked_at", "source", "updated_at")
_STAMPED = {"marked_by_id": "actor", "marked_at": "now", "updated_at": "stamp", "source": "source"}

_STATEMENT = """
WITH records (ord, kind, pid, code, present, rating, notes) AS (
    SELECT * FROM unnest(
        %(ord)s::int[], %(kind)s::text[], %(pid)s::bigint[], %(code)s::text[],
        %(present)s::boolean[], %(rating)s::numeric[], %(notes)s::text[]
    )
),
named AS MATERIALIZED (
    -- The participant's id in its table: as sent, or the id of the code (NULL: nobody
    -- has it); NULL in the other table's column.
    SELECT r.*,
        CASE r.kind WHEN 'child'
            THEN COALESCE(r.pid, (SELECT id FROM {child} WHERE code = r.code)) END AS child_ref,
        CASE r.kind WHEN 'student'
            THEN COALESCE(r.pid, (SELECT id FROM {student} WHERE code = r.code)) END AS student_ref
    FROM records r
),
marks AS (
    SELECT n.ord, n.kind, n.present, n.rating, n.notes,
        -- The participant when it exists: its row in the lecture proves it, else look.
        COALESCE(
            ac.child_id,
            ast.student_id,
            (SELECT id FROM {child} WHERE id = n.child_ref),
            (SELECT id FROM {student} WHERE id = n.student_ref)
        ) AS pk,
        -- At most one of the two rows joins (a participant is a child or a student).
        COALESCE(ac.id, ast.id) AS row_id,
        COALESCE(ac.present, ast.present) AS old_present,
        COALESCE(ac.rating, ast.rating) AS old_rating,
        COALESCE(ac.notes, ast.notes) AS old_notes
    FROM named n
    LEFT JOIN {attendance} ac ON ac.lecture_id = %(lecture)s AND ac.child_id = n.child_ref
    LEFT JOIN {attendance} ast ON ast.lecture_id = %(lecture)s AND ast.student_id = n.student_ref
),
repeated AS (
    -- Participants named by more than one record, and the first of those records.
    SELECT kind, pk, min(ord) AS first_ord FROM marks WHERE pk IS NOT NULL
    GROUP BY kind, pk HAVING count(*) > 1
),
go (ok) AS (
    SELECT NOT EXISTS (SELECT FROM repeated)
        AND (%(checked)s OR NOT EXISTS (SELECT FROM marks WHERE pk IS NOT NULL AND row_id IS NULL))
),
writes AS (
    SELECT ord, kind, pk, row_id, present, rating, COALESCE(notes, old_notes, '') AS notes,
        old_present, old_rating, old_notes
    FROM marks
    WHERE (SELECT ok FROM go) AND pk IS NOT NULL
        AND (row_id IS NOT NULL OR ord = ANY(%(joining)s::int[]))
),
updated_rows AS (
    UPDATE {attendance} AS a SET {update}
    FROM writes w WHERE a.id = w.row_id
    RETURNING a.id, a.present
),
child_rows AS ({insert_child}),
student_rows AS ({insert_student}),
written AS (
    SELECT id, present FROM updated_rows
    UNION ALL SELECT id, present FROM child_rows
    UNION ALL SELECT id, present FROM student_rows
),
audit AS (
    INSERT INTO {submission} (lecture_id, submitted_by_id, at, source, created, updated, changes)
    SELECT %(lecture)s, %(actor)s, %(now)s, %(source)s,
        count(*) FILTER (WHERE row_id IS NULL),
        count(*) FILTER (WHERE row_id IS NOT NULL),
        -- The entries as JSON text: format() is several times cheaper than building json
        -- objects, and the column is json (core.fields.TextJSONField), so the text is only
        -- checked, not parsed into jsonb. to_json() quotes each value.
        COALESCE(
            '[' || string_agg(
                format(
                    '{{"participant": {{"type": %%s, "id": %%s}}, '
                    '"old": {{"present": %%s, "rating": %%s, "notes": %%s}}, '
                    '"new": {{"present": %%s, "rating": %%s, "notes": %%s}}}}',
                    to_json(kind), pk,
                    COALESCE(to_json(old_present), 'null'),
                    COALESCE(to_json(old_rating::text), 'null'),
                    to_json(COALESCE(old_notes, '')),
                    to_json(present), to_json(rating::numeric(4, 2)::text), to_json(notes)
                ),
                ', ' ORDER BY ord
            ) FILTER (
                WHERE row_id IS NULL
                    OR old_present IS DISTINCT FROM present
                    OR old_rating IS DISTINCT FROM rating
                    OR old_notes IS DISTINCT FROM notes
            ) || ']',
            '[]'
        )::json
    FROM writes
    HAVING (SELECT ok FROM go)
    RETURNING id, created, updated
),
tally (total, present, absent, unmarked) AS (
    SELECT count(*), count(*) FILTER (WHERE present), count(*) FILTER (WHERE NOT present),
        count(*) FILTER (WHERE present IS NULL)
    FROM (
        SELECT present FROM written
        UNION ALL
        SELECT present FROM {attendance}
        WHERE lecture_id = %(lecture)s AND id NOT IN (SELECT id FROM written)
    ) AS lecture_rows
),
taken AS (
    UPDATE {lecture} SET attendance_taken = TRUE, updated_at = %(now)s
    WHERE id = %(lecture)s AND NOT attendance_taken AND (SELECT ok FROM go)
        AND (SELECT total > 0 AND unmarked = 0 FROM tally)
    RETURNING id
)
SELECT
    (SELECT ok FROM go),
    (SELECT array_agg(ord ORDER BY ord) FROM marks WHERE pk IS NULL),
    (SELECT array_agg(ord ORDER BY ord) FROM marks WHERE pk IS NOT NULL AND row_id IS NULL),
    (SELECT array_agg(pk ORDER BY ord) FROM marks WHERE pk IS NOT NULL AND row_id IS NULL),
    (
        SELECT ARRAY[m.ord, r.first_ord] FROM marks m JOIN repeated r USING (kind, pk)
        WHERE m.ord > r.first_ord ORDER BY m.ord LIMIT 1
    ),
    audit.id, audit.created, audit.updated,
    tally.total, tally.present, tally.absent, tally.unmarked,
    EXISTS (SELECT FROM taken)
FROM tally LEFT JOIN audit ON TRUE
"""


def _insert(kind: str) -> str:
    """The new rows of late joiners of one participant type. ON CONFLICT (lecture_id,
    <kind>_id) — the plain unique constraints, see users.participants — updates a row
    that appeared since the snapshot instead of failing."""
    column = f"{kind}_id"
    return (
        f"INSERT INTO {LectureAttendance._meta.db_table} (created_at, updated_at, "  # noqa: S608
        f"lecture_id, {column}, present, rating, notes, marked_by_id, marked_at, source) "
        "SELECT %(stamp)s, %(stamp)s, %(lecture)s, pk, present, rating, notes, %(actor)s, "
        f"%(now)s, %(source)s FROM writes WHERE row_id IS NULL AND kind = '{kind}' "
        f"ON CONFLICT (lecture_id, {column}) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in _UPDATED)
        + " RETURNING id, present"
    )


@cache
def statement() -> str:
    """The statement, with the tables' names (only names are interpolated)."""
    return _STATEMENT.format(
        child=Child._meta.db_table,
        student=StudentUser._meta.db_table,
        attendance=LectureAttendance._meta.db_table,
        submission=AttendanceSubmission._meta.db_table,
        lecture=Lecture._meta.db_table,
        update=", ".join(
            f"{name} = %({_STAMPED[name]})s" if name in _STAMPED else f"{name} = w.{name}"
            for name in _UPDATED
        ),
        insert_child=_insert(CHILD),
        insert_student=_insert(STUDENT),
    )


class Answer(NamedTuple):
    wrote: bool
    nobody: list[int] | None  # records whose id or code names nobody
    rowless: list[int] | None  # records whose participant has no row in the lecture
    rowless_pk: list[int] | None  # …and their participants' ids
    repeated: list[int] | None  # [index, first index] of the first repeated participant
    submission_id: int | None
    created: int | None
    updated: int | None
    total: int
    present: int
    absent: int
    unmarked: int
    taken: bool


def write_marks_postgresql(
    *, lecture: Lecture, actor: CustomUser, marks: Marks, source: str, now: datetime
) -> Outcome:
    """Write the marks in one statement. When some named participant has no row in the
    lecture, the first pass writes nothing and says who; the enrollments are asked about
    them (``late_joiners``, one query) and a second pass writes, with a row for each late
    joiner — three statements instead of one, for that case only."""
    params, unnamed = _params(lecture=lecture, actor=actor, marks=marks, source=source, now=now)
    answer = _run(params)
    if answer.repeated:
        index, first = answer.repeated
        raise duplicate_participant(marks, index=index, first=first)
    rowless = dict(zip(answer.rowless or (), answer.rowless_pk or (), strict=True))
    joining: set[int] = set()
    if not answer.wrote:
        keys = {index: (marks.participant_type(index), pk) for index, pk in rowless.items()}
        enrolled = late_joiners(lecture=lecture, keys=keys.values())
        joining = {index for index, key in keys.items() if key in enrolled}
        answer = _run({**params, "checked": True, "joining": array_literal(sorted(joining))})
        if not answer.wrote:  # the guard has nothing left to refuse: a bug if it does
            raise RuntimeError("the attendance write was refused after its check")
    skipped = sorted([*unnamed, *(answer.nobody or ()), *(set(rowless) - joining)])
    left_out = set(skipped)
    return Outcome(
        created=answer.created,
        updated=answer.updated,
        not_enrolled=[marks.as_sent(index) for index in skipped],
        counts={key: getattr(answer, key) for key in COUNT_KEYS},
        attendance_taken=bool(lecture.attendance_taken or answer.taken),
        absences=any(
            not present and index not in left_out for index, present in enumerate(marks.present)
        ),
        submission_id=answer.submission_id,
    )


def _run(params: dict[str, Any]) -> Answer:
    with connection.cursor() as cursor:
        cursor.execute(statement(), params)
        return Answer(*cursor.fetchone())


def _params(
    *, lecture: Lecture, actor: CustomUser, marks: Marks, source: str, now: datetime
) -> tuple[dict[str, Any], list[int]]:
    """The statement's parameters — the records as columns, each an array literal
    (``core.sql.array_literal``: psycopg adapts a list element by element in Python, which
    at N = 500 took about a millisecond for these seven) — and the indexes of records whose
    code has a letter of neither table (nobody has it; not sent)."""
    ords, kinds, unnamed = [], [], []
    ids: list[int | None] = []
    codes: list[str | None] = []
    for index, (named_by, value) in enumerate(zip(marks.named_by, marks.values, strict=True)):
        kind = marks.participant_type(index)
        if kind is None:
            unnamed.append(index)
            continue
        ords.append(index)
        kinds.append(kind)
        by_code = named_by == "code"
        ids.append(None if by_code else value)
        codes.append(value if by_code else None)
    sent = _pick(ords, len(marks))
    params = {
        "ord": array_literal(ords),
        "kind": array_literal(kinds),  # "child" or "student": nothing to quote
        "pid": array_literal(ids),
        "code": array_literal(codes, quoted_element),
        "present": array_literal(sent(marks.present), boolean_element),
        "rating": array_literal(sent(marks.ratings)),  # Decimal("9.50") → "9.50"
        "notes": array_literal(sent(marks.notes), quoted_element),
        "lecture": lecture.pk,
        "actor": actor.pk,
        "now": now,
        "source": source,
        "stamp": timezone.now(),  # created_at / updated_at, as auto_now(_add) would set them
        "checked": False,
        "joining": array_literal([]),
    }
    return params, unnamed


def _pick(ords: Sequence[int], size: int) -> Callable[[list], list]:
    """A column of the sent records only (all of them, usually: no copy)."""
    if len(ords) == size:
        return lambda column: column
    return lambda column: [column[index] for index in ords]

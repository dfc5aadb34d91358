"""Importing families, adult students and instructors from the office's files (SPEC §6.11).

``people_import`` runs a file's rows twice over: once for the preview (``commit=False``)
and once on confirm (``commit=True``). Both runs do the same work in one transaction —
each row in a savepoint of its own, through the services (``users.import_services`` for
the people, ``enrollment_request_create``/``_approve`` for a course) — so the preview
meets every rule the confirm will meet: an identity number already taken, a course that
is full or not open, a child too young for it. The preview then rolls everything back:
nothing is written and nobody is texted (the welcome texts wait for a commit).

The confirm commits only a file without a single row error, and only when its rows come
out as the preview said (``expected``, the preview's digest): an office expects a file to
go in whole, and a family half-imported is worse than none. Otherwise it rolls back too
and answers the new report (``stale`` when it differs from the preview).

The enrollments are why this lives in this app: a row may enrol its child or student in a
course (named by slug or exact name), and users' services come before this app's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, Forbidden, Invalid
from core.permissions import is_admin
from courses.models import Course
from enrollments_payments import services
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    RequestStatus,
)
from users import import_services
from users.import_files import FAMILIES, INSTRUCTORS, KINDS, Table
from users.import_rows import ImportRow, name_key, parse_rows
from users.models import Child, CustomUser
from users.participants import Participant, participant_lookup

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"
OUTCOMES = {
    NEW: gettext_lazy("New"),
    UPDATED: gettext_lazy("Updated"),
    UNCHANGED: gettext_lazy("Unchanged"),
    ERROR: gettext_lazy("Error"),
}


@dataclass
class RowReport:
    number: int
    person: str  # the account's name and phone as the file writes them
    phone: str
    child: str
    course: str
    outcome: str = UNCHANGED
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    new_accounts: int = 0  # accounts the row opens (each is texted its code on commit)

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES[self.outcome])


@dataclass
class ImportReport:
    kind: str
    rows: list[RowReport] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    new_accounts: int = 0
    committed: bool = False
    stale: bool = False  # a confirm whose rows no longer come out as its preview said

    @property
    def has_errors(self) -> bool:
        return any(row.outcome == ERROR for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: sum(r.outcome == outcome for r in self.rows) for outcome in OUTCOMES}

    @property
    def digest(self) -> str:
        """What the rows come out as; a confirm goes ahead only if it has not changed."""
        shape = [[r.number, r.outcome, r.changes, r.errors] for r in self.rows]
        return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()


def people_import(
    *,
    kind: str,
    table: Table,
    actor: CustomUser,
    commit: bool,
    expected: str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """The report of every row of ``table``; written (one transaction) only when
    ``commit``, no row has an error and the digest is still ``expected`` (when given)."""
    if not is_admin(actor):
        raise Forbidden("admin_only", _("Only the center's staff may do this."))
    if kind not in KINDS:
        raise Invalid("invalid", _("Choose what the file holds."), field="kind")
    now = now or timezone.now()
    rows = parse_rows(kind, table.rows, timezone.localdate(now))
    courses = _courses(kind, rows)
    report = ImportReport(kind=kind, ignored=list(table.ignored))
    with transaction.atomic():
        for row in rows:
            report.rows.append(_row(kind, row, courses, actor, now, report))
        clean = not report.has_errors
        report.stale = commit and clean and expected is not None and expected != report.digest
        report.committed = commit and clean and not report.stale
        if not report.committed:
            transaction.set_rollback(True)
    return report


def _courses(kind: str, rows: list[ImportRow]) -> dict[str, Course]:
    """The courses the rows name, by the text they name them with (one query); a row
    naming no course, or two, gets the error."""
    texts = {row.course for row in rows if row.course}
    if not texts:
        return {}
    slugs = {t.casefold() for t in texts} | texts
    found = list(Course.objects.filter(Q(slug__in=slugs) | Q(name__in=texts)).order_by("pk"))
    courses: dict[str, Course] = {}
    for row in rows:
        if not row.course:
            continue
        if kind == FAMILIES and row.child is None and not row.errors:
            row.errors.append(_("Course: name a child on the row to enrol in it."))
        by_slug = [c for c in found if c.slug.casefold() == row.course.casefold()]
        by_name = [c for c in found if name_key(c.name) == name_key(row.course)]
        matches = by_slug or by_name
        if len(matches) == 1:
            courses[row.course] = matches[0]
        elif matches:
            row.errors.append(_("Course: several courses have this name; write its slug."))
        else:
            row.errors.append(_("Course: no course has this slug or name."))
    return courses


def _row(
    kind: str,
    row: ImportRow,
    courses: dict[str, Course],
    actor: CustomUser,
    now: datetime,
    report: ImportReport,
) -> RowReport:
    values = row.values
    prefix = "parent_" if kind == FAMILIES else ""
    child = " ".join(filter(None, [values.get("child_first_name"), values.get("child_last_name")]))
    result = RowReport(
        number=row.number,
        person=" ".join(
            filter(None, [values.get(f"{prefix}first_name"), values.get(f"{prefix}last_name")])
        ),
        phone=row.person.phone if row.person else values.get(f"{prefix}phone", ""),
        child=child,
        course=row.course,
    )
    if not row.errors:
        try:
            with transaction.atomic():
                _write(kind, row, courses.get(row.course), actor, now, result)
        except import_services.RowRefused as refused:
            row.errors.append(refused.message)
        except DomainError as refused:
            row.errors.append(str(refused.message))
        except ValidationError as refused:
            row.errors.extend(refused.messages)
        except IntegrityError:
            row.errors.append(
                _(
                    "This row clashes with an account saved meanwhile (its phone, e-mail or national ID)."
                )
            )
    if row.errors:
        result.outcome, result.changes, result.errors = ERROR, [], row.errors
    else:
        report.new_accounts += result.new_accounts
    return result


def _write(
    kind: str,
    row: ImportRow,
    course: Course | None,
    actor: CustomUser,
    now: datetime,
    result: RowReport,
) -> None:
    if kind == FAMILIES:
        written = import_services.family_row_write(row=row, actor=actor)
    elif kind == INSTRUCTORS:
        written = import_services.instructor_row_write(row=row)
    else:
        written = import_services.student_row_write(row=row)
    result.changes = written.changes
    result.new_accounts = written.new_accounts
    enrolled = False
    if course is not None and written.participant is not None:
        enrolled = _enrol(written.participant, course, written.account, actor, now)
        if enrolled:
            result.changes.append(_("Enrolled in %(course)s.") % {"course": course.name})
    if written.new:
        result.outcome = NEW
    elif written.changes or enrolled:
        result.outcome = UPDATED


def _enrol(
    participant: Participant,
    course: Course,
    requester: CustomUser,
    actor: CustomUser,
    now: datetime,
) -> bool:
    """Enrol the participant as the family would be (a request by its account, approved
    by the importing admin: the course's rules, capacity and roster hold); False when it
    is already enrolled. A request of the family's own that is waiting is the one approved."""
    who = participant_lookup(participant)
    enrolled = Enrollment.objects.filter(
        course=course,
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
        **who,
    )
    if enrolled.exists():
        return False
    request = EnrollmentRequest.objects.filter(
        course=course, status=RequestStatus.PENDING, **who
    ).first()
    if request is None:
        request = services.enrollment_request_create(
            actor=requester,
            course=course,
            child=participant if isinstance(participant, Child) else None,
            note=_("Enrolled by the center's import."),
            now=now,
        )
    services.enrollment_request_approve(request=request, actor=actor, now=now)
    return True

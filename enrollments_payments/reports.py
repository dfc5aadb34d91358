"""Admin reports (SPEC §6.6): course attendance matrix, instructor attendance by month,
finance by season.

Each builder returns a plain dict (the JSON answer) and runs a fixed number of queries
whatever the number of rows: rows are fetched in one query per table and folded in
Python. ``table(report)`` flattens a report into a header and rows for CSV and XLSX.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from attendance.models import LectureAttendance
from attendance.models_staff import InstructorAttendance, InstructorAttendanceStatus
from courses.models import Course, Lecture, LectureStatus, Season
from courses.rules import local_datetime
from enrollments_payments import rules
from enrollments_payments.exports import download
from enrollments_payments.models import (
    Enrollment,
    EnrollmentStatus,
    Payment,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
)
from enrollments_payments.selectors import MONEY, _scalar

PRESENT = "present"
ABSENT = "absent"
UNMARKED = "unmarked"
# A lecture held before the participant enrolled (or after they left): no roster row, no
# mark expected — not the same as a roster row nobody marked.
NOT_ENROLLED = "not_enrolled"
STATES = (PRESENT, ABSENT, UNMARKED, NOT_ENROLLED)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _participant_key(row) -> tuple[str, int]:
    return ("child", row.child_id) if row.child_id else ("student", row.student_id)


def _participant_entry(row) -> dict:
    kind, pk = _participant_key(row)
    person = row.child if kind == "child" else row.student
    return {"type": kind, "id": pk, "name": person.full_name, "code": person.code}


_PEOPLE = ("child", "student__user")


def course_attendance_report(*, course: Course, lecture_ids: list[int] | None = None) -> dict:
    """Participants × lectures (cancelled lectures left out; only ``lecture_ids`` when
    given). Participants are everyone enrolled in the course (any status) plus anyone with
    an attendance row. A cell is ``not_enrolled`` where the participant has no roster row:
    the lecture came before they joined (approval gives rows to lectures not started yet)
    or after they left."""
    chosen = Lecture.objects.filter(course=course).exclude(status=LectureStatus.CANCELLED)
    if lecture_ids is not None:
        chosen = chosen.filter(pk__in=lecture_ids)
    lectures = list(chosen.order_by("date", "start_time", "number"))
    people: dict[tuple[str, int], dict] = {}
    for enrollment in Enrollment.objects.filter(course=course).select_related(*_PEOPLE):
        people.setdefault(_participant_key(enrollment), _participant_entry(enrollment))
    marks: dict[tuple[tuple[str, int], int], LectureAttendance] = {}
    rows = LectureAttendance.objects.filter(lecture__in=[lec.pk for lec in lectures])
    for row in rows.select_related(*_PEOPLE):
        key = _participant_key(row)
        people.setdefault(key, _participant_entry(row))
        marks[(key, row.lecture_id)] = row

    lecture_counts = {lec.pk: dict.fromkeys(STATES, 0) for lec in lectures}
    participants = []
    for key, entry in sorted(people.items(), key=lambda item: (item[1]["name"], item[0])):
        cells = []
        totals = dict.fromkeys(STATES, 0)
        for lec in lectures:
            row = marks.get((key, lec.pk))
            if row is None:
                state, rating = NOT_ENROLLED, None
            elif row.present is None:
                state, rating = UNMARKED, None
            else:
                state = PRESENT if row.present else ABSENT
                rating = row.rating
            totals[state] += 1
            lecture_counts[lec.pk][state] += 1
            cells.append(
                {
                    "lecture": lec.pk,
                    "state": state,
                    "rating": None if rating is None else str(rating),
                }
            )
        participants.append(
            {
                **entry,
                "cells": cells,
                "totals": {
                    **totals,
                    "rate": rules.attendance_rate(totals[PRESENT], totals[ABSENT]),
                },
            }
        )
    return {
        "course": {"id": course.pk, "name": course.name},
        "lectures": [
            {
                "id": lec.pk,
                "number": lec.number,
                "date": lec.date.isoformat(),
                "counts": lecture_counts[lec.pk],
            }
            for lec in lectures
        ],
        "participants": participants,
    }


def _month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    nxt = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return first, nxt


def _scheduled_start(row: InstructorAttendance) -> datetime | None:
    if row.lecture_id:
        return row.lecture.starts_at
    if row.shift_id:
        return local_datetime(row.date, row.shift.start_time)
    return None


def instructor_attendance_report(*, month: date) -> dict:
    """Per instructor, the sessions of ``month`` (lecture and supervision rows): present,
    late, absent; average minutes late over late check-ins; average rating."""
    first, nxt = _month_bounds(month)
    rows = InstructorAttendance.objects.filter(date__gte=first, date__lt=nxt).select_related(
        "instructor__user", "lecture", "shift"
    )
    found: dict[int, dict] = {}
    late_minutes: dict[int, list[float]] = defaultdict(list)
    ratings: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        entry = found.setdefault(
            row.instructor_id,
            {
                "instructor": {
                    "id": row.instructor_id,
                    "name": row.instructor.user.get_full_name(),
                },
                "sessions": 0,
                "present": 0,
                "late": 0,
                "absent": 0,
            },
        )
        entry["sessions"] += 1
        if row.status in (
            InstructorAttendanceStatus.PRESENT,
            InstructorAttendanceStatus.LATE,
            InstructorAttendanceStatus.ABSENT,
        ):
            entry[row.status] += 1
        start = _scheduled_start(row)
        if row.status == InstructorAttendanceStatus.LATE and row.check_in_at and start:
            late_minutes[row.instructor_id].append(
                max((row.check_in_at - start).total_seconds() / 60, 0.0)
            )
        if row.rating is not None:
            ratings[row.instructor_id].append(row.rating)
    instructors = []
    for pk, entry in sorted(
        found.items(), key=lambda item: (item[1]["instructor"]["name"], item[0])
    ):
        lates, rated = late_minutes[pk], ratings[pk]
        entry["average_minutes_late"] = round(sum(lates) / len(lates), 1) if lates else None
        entry["average_rating"] = round(sum(rated) / len(rated), 2) if rated else None
        instructors.append(entry)
    return {"month": first.strftime("%Y-%m"), "instructors": instructors}


def finance_report(*, season: Season) -> dict:
    """Per course of the season: active enrollments; billed (the price of every enrollment
    not ended by a full refund), paid (payments not voided), refunded (approved refunds) and
    outstanding = billed − paid + refunded, i.e. the sum of the enrollments' balances."""
    zero = Value(Decimal("0.00"), output_field=MONEY)
    course = OuterRef("pk")
    # An enrollment ended by a full refund owes nothing (rules.balance): its price is not
    # billed, and its payments and refund cancel out.
    billed_qs = Enrollment.objects.filter(course=course).exclude(status=EnrollmentStatus.REFUNDED)
    paid_qs = Payment.objects.filter(enrollment__course=course, status=PaymentStatus.PAID)
    refunded_qs = RefundRequest.objects.filter(
        enrollment__course=course, status=RefundStatus.APPROVED
    )
    courses = (
        Course.objects.filter(season=season)
        .annotate(
            active_enrollments=Count(
                "enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE)
            ),
            billed=Coalesce(_scalar(billed_qs, "SUM", "price", MONEY), zero),
            paid=Coalesce(_scalar(paid_qs, "SUM", "amount", MONEY), zero),
            refunded=Coalesce(_scalar(refunded_qs, "SUM", "amount", MONEY), zero),
        )
        .order_by("name", "pk")
    )
    rows = []
    totals = {
        "active_enrollments": 0,
        "billed": Decimal(0),
        "paid": Decimal(0),
        "refunded": Decimal(0),
    }
    for c in courses:
        totals["active_enrollments"] += c.active_enrollments
        for field in ("billed", "paid", "refunded"):
            totals[field] += getattr(c, field)
        rows.append(
            {
                "course": {"id": c.pk, "name": c.name},
                "active_enrollments": c.active_enrollments,
                "billed": _money(c.billed),
                "paid": _money(c.paid),
                "refunded": _money(c.refunded),
                "outstanding": _money(
                    rules.balance(price=c.billed, paid=c.paid, refunded=c.refunded)
                ),
            }
        )
    return {
        "season": {"id": season.pk, "name": season.name},
        "courses": rows,
        "totals": {
            "active_enrollments": totals["active_enrollments"],
            "billed": _money(totals["billed"]),
            "paid": _money(totals["paid"]),
            "refunded": _money(totals["refunded"]),
            "outstanding": _money(
                rules.balance(
                    price=totals["billed"], paid=totals["paid"], refunded=totals["refunded"]
                )
            ),
        },
    }


# --- Flat tables for CSV / XLSX -------------------------------------------------------


def _state_text(cell: dict) -> str:
    text = {
        PRESENT: _("Present"),
        ABSENT: _("Absent"),
        UNMARKED: "",
        NOT_ENROLLED: _("Not enrolled yet"),
    }[cell["state"]]
    if cell["rating"] is not None:
        text = f"{text} ({cell['rating']})"
    return text


def _rate_text(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def course_attendance_table(report: dict) -> tuple[list[str], list[list]]:
    header = [_("Code"), _("Name")]
    header += [f"{lec['number']} ({lec['date']})" for lec in report["lectures"]]
    header += [_("Present"), _("Absent"), _("Unmarked"), _("Attendance rate")]
    rows: list[list] = []
    for p in report["participants"]:
        t = p["totals"]
        rows.append(
            [p["code"], p["name"], *(_state_text(c) for c in p["cells"])]
            + [t[PRESENT], t[ABSENT], t[UNMARKED], _rate_text(t["rate"])]
        )
    for state, label in ((PRESENT, _("Present")), (ABSENT, _("Absent")), (UNMARKED, _("Unmarked"))):
        rows.append(["", label, *(lec["counts"][state] for lec in report["lectures"])])
    return header, rows


def instructor_attendance_table(report: dict) -> tuple[list[str], list[list]]:
    header = [
        _("Instructor"),
        _("Sessions"),
        _("Present"),
        _("Late"),
        _("Absent"),
        _("Average minutes late"),
        _("Average rating"),
    ]
    rows = [
        [
            e["instructor"]["name"],
            e["sessions"],
            e["present"],
            e["late"],
            e["absent"],
            "" if e["average_minutes_late"] is None else e["average_minutes_late"],
            "" if e["average_rating"] is None else e["average_rating"],
        ]
        for e in report["instructors"]
    ]
    return header, rows


def finance_table(report: dict) -> tuple[list[str], list[list]]:
    header = [
        _("Course"),
        _("Active enrollments"),
        _("Billed"),
        _("Paid"),
        _("Refunded"),
        _("Outstanding"),
    ]
    keys = ("active_enrollments", "billed", "paid", "refunded", "outstanding")
    rows = [[c["course"]["name"], *(c[k] for k in keys)] for c in report["courses"]]
    rows.append([_("Total"), *(report["totals"][k] for k in keys)])
    return header, rows


def course_attendance_file(*, course: Course, fmt: str, lecture_ids: list[int] | None = None):
    """The matrix as a download: the API's ``?format=`` answer and the admin actions'."""
    report = course_attendance_report(course=course, lecture_ids=lecture_ids)
    header, rows = course_attendance_table(report)
    return download(fmt=fmt, filename=f"course-{course.pk}-attendance", header=header, rows=rows)

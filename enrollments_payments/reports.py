"""Admin reports (SPEC §6.6): course attendance matrix, instructor attendance by month,
finance by season (built in enrollments_payments.finance).

Each builder returns a plain dict (the JSON answer) and runs a fixed number of queries
whatever the number of rows: rows are fetched in one query per table and folded in
Python. ``report_tables`` flattens a report into a header and rows for CSV and XLSX, and
the ``*_file`` functions here give the download, to the API and the admin site alike.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from attendance.models import LectureAttendance
from attendance.models_staff import InstructorAttendance, InstructorAttendanceStatus
from courses.models import OFF_SCHEDULE, Course, Lecture, Season
from courses.rules import local_datetime
from enrollments_payments import rules
from enrollments_payments.exports import download
from enrollments_payments.finance import finance_report
from enrollments_payments.models import Enrollment
from enrollments_payments.report_tables import (
    ABSENT,
    NOT_ENROLLED,
    PRESENT,
    STATES,
    UNMARKED,
    course_attendance_table,
    finance_table,
    instructor_attendance_table,
)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


# The participant's identity as columns of one row.
_PERSON_COLUMNS = (
    "child_id",
    "student_id",
    "child__first_name",
    "child__last_name",
    "child__code",
    "student__user__first_name",
    "student__user__last_name",
    "student__code",
)


def _person(values: tuple) -> tuple[tuple[str, int], dict]:
    child_id, student_id, c_first, c_last, c_code, s_first, s_last, s_code = values
    if child_id:
        key, name, code = ("child", child_id), f"{c_first} {c_last}", c_code
    else:
        key, name, code = ("student", student_id), f"{s_first} {s_last}", s_code
    return key, {"type": key[0], "id": key[1], "name": name.strip(), "code": code}


def _course_lectures(course: Course, lecture_ids: list[int] | None) -> list[tuple]:
    """(id, number, date) of the course's lectures in the report, cancelled and unapproved
    ones left out."""
    chosen = Lecture.objects.filter(course=course).exclude(status__in=OFF_SCHEDULE)
    if lecture_ids is not None:
        chosen = chosen.filter(pk__in=lecture_ids)
    return list(chosen.order_by("date", "start_time", "number").values_list("pk", "number", "date"))


def _cell(row: tuple | None) -> tuple[str, Decimal | None, str | None]:
    """(state, rating, via) of one participant at one lecture from its (present, rating,
    via); ``via`` only for a marked row."""
    if row is None:
        return NOT_ENROLLED, None, None
    present, rating, via = row
    if present is None:
        return UNMARKED, None, None
    return (PRESENT if present else ABSENT), rating, via


def course_attendance_report(*, course: Course, lecture_ids: list[int] | None = None) -> dict:
    """Participants × lectures (cancelled lectures left out; only ``lecture_ids`` when
    given). Participants are everyone enrolled in the course (any status) plus anyone with
    an attendance row. A cell is ``not_enrolled`` where the participant has no roster row:
    the lecture came before they joined (approval gives rows to lectures not started yet)
    or after they left.

    Built from plain values (three queries, whatever the rows): a course of 100
    participants and 10 lectures has a thousand attendance rows, and model instances of
    them would cost most of the report's time."""
    lectures = _course_lectures(course, lecture_ids)
    lecture_pks = [pk for pk, _number, _date in lectures]
    people: dict[tuple[str, int], dict] = {}
    enrolled = Enrollment.objects.filter(course=course).order_by().values_list(*_PERSON_COLUMNS)
    for values in enrolled:
        key, entry = _person(values)
        people.setdefault(key, entry)
    marks: dict[tuple[tuple[str, int], int], tuple] = {}
    rows = LectureAttendance.objects.filter(lecture__in=lecture_pks).order_by()
    for values in rows.values_list("lecture_id", "present", "rating", "via", *_PERSON_COLUMNS):
        key, entry = _person(values[4:])
        people.setdefault(key, entry)
        marks[(key, values[0])] = values[1:4]

    lecture_counts = {pk: dict.fromkeys(STATES, 0) for pk in lecture_pks}
    participants = []
    for key, entry in sorted(people.items(), key=lambda item: (item[1]["name"], item[0])):
        cells = []
        totals = dict.fromkeys(STATES, 0)
        for pk in lecture_pks:
            state, rating, via = _cell(marks.get((key, pk)))
            totals[state] += 1
            lecture_counts[pk][state] += 1
            rating = None if rating is None else str(rating)
            cells.append({"lecture": pk, "state": state, "rating": rating, "via": via})
        totals["rate"] = rules.attendance_rate(totals[PRESENT], totals[ABSENT])
        participants.append({**entry, "cells": cells, "totals": totals})
    return {
        "course": {"id": course.pk, "name": course.name},
        "lectures": [
            {"id": pk, "number": number, "date": day.isoformat(), "counts": lecture_counts[pk]}
            for pk, number, day in lectures
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


def _scheduled_start(lecture_date, lecture_start, shift_start, day) -> datetime | None:
    if lecture_date is not None:
        return local_datetime(lecture_date, lecture_start)
    if shift_start is not None:
        return local_datetime(day, shift_start)
    return None


_COUNTED = {
    InstructorAttendanceStatus.PRESENT.value,
    InstructorAttendanceStatus.LATE.value,
    InstructorAttendanceStatus.ABSENT.value,
}


def instructor_attendance_report(*, month: date) -> dict:
    """Per instructor, the sessions of ``month`` (lecture and supervision rows): present,
    late, absent; average minutes late over late check-ins; average rating."""
    first, nxt = _month_bounds(month)
    rows = (
        InstructorAttendance.objects.filter(date__gte=first, date__lt=nxt)
        .order_by()
        .values_list(
            "instructor_id",
            "instructor__user__first_name",
            "instructor__user__last_name",
            "status",
            "check_in_at",
            "rating",
            "date",
            "lecture__date",
            "lecture__start_time",
            "shift__start_time",
        )
    )
    found: dict[int, dict] = {}
    late_minutes: dict[int, list[float]] = defaultdict(list)
    ratings: dict[int, list[int]] = defaultdict(list)
    for pk, first_name, last_name, status, check_in, rating, day, *starts in rows:
        entry = found.get(pk)
        if entry is None:
            name = f"{first_name} {last_name}".strip()
            entry = found[pk] = {
                "instructor": {"id": pk, "name": name},
                "sessions": 0,
                "present": 0,
                "late": 0,
                "absent": 0,
            }
        entry["sessions"] += 1
        if status in _COUNTED:
            entry[status] += 1
        if status == InstructorAttendanceStatus.LATE and check_in:
            start = _scheduled_start(*starts, day)
            if start:
                late_minutes[pk].append(max((check_in - start).total_seconds() / 60, 0.0))
        if rating is not None:
            ratings[pk].append(rating)
    instructors = []
    for pk, entry in sorted(
        found.items(), key=lambda item: (item[1]["instructor"]["name"], item[0])
    ):
        lates, rated = late_minutes[pk], ratings[pk]
        entry["average_minutes_late"] = round(sum(lates) / len(lates), 1) if lates else None
        entry["average_rating"] = round(sum(rated) / len(rated), 2) if rated else None
        instructors.append(entry)
    return {"month": first.strftime("%Y-%m"), "instructors": instructors}


# --- The downloads: one function per report, for the API and the admin site alike ------


def course_attendance_file(*, course: Course, fmt: str, lecture_ids: list[int] | None = None):
    """The matrix as a download: the API's ``?format=`` answer and the admin's."""
    report = course_attendance_report(course=course, lecture_ids=lecture_ids)
    header, rows = course_attendance_table(report)
    return download(fmt=fmt, filename=f"course-{course.pk}-attendance", header=header, rows=rows)


def instructor_attendance_file(*, month: date, fmt: str):
    """The month's instructor attendance as a download (API and admin)."""
    header, rows = instructor_attendance_table(instructor_attendance_report(month=month))
    return download(
        fmt=fmt, filename=f"instructor-attendance-{month:%Y-%m}", header=header, rows=rows
    )


def finance_file(*, season: Season, fmt: str):
    """The season's finance report as a download (API and admin)."""
    header, rows = finance_table(finance_report(season=season))
    return download(fmt=fmt, filename=f"finance-season-{season.pk}", header=header, rows=rows)

"""The reports of ``enrollments_payments.reports`` as flat tables for CSV and XLSX.

A table is a header and rows of typed cells (``exports``: counts ``int``, money
``Decimal``, rates ``Percent``, nothing ``None``), so the CSV reads as the JSON does and the
XLSX stores numbers. Pure functions of the report dicts: no queries here.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from enrollments_payments.exports import Percent

PRESENT = "present"
ABSENT = "absent"
UNMARKED = "unmarked"
# A lecture held before the participant enrolled (or after they left): no roster row, no
# mark expected — not the same as a roster row nobody marked.
NOT_ENROLLED = "not_enrolled"
STATES = (PRESENT, ABSENT, UNMARKED, NOT_ENROLLED)


def _rate(rate: float | None) -> Percent | None:
    return None if rate is None else Percent(rate)


def course_attendance_table(report: dict) -> tuple[list[str], list[list]]:
    labels = {
        PRESENT: _("Present"),
        ABSENT: _("Absent"),
        UNMARKED: "",
        NOT_ENROLLED: _("Not enrolled yet"),
    }

    scanned = _("card scan")

    def state_text(cell: dict) -> str:
        text = labels[cell["state"]]
        text = text if cell["rating"] is None else f"{text} ({cell['rating']})"
        # A mark recorded by scanning the participant's card says so (§6.11).
        return f"{text} · {scanned}" if cell.get("via") == "qr" else text

    header = [_("Code"), _("Name")]
    header += [f"{lec['number']} ({lec['date']})" for lec in report["lectures"]]
    header += [_("Present"), _("Absent"), _("Unmarked"), _("Attendance rate")]
    rows: list[list] = []
    for p in report["participants"]:
        t = p["totals"]
        rows.append(
            [p["code"], p["name"], *(state_text(c) for c in p["cells"])]
            + [t[PRESENT], t[ABSENT], t[UNMARKED], _rate(t["rate"])]
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
            e["average_minutes_late"],
            e["average_rating"],
        ]
        for e in report["instructors"]
    ]
    return header, rows


_FINANCE_MONEY = ("billed", "paid", "refunded", "outstanding")


def _finance_cells(entry: dict) -> list:
    return [entry["active_enrollments"], *(Decimal(entry[k]) for k in _FINANCE_MONEY)]


def finance_table(report: dict) -> tuple[list[str], list[list]]:
    header = [
        _("Course"),
        _("Active enrollments"),
        _("Billed"),
        _("Paid"),
        _("Refunded"),
        _("Outstanding"),
    ]
    rows = [[c["course"]["name"], *_finance_cells(c)] for c in report["courses"]]
    rows += [
        [_("%(name)s (online)") % {"name": c["online_course"]["name"]}, *_finance_cells(c)]
        for c in report.get("online_courses", ())
    ]
    rows.append([_("Total"), *_finance_cells(report["totals"])])
    return header, rows

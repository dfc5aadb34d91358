"""Today at the center (SPEC §6.6 "Dashboard"): the admin index page and
``GET /api/dashboard/`` show these figures.

It reads lectures, attendance and enrollment/refund requests, in a fixed number of
queries whatever the number of lectures or rows: each table is read once, and the weekly
rates are summed per day by the database and folded into weeks here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import rules as attendance_rules
from attendance.models import LectureAttendance
from attendance.models_staff import InstructorAttendance, InstructorAttendanceStatus
from attendance.selectors import counts_of, lectures_with_counts
from attendance.submission import attendance_window
from courses.models import Lecture, LectureStatus, Season
from courses.rules import CENTER_TZ
from enrollments_payments.models import (
    EnrollmentRequest,
    RefundRequest,
    RefundStatus,
    RequestStatus,
)
from enrollments_payments.rules import attendance_rate

TAKEN = "taken"
OPEN = "open"
NOT_OPEN = "not_open"
MISSED = "missed"  # the window closed without attendance


def lecture_state(*, lecture: Lecture, now: datetime) -> str:
    if lecture.attendance_taken:
        return TAKEN
    opens_at, closes_at = attendance_window(lecture=lecture)
    state = attendance_rules.window_state(opens_at=opens_at, closes_at=closes_at, now=now)
    return {attendance_rules.WINDOW_OPEN: OPEN, attendance_rules.WINDOW_CLOSED: MISSED}.get(
        state, NOT_OPEN
    )


def current_season(today: date) -> Season | None:
    """The active season running today, else the active one that started last."""
    seasons = Season.objects.filter(is_active=True, start_date__lte=today).order_by(
        "-start_date", "-pk"
    )
    running = seasons.filter(end_date__gte=today).first()
    return running or seasons.first()


def weekly_rates(*, season: Season, today: date) -> list[dict]:
    """Attendance rate (present / marked) of each week of the season up to today; weeks
    are counted from the season's first day."""
    last = min(today, season.end_date)
    if last < season.start_date:
        return []
    per_day = (
        LectureAttendance.objects.filter(
            lecture__course__season=season,
            lecture__date__gte=season.start_date,
            lecture__date__lte=last,
            present__isnull=False,
        )
        .exclude(lecture__status=LectureStatus.CANCELLED)
        .values("lecture__date")
        .annotate(present_n=Count("pk", filter=Q(present=True)), marked_n=Count("pk"))
        .order_by()
    )
    weeks_n = (last - season.start_date).days // 7 + 1
    present = [0] * weeks_n
    marked = [0] * weeks_n
    for row in per_day:
        index = (row["lecture__date"] - season.start_date).days // 7
        present[index] += row["present_n"]
        marked[index] += row["marked_n"]
    return [
        {
            "week": i + 1,
            "start": (season.start_date + timedelta(days=7 * i)).isoformat(),
            "present": present[i],
            "marked": marked[i],
            "rate": attendance_rate(present[i], marked[i] - present[i]),
        }
        for i in range(weeks_n)
    ]


def _lecture_ref(lecture: Lecture) -> dict:
    """``{id, name}`` like every reference of the dashboard; a lecture's name is its title,
    or its number when it has none."""
    name = lecture.title or _("Lecture %(number)d") % {"number": lecture.number}
    return {"id": lecture.pk, "name": name}


def dashboard_figures(*, now: datetime | None = None) -> dict:
    now = timezone.localtime(now or timezone.now(), CENTER_TZ)
    today = now.date()
    lectures = list(
        lectures_with_counts(
            Lecture.objects.filter(date=today)
            .exclude(status=LectureStatus.CANCELLED)
            .select_related("course", "instructor__user")
            .order_by("start_time", "pk")
        )
    )
    staff = InstructorAttendance.objects.filter(
        date=today,
        status__in=[InstructorAttendanceStatus.LATE, InstructorAttendanceStatus.ABSENT],
    ).select_related("instructor__user", "lecture__course", "shift")
    season = current_season(today)
    return {
        "date": today.isoformat(),
        "now": now.isoformat(),
        "lectures": [
            {
                "id": lec.pk,
                "number": lec.number,
                "course": {"id": lec.course_id, "name": lec.course.name},
                "starts_at": lec.starts_at.isoformat(),
                "ends_at": lec.ends_at.isoformat(),
                "instructor": (
                    {"id": lec.instructor_id, "name": lec.instructor.user.get_full_name()}
                    if lec.instructor_id
                    else None
                ),
                "state": lecture_state(lecture=lec, now=now),
                "counts": {key: value for key, value in counts_of(lec).items()},
            }
            for lec in lectures
        ],
        "instructors_late_or_absent": [
            {
                "instructor": {
                    "id": row.instructor_id,
                    "name": row.instructor.user.get_full_name(),
                },
                "status": row.status,
                # In Cairo time, as every datetime of the API (§4).
                "check_in_at": (
                    timezone.localtime(row.check_in_at, CENTER_TZ).isoformat()
                    if row.check_in_at
                    else None
                ),
                # A supervision shift has no lecture: both null.
                "lecture": _lecture_ref(row.lecture) if row.lecture_id else None,
                "course": (
                    {"id": row.lecture.course_id, "name": row.lecture.course.name}
                    if row.lecture_id
                    else None
                ),
            }
            for row in staff.order_by("status", "instructor__user__first_name", "pk")
        ],
        "pending": {
            "enrollment_requests": EnrollmentRequest.objects.filter(
                status=RequestStatus.PENDING
            ).count(),
            "refund_requests": RefundRequest.objects.filter(status=RefundStatus.PENDING).count(),
        },
        "season": None if season is None else {"id": season.pk, "name": season.name},
        "weekly_attendance": [] if season is None else weekly_rates(season=season, today=today),
    }


# --- The chart ---------------------------------------------------------------------------

WIDTH, HEIGHT, PAD = 640, 220, 32


def weekly_chart_svg(weeks: list[dict], *, title: str) -> str:
    """A bar chart of the weekly rates as inline SVG markup: no script, no external
    resource. Weeks without marks get no bar."""
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="weekly-attendance-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" style="max-width:{WIDTH}px">',
        f"<title>{escape(title)}</title>",
    ]
    for pct in (0, 50, 100):
        y = PAD + inner_h * (1 - pct / 100)
        parts.append(
            f'<line x1="{PAD}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" '
            f'stroke="#ccc" stroke-width="1"/>'
            f'<text x="{PAD - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#666">{pct}%</text>'
        )
    n = max(len(weeks), 1)
    slot = inner_w / n
    bar = max(slot * 0.6, 1)
    for i, week in enumerate(weeks):
        x = PAD + i * slot + (slot - bar) / 2
        label_x = x + bar / 2
        label = escape(_("Week %(number)s") % {"number": week["week"]})
        if week["rate"] is not None:
            h = inner_h * week["rate"]
            pct = f"{week['rate'] * 100:.0f}%"
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{PAD + inner_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="#2e7d32"><title>{label}: {pct}</title></rect>'
                # The figure itself above its bar: the chart is read, not hovered.
                f'<text class="rate" x="{label_x:.1f}" y="{PAD + inner_h - h - 4:.1f}" '
                f'font-size="11" text-anchor="middle" fill="#1b5e20">{pct}</text>'
            )
        parts.append(
            f'<text x="{label_x:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" '
            f'text-anchor="middle" fill="#333">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

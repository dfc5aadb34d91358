"""Today at the center (SPEC §6.6 "Dashboard"): the admin index page and
``GET /api/dashboard/`` show these figures.

It reads lectures, attendance and enrollment/refund requests, in a fixed number of
queries whatever the number of lectures or rows: each table is read once, and the weekly
rates are summed per day by the database and folded into weeks here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import rules as attendance_rules
from attendance.models import LectureAttendance
from attendance.models_staff import InstructorAttendance, InstructorAttendanceStatus
from attendance.selectors import counts_of, lectures_with_counts
from attendance.submission import attendance_window
from courses.models import OFF_SCHEDULE, Lecture, LectureStatus, Season
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
    """The season running today — an active one before an inactive one, of several the
    one that started last; with none running, the past active season that started last. Never
    merely the newest season created (one planned for next term would hide today's)."""
    running = Q(start_date__lte=today, end_date__gte=today)
    rank = Case(
        When(running & Q(is_active=True), then=Value(0)),
        When(running, then=Value(1)),
        default=Value(2),
    )
    return (
        Season.objects.filter(running | Q(is_active=True, end_date__lt=today))
        .order_by(rank, "-start_date", "-pk")
        .first()
    )


def season_choices(*, today: date, selected: Season | None) -> list[dict]:
    """Every season for the dashboard's picker, latest first, the shown one selected."""
    return [
        {
            "id": season.pk,
            "name": season.name,
            "start": season.start_date.isoformat(),
            "end": season.end_date.isoformat(),
            "running": season.start_date <= today <= season.end_date,
            "selected": selected is not None and season.pk == selected.pk,
        }
        for season in Season.objects.order_by("-start_date", "-pk")
    ]


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


def dashboard_figures(*, now: datetime | None = None, season: Season | None = None) -> dict:
    """Today's figures; the chart is ``season``'s, by default the season running today
    (:func:`current_season`)."""
    now = timezone.localtime(now or timezone.now(), CENTER_TZ)
    today = now.date()
    lectures = list(
        lectures_with_counts(
            Lecture.objects.filter(date=today)
            .exclude(status__in=OFF_SCHEDULE)
            .select_related("course", "instructor__user")
            .order_by("start_time", "pk")
        )
    )
    staff = InstructorAttendance.objects.filter(
        date=today,
        status__in=[InstructorAttendanceStatus.LATE, InstructorAttendanceStatus.ABSENT],
    ).select_related("instructor__user", "lecture__course", "shift")
    if season is None:
        season = current_season(today)
    # Both counts of pending requests in one query.
    requests = EnrollmentRequest.objects.filter(status=RequestStatus.PENDING).aggregate(
        all=Count("pk"), online=Count("pk", filter=Q(online_course__isnull=False))
    )
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
            "enrollment_requests": requests["all"],
            "refund_requests": RefundRequest.objects.filter(status=RefundStatus.PENDING).count(),
        },
        # Of the pending enrollment requests, those for online courses.
        "pending_online": {"enrollment_requests": requests["online"]},
        "season": None if season is None else {"id": season.pk, "name": season.name},
        "weekly_attendance": [] if season is None else weekly_rates(season=season, today=today),
    }


# --- The chart ---------------------------------------------------------------------------
# Two drawings of the same figures as inline SVG markup (no script, no external resource):
# columns for a desk, and a bar per line for a phone, where a 640-unit-wide drawing shrunk
# to 350 pixels would make its text unreadable. The page's stylesheet shows one of them.

WIDTH, HEIGHT, PAD = 640, 220, 32
# Past this many weeks a column's label is its number alone (the words would overlap).
WORDED_WEEKS = 8


def _week_label(week: dict) -> str:
    return _("Week %(number)s") % {"number": week["week"]}


def _pct(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def weekly_chart_svg(weeks: list[dict], *, title: str) -> str:
    """Columns of the weekly rates, for a desk. Weeks without marks get no column."""
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
            f'<text x="{PAD - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#555">{pct}%</text>'
        )
    n = max(len(weeks), 1)
    slot = inner_w / n
    bar = max(slot * 0.6, 1)
    worded = len(weeks) <= WORDED_WEEKS
    for i, week in enumerate(weeks):
        x = PAD + i * slot + (slot - bar) / 2
        label_x = x + bar / 2
        label = escape(_week_label(week))
        if week["rate"] is not None:
            h = inner_h * week["rate"]
            pct = _pct(week["rate"])
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{PAD + inner_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="#2e7d32"><title>{label}: {pct}</title></rect>'
                # The figure itself above its bar: the chart is read, not hovered.
                f'<text class="rate" x="{label_x:.1f}" y="{PAD + inner_h - h - 4:.1f}" '
                f'font-size="12" text-anchor="middle" fill="#1b5e20">{pct}</text>'
            )
        parts.append(
            f'<text x="{label_x:.1f}" y="{HEIGHT - PAD + 16}" font-size="12" '
            f'text-anchor="middle" fill="#333">{label if worded else week["week"]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


NARROW_W, ROW, LABEL_W, FIGURE_W = 340, 30, 78, 44


def weekly_chart_narrow_svg(weeks: list[dict], *, title: str) -> str:
    """A line per week — its name, a bar on a 100% track, the figure — for a phone: drawn
    about as wide as it is shown, so its 13-unit text stays 13 pixels or so."""
    height = max(len(weeks), 1) * ROW + 8
    track_end = NARROW_W - LABEL_W  # bars grow leftwards from the week's name
    track_w = track_end - FIGURE_W
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="weekly-attendance-chart-narrow" '
        f'role="img" viewBox="0 0 {NARROW_W} {height}" width="100%">',
        f"<title>{escape(title)}</title>",
    ]
    for i, week in enumerate(weeks):
        top = 4 + i * ROW
        middle = top + ROW / 2 + 5
        label = escape(_week_label(week))
        parts.append(
            f'<text x="{NARROW_W - 2}" y="{middle:.1f}" font-size="13" text-anchor="end" '
            f'fill="#333">{label}</text>'
            f'<rect class="track" x="{FIGURE_W}" y="{top + 6}" width="{track_w}" '
            f'height="{ROW - 12}" fill="#e8f5e9"/>'
        )
        if week["rate"] is None:
            figure, figure_x = "—", track_end - 6
        else:
            w = track_w * week["rate"]
            figure, figure_x = _pct(week["rate"]), track_end - w - 4
            parts.append(
                f'<rect class="hbar" x="{track_end - w:.1f}" y="{top + 6}" width="{w:.1f}" '
                f'height="{ROW - 12}" fill="#2e7d32"><title>{label}: {figure}</title></rect>'
            )
        # The figure just before its bar; FIGURE_W keeps room for "100%" left of the track.
        parts.append(
            f'<text class="rate" x="{figure_x:.1f}" y="{middle:.1f}" font-size="13" '
            f'text-anchor="end" fill="#1b5e20">{figure}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

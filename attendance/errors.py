"""Domain errors of the staff side of attendance (codes are part of the API contract)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, Forbidden, Invalid


def not_a_supervisor() -> Invalid:
    return Invalid(
        "not_a_supervisor",
        _("Supervision shifts are for instructors of kind supervisor."),
        field="supervisor",
    )


def shift_has_attendance() -> Conflict:
    return Conflict(
        "shift_has_attendance",
        _("This shift has recorded attendance; deactivate it instead of deleting it."),
    )


def already_checked_in() -> Conflict:
    return Conflict("already_checked_in", _("This session is already checked in."))


def not_checked_in() -> Conflict:
    return Conflict("not_checked_in", _("This session has not been checked in."))


def rating_not_allowed() -> Conflict:
    return Conflict("rating_not_allowed", _("Only a session the instructor attended can be rated."))


def session_not_started() -> Invalid:
    return Invalid(
        "session_not_started",
        _("This session has not started; it cannot be marked absent yet."),
    )


def time_in_future() -> Invalid:
    return Invalid("time_in_future", _("This time is in the future."), field="at")


def time_not_on_session_day() -> Invalid:
    return Invalid(
        "time_not_on_session_day", _("This time is not on the day of the session."), field="at"
    )


def check_out_before_check_in() -> Invalid:
    return Invalid(
        "check_out_before_check_in", _("The check-out is before the check-in."), field="at"
    )


class RecordInvalid(Invalid):
    """One record of an attendance submission is wrong: the body names its index and field
    (``{"code", "detail", "index", "field", "records": {"<index>": {"<field>": [...]}}}``)."""

    def __init__(self, code: str, message, *, index: int, field: str) -> None:
        super().__init__(code, message)
        self.index = index
        self.record_field = field
        self.extra = {
            "index": index,
            "field": field,
            "records": {str(index): {field: [str(message)]}},
        }


def not_course_instructor() -> Forbidden:
    return Forbidden(
        "not_course_instructor",
        _("Only the lecture's instructor, a supervisor or an admin may take its attendance."),
    )


def attendance_not_open() -> Forbidden:
    return Forbidden("attendance_not_open", _("This lecture has not started yet."))


def attendance_window_closed() -> Forbidden:
    return Forbidden(
        "attendance_window_closed",
        _("The time for taking this lecture's attendance is over; ask an admin."),
    )


def lecture_cancelled() -> Conflict:
    return Conflict("lecture_cancelled", _("This lecture was cancelled."))


def lecture_not_approved() -> Conflict:
    return Conflict(
        "lecture_not_approved",
        _("This lecture is a proposal that was not approved; it has no attendance."),
    )

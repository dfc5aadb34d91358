"""Domain errors of the staff side of attendance (codes are part of the API contract)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, Invalid


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


def time_in_future() -> Invalid:
    return Invalid("time_in_future", _("This time is in the future."), field="at")


def check_out_before_check_in() -> Invalid:
    return Invalid(
        "check_out_before_check_in", _("The check-out is before the check-in."), field="at"
    )

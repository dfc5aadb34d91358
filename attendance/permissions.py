"""Role gates of the staff side of attendance: who could ever have a row there.

A role that can never have a row of one of these endpoints is refused by role (``403
permission_denied``), as on every staff-only endpoint, rather than answered an empty
list. Within the roles let in, rows stay scoped by ``attendance.selectors``: another
instructor's row or another supervisor's shift is ``404``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.permissions import is_admin


def _is_instructor(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", None) == "instructor")


class MayReadInstructorAttendance(BasePermission):
    """Admins and instructors (supervisors included): their sessions are the rows."""

    message = _("Only the center's staff and instructors can see instructor attendance.")

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user) or _is_instructor(request.user)


class MayReadSupervisorShifts(BasePermission):
    """Admins and supervisors: a teacher, a parent or a student never has a shift."""

    message = _("Only the center's staff and supervisors can see supervision shifts.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if is_admin(user):
            return True
        # The profile is read once per request object (Django caches the relation).
        profile = getattr(user, "instructor_profile", None) if _is_instructor(user) else None
        return bool(profile is not None and profile.is_supervisor)

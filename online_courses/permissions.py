"""Role gates of the online-course endpoints (core.permissions holds the shared ones)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.permissions import is_admin


class IsLearner(BasePermission):
    """Parents (for a child of theirs) and adult students: the ones who watch lessons."""

    message = _("Only a participant's family records lesson progress.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.role in ("parent", "student")
        ) and not is_admin(user)

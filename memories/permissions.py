"""Role gates of the memory endpoints (core.permissions holds the shared ones)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.permissions import is_admin


class IsPoster(BasePermission):
    """Admins and instructors post memories (which course: the service's rule)."""

    message = _("Only the center's staff post memories.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_admin(user) or bool(user and user.is_authenticated and user.role == "instructor")


class IsFamily(BasePermission):
    """Parents and adult students: the families of the tagged."""

    message = _("Only a participant's family removes a tag.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.role in ("parent", "student")
        ) and not is_admin(user)

"""Role gates shared by every app. Object visibility is done by scoping querysets."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def is_admin(user) -> bool:
    """Center staff: role ``admin`` or any ``is_staff`` user."""
    return bool(
        user and user.is_authenticated and (user.is_staff or getattr(user, "role", None) == "admin")
    )


class IsAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class IsAdminOrReadOnly(BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_admin(request.user)


class HasRole(BasePermission):
    """Subclass with ``roles = {...}``; admins always pass."""

    roles: frozenset[str] = frozenset()

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and (is_admin(user) or user.role in self.roles)


class IsParent(HasRole):
    roles = frozenset({"parent"})


class IsParentOnly(BasePermission):
    """Parents only — admins act through other endpoints."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == "parent")

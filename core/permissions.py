"""Role gates shared by every app, declared per action and refused by default.

Each viewset lists, in one ``permission_map``, the permission classes of every action it
routes; :class:`DeclaredPermissionsMixin` refuses an action missing from the map, so a new
action is closed until someone writes down who may call it (``tests/test_permissions.py``
walks every routed action and fails on one without a rule). The map holds *role* gates
only; checks that depend on the data (the course's instructor, the primary parent, a
supervisor) are made by the services, which take ``actor=``. Object visibility is done by
scoping querysets (others' rows are 404).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

# What DRF calls an action that no route declares: ``None`` when the method has no handler
# (DRF answers 405 itself) and ``metadata`` for OPTIONS. Unless a map declares them (seasons
# and tags keep OPTIONS public), both get the project's default, IsAuthenticated: OPTIONS
# describes the endpoint to a logged-in client and changes nothing, and an unknown method is
# a 405 for them (401 for anonymous callers), never a 403.
UNROUTED_ACTIONS = frozenset({None, "metadata"})


def is_admin(user) -> bool:
    """Center staff: role ``admin`` or any ``is_staff`` user. The one definition."""
    return bool(
        user and user.is_authenticated and (user.is_staff or getattr(user, "role", None) == "admin")
    )


class DenyAll(BasePermission):
    """What an undeclared action gets."""

    message = _("This action is not available.")
    code = "action_not_declared"

    def has_permission(self, request, view) -> bool:
        return False


class IsAdmin(BasePermission):
    """Center staff only (403 ``permission_denied`` for anyone else, 401 if anonymous)."""

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class AdminOnly(BasePermission):
    """Center staff only, answered as 403 ``admin_only``.

    On detail routes the role is checked once the object is found (``get_object()`` calls
    ``has_object_permission``), so a row the caller cannot see stays a 404 and one they can
    see but not change is a 403 — the order the API has always answered in. Every detail
    action of ours calls ``get_object()``.
    """

    message = _("Only the center's staff may do this.")
    code = "admin_only"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return bool(getattr(view, "detail", False)) or is_admin(user)

    def has_object_permission(self, request, view, obj) -> bool:
        return is_admin(request.user)


class ReadOnlyOrAdminOnly(AdminOnly):
    """Anyone reads (GET/HEAD/OPTIONS); writing is :class:`AdminOnly`."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or super().has_object_permission(request, view, obj)


class IsAdminOrInstructor(BasePermission):
    """Staff or any instructor; which course the instructor may touch is the service's
    rule (``actor=``)."""

    message = _("Only admins and instructors add exams.")
    code = "not_course_instructor"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_admin(user) or bool(
            user and user.is_authenticated and getattr(user, "role", None) == "instructor"
        )


class IsParentOnly(BasePermission):
    """Parents only — admins act through other endpoints."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == "parent")


PermissionList = list[type[BasePermission]]


class DeclaredPermissionsMixin:
    """``permission_map = {"list": [AllowAny], "create": [AdminOnly], ...}``.

    Put it first in the bases so its ``get_permissions`` wins. An action absent from the
    map is refused with :class:`DenyAll`; ``permission_classes`` is never consulted.
    """

    permission_map: dict[str, PermissionList] = {}

    def get_permissions(self):
        action = getattr(self, "action", None)
        classes = self.permission_map.get(action)
        if classes is None:
            if action in UNROUTED_ACTIONS or self._method_refused():
                return [IsAuthenticated()]
            return [DenyAll()]
        return [permission() for permission in classes]

    def _method_refused(self) -> bool:
        """A method the viewset does not offer (``http_method_names``) is DRF's 405."""
        request = getattr(self, "request", None)
        return request is not None and request.method.lower() not in self.http_method_names

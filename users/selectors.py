"""Reads scoped to the caller. Rows outside the scope are simply not there (404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.permissions import is_admin
from users.models import Child, Instructor, Parent, ParentLinkRequest, StudentUser


def parent_of(user) -> Parent | None:
    if not user.is_authenticated or user.role != "parent":
        return None
    try:
        return user.parent_profile
    except Parent.DoesNotExist:
        return None


def children_visible_to(user) -> QuerySet[Child]:
    qs = Child.objects.select_related("primary_parent")
    if is_admin(user):
        return qs
    parent = parent_of(user)
    if parent is None:
        return qs.none()
    return qs.of_parent(parent)


def link_requests_visible_to(user) -> QuerySet[ParentLinkRequest]:
    """Requests the parent made, and requests about children they are primary parent of."""
    qs = ParentLinkRequest.objects.select_related("child", "requester__user")
    if is_admin(user):
        return qs
    parent = parent_of(user)
    if parent is None:
        return qs.none()
    return qs.filter(Q(requester=parent) | Q(child__primary_parent=parent))


def instructors_public() -> QuerySet[Instructor]:
    return (
        Instructor.objects.filter(user__is_active=True)
        .select_related("user")
        .prefetch_related("tags")
    )


def instructors_for_admin() -> QuerySet[Instructor]:
    return Instructor.objects.select_related("user").prefetch_related("tags")


def students_for_admin() -> QuerySet[StudentUser]:
    return StudentUser.objects.select_related("user")


def parents_for_admin() -> QuerySet[Parent]:
    return Parent.objects.select_related("user").prefetch_related("primary_children")

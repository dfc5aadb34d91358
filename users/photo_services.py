"""Photos of users, children and instructors (§6.8).

An instructor's photo is their user's, kept in the public storage (the catalogue shows
it); every other user's and every child's is private. The writing itself is
files.photos's: row lock, old files removed after the commit.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import NotFound
from core.permissions import is_admin
from files.config import PRIVATE, PUBLIC
from files.photos import photo_clear, photo_replace
from users.models import Child, CustomUser, Instructor, Role
from users.selectors import parent_of

FOLDER = "photos"


def _storage_for(user: CustomUser) -> str:
    return PUBLIC if user.role == Role.INSTRUCTOR else PRIVATE


def user_photo_set(*, user: CustomUser, upload) -> CustomUser:
    """Set a user's own photo from an uploaded image (400 on a refused file)."""
    return photo_replace(
        source=CustomUser,
        pk=user.pk,
        field="photo",
        upload=upload,
        storage=_storage_for(user),
        folder=FOLDER,
    )


def user_photo_remove(*, user: CustomUser) -> CustomUser:
    return photo_clear(source=CustomUser, pk=user.pk, field="photo")


def instructor_photo_set(*, instructor: Instructor, upload) -> Instructor:
    """An instructor's photo (their user's), public."""
    instructor.user = photo_replace(
        source=CustomUser,
        pk=instructor.user_id,
        field="photo",
        upload=upload,
        storage=PUBLIC,
        folder=FOLDER,
    )
    return instructor


def instructor_photo_remove(*, instructor: Instructor) -> Instructor:
    instructor.user = photo_clear(source=CustomUser, pk=instructor.user_id, field="photo")
    return instructor


def child_check_photo_editor(*, child: Child, actor: CustomUser) -> None:
    """Any linked parent of the child, or an admin; anyone else does not see it (404)."""
    if is_admin(actor):
        return
    parent = parent_of(actor)
    if parent is not None and Child.objects.of_parent(parent).filter(pk=child.pk).exists():
        return
    raise NotFound("not_found", _("Not found."))


def child_photo_set(*, child: Child, actor: CustomUser, upload) -> Child:
    child_check_photo_editor(child=child, actor=actor)
    return photo_replace(
        source=Child, pk=child.pk, field="photo", upload=upload, storage=PRIVATE, folder=FOLDER
    )


def child_photo_remove(*, child: Child, actor: CustomUser) -> Child:
    child_check_photo_editor(child=child, actor=actor)
    return photo_clear(source=Child, pk=child.pk, field="photo")

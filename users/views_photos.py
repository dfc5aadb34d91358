"""Photo endpoints of people (§6.8): ``/auth/users/me/photo/``,
``/api/children/{id}/photo/`` and ``/api/instructors/{id}/photo/``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework.permissions import IsAuthenticated

from core.permissions import IsAdmin
from files.api import PhotoView
from users import photo_services, selectors
from users.models import CustomUser


class MyPhotoView(PhotoView):
    """The caller's own photo (an instructor's is public: the catalogue shows it)."""

    permission_classes = [IsAuthenticated]

    def get_owner(self, request, **kwargs):
        return get_object_or_404(CustomUser, pk=request.user.pk)

    def store(self, request, owner, upload):
        return photo_services.user_photo_set(user=owner, upload=upload)

    def clear(self, request, owner):
        photo_services.user_photo_remove(user=owner)


class ChildPhotoView(PhotoView):
    """A child's photo: any of its linked parents, or an admin; others' children 404."""

    permission_classes = [IsAuthenticated]

    def get_owner(self, request, pk=None, **kwargs):
        return get_object_or_404(selectors.children_visible_to(request.user), pk=pk)

    def store(self, request, owner, upload):
        return photo_services.child_photo_set(child=owner, actor=request.user, upload=upload)

    def clear(self, request, owner):
        photo_services.child_photo_remove(child=owner, actor=request.user)


class InstructorPhotoView(PhotoView):
    """An instructor's photo, set by admins (the instructor sets it at users/me/photo)."""

    permission_classes = [IsAdmin]

    def get_owner(self, request, pk=None, **kwargs):
        return get_object_or_404(selectors.instructors_for_admin(), pk=pk)

    def store(self, request, owner, upload):
        return photo_services.instructor_photo_set(instructor=owner, upload=upload).user

    def clear(self, request, owner):
        photo_services.instructor_photo_remove(instructor=owner)

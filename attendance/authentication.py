"""``Authorization: Device <key>`` — accepted on the scan endpoint only."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from attendance.device_services import device_authenticate
from attendance.models import Device

KEYWORD = b"device"
INVALID_DEVICE = _("Invalid device credentials.")


class DeviceAuthentication(BaseAuthentication):
    """The request's ``auth`` is the :class:`Device`; its ``user`` stays anonymous.

    Unknown, retired and malformed keys all get the same ``401``: the answer never says
    which it was, and nothing about the scan's fingerprint is looked at before this."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(INVALID_DEVICE)
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(INVALID_DEVICE) from exc
        device = device_authenticate(key=key)
        if device is None:
            raise exceptions.AuthenticationFailed(INVALID_DEVICE)
        return AnonymousUser(), device

    def authenticate_header(self, request) -> str:
        return "Device"


class IsDevice(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Device)

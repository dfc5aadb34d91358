"""``POST /api/ws-ticket/``: trade the JWT for a one-time WebSocket ticket (SPEC §6.4)."""

from __future__ import annotations

import time

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from core.permissions import DeclaredPermissionsMixin, is_admin
from core.schema import ErrorSerializer
from core.ws_tickets import ws_ticket_issue, ws_ticket_ttl


class MayFollowAttendance(BasePermission):
    """Who may open the attendance socket: admins and instructors (supervisors included).

    A parent or student would only be closed with 4003 by the socket; refusing the ticket
    says so earlier, as a plain 403."""

    message = _("Only instructors and admins can follow attendance live.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_admin(user) or bool(
            user and user.is_authenticated and getattr(user, "role", None) == "instructor"
        )


class WsTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Use once, as ?ticket= on /ws/attendance/.")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid (30).")


class WsTicketViewSet(DeclaredPermissionsMixin, viewsets.ViewSet):
    permission_map = {"create": [MayFollowAttendance]}

    @extend_schema(
        request=None,
        responses={
            200: WsTicketSerializer,
            503: OpenApiResponse(
                ErrorSerializer, description="realtime_unavailable: Redis is down."
            ),
        },
    )
    def create(self, request):
        """A ticket for ``/ws/attendance/?ticket=…``: single use, valid for 30 seconds.

        The socket opened with it closes (4002) when the access token used here expires."""
        user = request.user
        token = request.auth
        exp = token.get("exp") if hasattr(token, "get") else None
        if exp is None:  # authenticated some other way: a token's lifetime from now
            exp = time.time() + jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()
        revoke = token.get(jwt_settings.REVOKE_TOKEN_CLAIM) if hasattr(token, "get") else None
        ticket = ws_ticket_issue(
            user_id=user.pk,
            token_exp=int(exp),
            revoke_claim=revoke or get_md5_hash_password(user.password),
        )
        body = {"ticket": ticket, "expires_in": ws_ticket_ttl()}
        return Response(WsTicketSerializer(body).data, status=status.HTTP_200_OK)

"""``GET /api/landing/``: the public landing page (SPEC §6.11)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.permissions import DeclaredPermissionsMixin
from landing.selectors import landing_content
from landing.serializers import LandingSerializer


class LandingViewSet(DeclaredPermissionsMixin, viewsets.ViewSet):
    """The landing page, for anyone (no login)."""

    permission_map = {"list": [AllowAny]}
    # One object, not a page of a list (core.schema.AutoSchema).
    schema_one_object = True

    @extend_schema(responses={200: LandingSerializer})
    def list(self, request):
        """The featured courses, online courses and instructors, in the office's order.
        Only what the public may see: published courses, active instructors."""
        data = LandingSerializer(landing_content(), context={"request": request}).data
        return Response(data)

"""``/api/reports/…`` (SPEC §6.6): admins only; JSON, or ``?format=csv|xlsx`` downloads.

A download is built by ``reports.*_file``, the functions the admin site's Reports page
calls too: the two give the same file.

``?format=`` is DRF's format override by default (URL_FORMAT_OVERRIDE); these views
negotiate JSON whatever it says and read the parameter themselves.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from core.errors import NotFound
from core.permissions import DeclaredPermissionsMixin, IsAdmin
from core.query import query_choice, query_int, query_month, query_required
from courses import rules as course_rules
from courses.models import Course, Season
from enrollments_payments import reports
from enrollments_payments.dashboard import dashboard_figures
from enrollments_payments.dashboard_serializers import DashboardSerializer
from enrollments_payments.exports import FORMATS

FORMAT_PARAM = OpenApiParameter(
    "format", str, enum=list(FORMATS), description="json (default), csv or xlsx"
)


class IgnoreFormatParam(DefaultContentNegotiation):
    """Negotiate on the Accept header only: ``?format=`` belongs to the view."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def report_format(request) -> str:
    return query_choice(request.query_params, "format", list(FORMATS), default="json")


class ReportViewSet(DeclaredPermissionsMixin, viewsets.ViewSet):
    permission_map = {
        "course_attendance": [IsAdmin],
        "instructor_attendance": [IsAdmin],
        "finance": [IsAdmin],
    }
    content_negotiation_class = IgnoreFormatParam

    @extend_schema(parameters=[FORMAT_PARAM], responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"], url_path=r"courses/(?P<course_id>\d{1,12})/attendance")
    def course_attendance(self, request, course_id=None):
        """Participants × lectures: present / absent / unmarked and rating, with totals."""
        fmt = report_format(request)
        course = Course.objects.filter(pk=int(course_id)).first()
        if course is None:
            raise NotFound("not_found", _("Not found."))
        if fmt != "json":
            return reports.course_attendance_file(course=course, fmt=fmt)
        return Response(reports.course_attendance_report(course=course))

    @extend_schema(
        parameters=[FORMAT_PARAM, OpenApiParameter("month", str, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"], url_path="instructor-attendance")
    def instructor_attendance(self, request):
        """Per instructor in the month: sessions, present, late, absent, lateness, rating."""
        month = query_month(
            request.query_params, "month", first=course_rules.MIN_DATE, last=course_rules.MAX_DATE
        )
        fmt = report_format(request)
        if fmt != "json":
            return reports.instructor_attendance_file(month=month, fmt=fmt)
        return Response(reports.instructor_attendance_report(month=month))

    @extend_schema(
        parameters=[FORMAT_PARAM, OpenApiParameter("season", int, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def finance(self, request):
        """Per course of the season, and per online course sold during it: active
        enrollments, billed, paid, refunded, balance."""
        fmt = report_format(request)  # a bad format is refused before the season is looked up
        season_id = query_required("season", query_int(request.query_params, "season"))
        season = Season.objects.filter(pk=season_id).first()
        if season is None:
            raise NotFound("not_found", _("Not found."))
        if fmt != "json":
            return reports.finance_file(season=season, fmt=fmt)
        return Response(reports.finance_report(season=season))


class DashboardViewSet(DeclaredPermissionsMixin, viewsets.ViewSet):
    """``GET /api/dashboard/``: the admin index page's figures as JSON."""

    permission_map = {"list": [IsAdmin]}
    # One object, not a page (core.schema.AutoSchema).
    schema_one_object = True

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "season",
                int,
                required=False,
                description="The season of weekly_attendance; by default the season running today",
            )
        ],
        responses={200: DashboardSerializer},
    )
    def list(self, request):
        """Today's lectures and their attendance state, instructors late or absent today,
        pending enrollment and refund requests, the season's weekly attendance rate."""
        season_id = query_int(request.query_params, "season")
        season = None
        if season_id is not None:
            season = Season.objects.filter(pk=season_id).first()
            if season is None:
                raise NotFound("not_found", _("Not found."))
        return Response(dashboard_figures(season=season))

"""``GET /api/cron-logs/`` and ``/api/cron-logs/{id}/``: the runs of every scheduled job
(``core.jobs.run_job`` writes them), newest first, for admins."""

from __future__ import annotations

from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from core.models import JobLog, JobStatus
from core.permissions import DeclaredPermissionsMixin, IsAdmin


class CronLogFilter(filters.FilterSet):
    job_name = filters.CharFilter(field_name="job_name")
    status = filters.ChoiceFilter(choices=JobStatus.choices)


class CronLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobLog
        fields = (
            "id",
            "job_name",
            "run_date",
            "started_at",
            "finished_at",
            "status",
            "counts",
            "error",
        )
        read_only_fields = fields


class CronLogViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Runs of the scheduled jobs (admins), newest first."""

    permission_map = {"list": [IsAdmin], "retrieve": [IsAdmin]}
    http_method_names = ["get", "head", "options"]
    serializer_class = CronLogSerializer
    queryset = JobLog.objects.all()
    filterset_class = CronLogFilter
    ordering_fields = ["started_at", "id"]
    ordering = ["-started_at", "-id"]

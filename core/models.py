from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.display import datetime_text
from core.labels import JOB_NAMES, label


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class JobLog(models.Model):
    """One row per run of a scheduled job (§8), written outside the job's transaction by
    ``core.jobs.run_job``. The table keeps the name it was created with."""

    job_name = models.CharField(_("job"), max_length=80, db_index=True)
    run_date = models.DateField(_("for date"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    status = models.CharField(_("status"), max_length=8, choices=JobStatus.choices)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        db_table = "attendance_attendancecronlog"
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values),
                name="cron_log_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(job)s, %(at)s: %(status)s") % {
            "job": label(JOB_NAMES, self.job_name),
            "at": datetime_text(self.started_at),
            "status": self.get_status_display(),
        }

"""Attendance models (§6.4). ``LectureAttendance`` (one row per lecture and participant)
lives here; the staff side (devices, scans, supervision shifts, instructor attendance,
the job log) is in ``models_staff`` and the marks' history and instructor ratings in
``models_marks``. Every model is importable from ``attendance.models``."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from users.participants import ParticipantRecord, participant_constraints, participant_fields


class AttendanceSource(models.TextChoices):
    INSTRUCTOR = "instructor", _("Instructor")
    ADMIN = "admin", _("Admin")
    SYSTEM = "system", _("System")


class AttendanceVia(models.TextChoices):
    """How the participant was named at the lecture (§6.11)."""

    MANUAL = "manual", _("By hand")
    QR = "qr", _("Card scan")


def attendance_state_text(present: bool | None) -> str:
    """ "حاضر", "غائب" or "لم يُرصد بعد" for a row's ``present``."""
    if present is None:
        return gettext("not marked yet")
    return gettext("present") if present else gettext("absent")


class LectureAttendanceQuerySet(models.QuerySet):
    def marked(self) -> LectureAttendanceQuerySet:
        return self.filter(present__isnull=False)

    def unmarked(self) -> LectureAttendanceQuerySet:
        return self.filter(present__isnull=True)


class LectureAttendance(ParticipantRecord, TimeStampedModel):
    """One row per (lecture, participant). ``present`` is null until someone marks it."""

    # PROTECT: a lecture is never deleted from under its attendance; services delete the
    # unmarked rows first and refuse when marked rows exist.
    lecture = models.ForeignKey(
        "courses.Lecture",
        on_delete=models.PROTECT,
        related_name="attendance",
        verbose_name=_("lecture"),
    )
    child, student = participant_fields(related_name="attendance_records")
    present = models.BooleanField(_("present"), null=True, blank=True)
    rating = models.DecimalField(
        _("rating"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("10.00"))],
    )
    notes = models.TextField(_("notes"), blank=True)
    marked_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=AttendanceSource.choices, blank=True
    )

    via = models.CharField(
        _("recorded by"),
        max_length=10,
        choices=AttendanceVia.choices,
        default=AttendanceVia.MANUAL,
        # Also the column's default: rows inserted by SQL that names no ``via`` are manual.
        db_default=AttendanceVia.MANUAL,
    )

    objects = LectureAttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("lecture attendance")
        verbose_name_plural = _("lecture attendance")
        ordering = ["lecture", "id"]
        constraints = [
            *participant_constraints(prefix="attendance", owner="lecture"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=10),
                name="attendance_rating_range",
                violation_error_message=_("A rating is between 1 and 10."),
            ),
            models.CheckConstraint(
                condition=Q(present__isnull=False) | Q(rating__isnull=True),
                name="attendance_unmarked_has_no_rating",
                violation_error_message=_("A rating needs the attendance marked first."),
            ),
            models.CheckConstraint(
                condition=Q(via__in=AttendanceVia.values),
                name="attendance_via_valid",
                violation_error_message=_("Choose a valid way of recording."),
            ),
            models.CheckConstraint(
                condition=Q(source="") | Q(source__in=AttendanceSource.values),
                name="attendance_source_valid",
                violation_error_message=_("Choose a valid source."),
            ),
        ]
        indexes = [models.Index(fields=["lecture", "present"])]

    def __str__(self) -> str:
        return gettext("%(participant)s in %(lecture)s: %(state)s") % {
            "participant": self.participant_label(),
            "lecture": self.lecture,
            "state": attendance_state_text(self.present),
        }


# The staff side of attendance lives in its own module; re-exported so that Django and
# callers find every model of the app here.
from attendance.models_marks import (  # noqa: E402
    AbsenceAlert,
    AttendanceSubmission,
    StudentInstructorRating,
)
from attendance.models_staff import (  # noqa: E402
    CHECKED_IN,
    CheckInMethod,
    Device,
    DeviceKind,
    DeviceScan,
    InstructorAttendance,
    InstructorAttendanceStatus,
    ScanOutcome,
    SupervisorShift,
)

__all__ = [
    "AbsenceAlert",
    "CHECKED_IN",
    "AttendanceSource",
    "AttendanceSubmission",
    "AttendanceVia",
    "CheckInMethod",
    "Device",
    "DeviceKind",
    "DeviceScan",
    "InstructorAttendance",
    "InstructorAttendanceStatus",
    "LectureAttendance",
    "ScanOutcome",
    "StudentInstructorRating",
    "SupervisorShift",
]

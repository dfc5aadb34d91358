"""The staff side of attendance (§6.4, §8): devices, supervisor shifts, instructor
attendance, the device scan log and the scheduled jobs' log.

Kept out of ``attendance/models.py`` (participants' attendance) so that each file stays
small; ``attendance.models`` re-exports these classes, so Django and the rest of the code
find them there.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.display import LRI, PDI, date_text, datetime_text, time_range_text
from core.models import TimeStampedModel
from courses.rules import WEEKDAY_CHOICES


class DeviceKind(models.TextChoices):
    FINGERPRINT = "fingerprint", _("Fingerprint reader")
    RFID = "rfid", _("RFID reader")
    QR = "qr", _("QR reader")


class Device(TimeStampedModel):
    """An attendance device. Its secret key is shown once and only its hash is kept:
    ``key_id`` (the public half of the key) finds the row, ``key_hash`` (SHA-256 of the
    secret half) is compared in constant time (``attendance.device_services``)."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=DeviceKind.choices)
    location = models.CharField(_("location"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("attendance device")
        verbose_name_plural = _("attendance devices")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DeviceKind.values),
                name="device_kind_valid",
                violation_error_message=_("Choose a valid device kind."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SupervisorShift(TimeStampedModel):
    """A weekly supervision shift: ``weekday`` counts the center's week (Saturday = 0)."""

    supervisor = models.ForeignKey(
        "users.Instructor",
        on_delete=models.PROTECT,
        related_name="shifts",
        verbose_name=_("supervisor"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=WEEKDAY_CHOICES, validators=[MaxValueValidator(6)]
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supervision shift")
        verbose_name_plural = _("supervision shifts")
        ordering = ["weekday", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6),
                name="shift_weekday_range",
                violation_error_message=_("Choose a day of the week."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="shift_times_ordered",
                violation_error_message=_("The end time must be after the start time."),
            ),
            models.UniqueConstraint(
                fields=["supervisor", "weekday", "start_time"],
                name="shift_unique_start",
                violation_error_message=_(
                    "This supervisor already has a shift starting at this time on this day."
                ),
            ),
        ]

    def __str__(self) -> str:
        times = time_range_text(self.start_time, self.end_time)
        return f"{self.supervisor} — {self.get_weekday_display()} {times}"


class InstructorAttendanceStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")


class CheckInMethod(models.TextChoices):
    DEVICE = "device", _("Device")
    MANUAL = "manual", _("Manual")


CHECKED_IN = (InstructorAttendanceStatus.PRESENT, InstructorAttendanceStatus.LATE)


class InstructorAttendance(TimeStampedModel):
    """One row per (instructor, lecture) or per (instructor, shift, date).

    ``date`` is the day of the session: the lecture's date when the row was made (queries
    on lecture rows use the lecture's own date, which follows a moved lecture) or the
    shift's date.
    """

    instructor = models.ForeignKey(
        "users.Instructor",
        on_delete=models.PROTECT,
        related_name="attendance_days",
        verbose_name=_("instructor"),
    )
    # A lecture is deleted only while nothing was recorded for it (courses' rule); its
    # instructor's row goes with it.
    lecture = models.ForeignKey(
        "courses.Lecture",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="instructor_attendance",
        verbose_name=_("lecture"),
    )
    shift = models.ForeignKey(
        SupervisorShift,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("supervision shift"),
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=InstructorAttendanceStatus.choices,
        default=InstructorAttendanceStatus.PENDING,
    )
    check_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_in_method = models.CharField(
        _("check-in method"), max_length=8, choices=CheckInMethod.choices, blank=True
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("device"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    rated_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("instructor attendance")
        verbose_name_plural = _("instructor attendance")
        ordering = ["-date", "id"]
        indexes = [models.Index(fields=["date", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lecture__isnull=False, shift__isnull=True)
                | Q(lecture__isnull=True, shift__isnull=False),
                name="instructor_attendance_lecture_or_shift",
                violation_error_message=_("A session is either a lecture or a supervision shift."),
            ),
            # NULLs are distinct in unique constraints (SQLite and PostgreSQL), so each of
            # these only bites on its own kind of row.
            models.UniqueConstraint(
                fields=["instructor", "lecture"],
                name="instructor_attendance_unique_lecture",
                violation_error_message=_(
                    "This instructor already has a session for this lecture."
                ),
            ),
            models.UniqueConstraint(
                fields=["instructor", "shift", "date"],
                name="instructor_attendance_unique_shift",
                violation_error_message=_(
                    "This instructor already has a session for this shift on this date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=InstructorAttendanceStatus.values),
                name="instructor_attendance_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | Q(rating__gte=1, rating__lte=10, status__in=CHECKED_IN),
                name="instructor_attendance_rating_when_present",
                violation_error_message=_(
                    "An instructor is rated, between 1 and 10, only when present or late."
                ),
            ),
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True)
                | Q(check_in_at__isnull=False, check_out_at__gte=F("check_in_at")),
                name="instructor_attendance_checkout_after_checkin",
                violation_error_message=_("Check-out must come after check-in."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instructor} — {date_text(self.date)}: {self.get_status_display()}"


class ScanOutcome(models.TextChoices):
    CHECK_IN = "check_in", _("Checked in")
    CHECK_OUT = "check_out", _("Checked out")
    REPEAT = "repeat", _("Repeated scan, ignored")
    NO_SESSION = "no_session", _("No session today")
    UNKNOWN = "unknown", _("Unknown fingerprint")


class DeviceScan(models.Model):
    """Every scan a device sends, whatever came of it (the gate's log book)."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="scans", verbose_name=_("device")
    )
    instructor = models.ForeignKey(
        "users.Instructor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instructor"),
    )
    # Kept as sent when it matches nobody, so that staff can enrol a new finger.
    fingerprint_id = models.CharField(_("fingerprint id"), max_length=64)
    scanned_at = models.DateTimeField(_("scanned at"))
    device_time = models.DateTimeField(_("device clock"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ScanOutcome.choices)
    rows = models.PositiveIntegerField(_("sessions affected"), default=0)

    class Meta:
        verbose_name = _("device scan")
        verbose_name_plural = _("device scans")
        ordering = ["-scanned_at", "-id"]
        indexes = [models.Index(fields=["instructor", "scanned_at"])]

    def __str__(self) -> str:
        return gettext("%(fingerprint)s at %(at)s: %(outcome)s") % {
            "fingerprint": f"{LRI}{self.fingerprint_id}{PDI}",
            "at": datetime_text(self.scanned_at),
            "outcome": self.get_outcome_display(),
        }

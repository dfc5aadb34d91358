"""The audit trail of attendance submissions and the participants' ratings of their
instructors (§6.4). ``attendance.models`` re-exports these classes."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import TextJSONField
from core.models import TimeStampedModel
from courses.rules import CENTER_TZ
from users.participants import ParticipantRecord, participant_fields


class AttendanceSubmission(models.Model):
    """One row per accepted submission of a lecture's attendance: who, when, from where,
    and each changed row's old and new values (``changes``: a list of
    ``{"participant": {"type", "id"}, "old": {...}, "new": {...}}``)."""

    lecture = models.ForeignKey(
        "courses.Lecture",
        on_delete=models.PROTECT,
        related_name="attendance_submissions",
        verbose_name=_("lecture"),
    )
    submitted_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    at = models.DateTimeField(_("at"))
    source = models.CharField(_("source"), max_length=10)
    created = models.PositiveIntegerField(_("rows created"), default=0)
    updated = models.PositiveIntegerField(_("rows updated"), default=0)
    # json, not jsonb: written once by the submission's statement, read back whole.
    changes = TextJSONField(_("changes"), default=list, blank=True)

    class Meta:
        verbose_name = _("attendance submission")
        verbose_name_plural = _("attendance submissions")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lecture", "at"])]

    def __str__(self) -> str:
        # The record's title on the staff's pages: the lecture, and the time in Cairo.
        at = timezone.localtime(self.at, CENTER_TZ)
        return _("%(lecture)s — submitted at %(at)s") % {
            "lecture": self.lecture,
            "at": f"\u2066{at:%Y-%m-%d %H:%M}\u2069",
        }


class StudentInstructorRating(ParticipantRecord, TimeStampedModel):
    """A student, or a parent for their child, rates the instructor of a course the
    participant is or was enrolled in. One per (rater, participant, course); a second POST
    updates it."""

    rater = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.CASCADE,
        related_name="instructor_ratings",
        verbose_name=_("rater"),
    )
    child, student = participant_fields(related_name="instructor_ratings")
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="instructor_ratings",
        verbose_name=_("course"),
    )
    # The course's instructor when the rating was given (the average follows the person).
    instructor = models.ForeignKey(
        "users.Instructor",
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("instructor"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("instructor rating")
        verbose_name_plural = _("instructor ratings")
        ordering = ["-updated_at", "-id"]
        # participant_constraints() has one owner; here the owner is (rater, course).
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, student__isnull=True)
                | Q(child__isnull=True, student__isnull=False),
                name="instructor_rating_one_participant",
            ),
            models.UniqueConstraint(
                fields=["rater", "course", "child"], name="instructor_rating_unique_child"
            ),
            models.UniqueConstraint(
                fields=["rater", "course", "student"], name="instructor_rating_unique_student"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=10), name="instructor_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_label()} → instructor {self.instructor_id}: {self.rating}"


class AbsenceAlert(models.Model):
    """The claim that a participant's absence from a lecture has been announced (§6.6).

    One row per attendance row — that is, per (lecture, participant), whose uniqueness is
    ``LectureAttendance``'s own constraint — ever: ``attendance`` is unique, so whoever
    marks the absence (a submission, an admin, the nightly job) and however often, only
    the insert that creates this row sends the ``absence`` notifications; a resubmission,
    an absent/present/absent flip or a job after a submission announces nothing twice. A
    marked attendance row is never deleted (services refuse, its lecture is PROTECTed and
    the database refuses to delete a claimed row), so the claim outlives every later
    change. ``attendance.absence_alerts`` writes it; one foreign key and one unique index
    keep the nightly job's 100,000 claims cheap."""

    # DO_NOTHING in Django, a real foreign key in the database: deleting a claimed row
    # fails there (IntegrityError → 409), while the roster's deletes of unmarked rows
    # (never claimed) stay one set-based DELETE, with no per-batch PROTECT lookups.
    attendance = models.OneToOneField(
        "attendance.LectureAttendance",
        on_delete=models.DO_NOTHING,
        related_name="absence_alert",
        verbose_name=_("lecture attendance"),
    )
    alerted_at = models.DateTimeField(_("alerted at"), db_index=True)

    class Meta:
        verbose_name = _("absence alert")
        verbose_name_plural = _("absence alerts")
        ordering = ["-alerted_at", "-id"]

    def __str__(self) -> str:
        return f"attendance {self.attendance_id} at {self.alerted_at:%Y-%m-%d %H:%M}"

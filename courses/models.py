"""Seasons, courses, their weekly schedule, lectures and exams, and the participants'
ratings of courses and online courses.

Every rule that fits in one row is a database constraint; rules that span rows (schedule
overlaps, marks against the exam's total, deletion with history) live in courses.services.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.display import time_range_text
from core.models import TimeStampedModel
from courses import rules
from users.participants import ParticipantRecord, participant_constraints, participant_fields

MAX_NUM_LECTURES = 500
DATE_RANGE = [MinValueValidator(rules.MIN_DATE), MaxValueValidator(rules.MAX_DATE)]


class SeasonKind(models.TextChoices):
    SUMMER_CAMP = "summer_camp", _("Summer camp")
    SCHOOL = "school", _("School term")
    RAMADAN = "ramadan", _("Ramadan")
    EID = "eid", _("Eid")
    OTHER = "other", _("Other")


class Season(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=SeasonKind.choices)
    start_date = models.DateField(_("start date"), validators=DATE_RANGE)
    end_date = models.DateField(_("end date"), validators=DATE_RANGE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="season_dates_ordered",
                violation_error_message=_("A season's end date cannot be before its start date."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SeasonKind.values),
                name="season_kind_valid",
                violation_error_message=_("Choose a valid season kind."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    # Declared here (not on Instructor) so that users/ does not depend on courses/.
    instructors = models.ManyToManyField(
        "users.Instructor", blank=True, related_name="tags", verbose_name=_("instructors")
    )

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    CHILDREN = "children", _("Children")
    ADULTS = "adults", _("Adults")
    ALL = "all", _("Everyone")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class CourseQuerySet(models.QuerySet):
    def published(self) -> CourseQuerySet:
        return self.filter(status=CourseStatus.PUBLISHED)


class Course(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    season = models.ForeignKey(
        Season, on_delete=models.PROTECT, related_name="courses", verbose_name=_("season")
    )
    instructor = models.ForeignKey(
        "users.Instructor",
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("instructor"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="courses", verbose_name=_("tags"))
    start_date = models.DateField(_("start date"), validators=DATE_RANGE)
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=DATE_RANGE)
    num_lectures = models.PositiveSmallIntegerField(
        _("number of lectures"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_NUM_LECTURES)],
    )
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    price = models.DecimalField(
        _("price (EGP)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.ALL
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    location = models.CharField(_("location (room)"), max_length=120, blank=True)
    # §6.8: the catalogue image (files.stored), public; set through the image services only.
    image = models.JSONField(_("image"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-start_date", "id"]
        indexes = [models.Index(fields=["status", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="course_capacity_positive",
                violation_error_message=_("A course's capacity must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="course_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="course_dates_ordered",
                violation_error_message=_("A course's end date cannot be before its start date."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=False) | Q(num_lectures__isnull=False),
                name="course_end_date_or_num_lectures",
                violation_error_message=_("Give the course an end date or a number of lectures."),
            ),
            models.CheckConstraint(
                condition=Q(num_lectures__isnull=True)
                | Q(num_lectures__gte=1, num_lectures__lte=MAX_NUM_LECTURES),
                name="course_num_lectures_range",
                violation_error_message=_("The number of lectures must be between 1 and 500."),
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="course_age_range_ordered",
                violation_error_message=_("The minimum age cannot be more than the maximum age."),
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values),
                name="course_audience_valid",
                violation_error_message=_("Choose a valid audience."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=CourseStatus.values),
                name="course_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        elif (
            self.start_date
            and self.end_date
            and (self.end_date - self.start_date).days > rules.MAX_COURSE_DAYS
        ):
            errors["end_date"] = _("A course may last at most two years.")
        if self.end_date is None and self.num_lectures is None:
            errors["end_date"] = _("Give an end date or a number of lectures.")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = _("The maximum age is below the minimum age.")
        if errors:
            raise ValidationError(errors)


class CourseSchedule(models.Model):
    """A weekly slot. ``weekday`` counts the center's week: Saturday = 0 … Friday = 6."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("course")
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=rules.WEEKDAY_CHOICES, validators=[MaxValueValidator(6)]
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))

    class Meta:
        verbose_name = _("schedule slot")
        verbose_name_plural = _("schedule")
        ordering = ["weekday", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6),
                name="schedule_weekday_range",
                violation_error_message=_("Choose a day of the week."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="schedule_times_ordered",
                violation_error_message=_("The end time must be after the start time."),
            ),
            # Overlaps in general are refused by the service; identical starts also here.
            models.UniqueConstraint(
                fields=["course", "weekday", "start_time"],
                name="schedule_slot_unique_start",
                violation_error_message=_(
                    "This course already has a slot starting at this time on this day."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {time_range_text(self.start_time, self.end_time)}"

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The end time must be after the start time.")})


class LectureStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    # An extra lecture an instructor asked for (§6.11): no roster, seen only by admins
    # and the course's instructor until an admin approves (scheduled) or rejects it.
    PROPOSED = "proposed", _("Proposed")
    REJECTED = "rejected", _("Rejected")


# Lectures that were never approved: outside the numbering, the generation and every
# family-facing list.
UNAPPROVED = (LectureStatus.PROPOSED, LectureStatus.REJECTED)
# Lectures that do not take place: no roster rows, not counted as held or planned.
OFF_SCHEDULE = (LectureStatus.CANCELLED, *UNAPPROVED)
# Unapproved lectures are parked at numbers from here on (past the numbers renumbering
# shifts others to), so the course's numbers 1…n stay those of its real lectures.
PARKED_NUMBER = 2_000_000


class LectureQuerySet(models.QuerySet):
    def not_started(self, now: datetime) -> LectureQuerySet:
        """Lectures that have not started at ``now`` (rules.has_started, in SQL).

        Dates and times are Cairo wall-clock values, so the comparison is done on the local
        date and time of ``now`` minus the five-minute grace: a later date, or the same date
        with a later start time. Plain column comparisons, so SQLite and PostgreSQL agree.
        """
        threshold = timezone.localtime(now - rules.STARTED_AFTER, rules.CENTER_TZ)
        return self.filter(
            Q(date__gt=threshold.date()) | Q(date=threshold.date(), start_time__gt=threshold.time())
        )


class Lecture(TimeStampedModel):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lectures", verbose_name=_("course")
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    date = models.DateField(_("date"), validators=DATE_RANGE)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    instructor = models.ForeignKey(
        "users.Instructor",
        on_delete=models.PROTECT,
        related_name="lectures",
        verbose_name=_("instructor"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LectureStatus.choices, default=LectureStatus.SCHEDULED
    )
    attendance_taken = models.BooleanField(_("attendance taken"), default=False)
    # Set when an admin created or moved the lecture by hand: regeneration leaves it alone.
    is_manual = models.BooleanField(_("edited by hand"), default=False)
    # Why an admin rejected a proposed lecture (kept with the rejected lecture).
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    # The schedule session the lecture was generated for; kept when the lecture is moved so
    # that regeneration does not create that session a second time.
    planned_date = models.DateField(null=True, blank=True, editable=False)
    planned_start_time = models.TimeField(null=True, blank=True, editable=False)
    # The weekly slot the lecture was generated from: when the slot's times change,
    # regeneration finds the lecture by (slot, planned_date) and updates it in place.
    slot = models.ForeignKey(
        CourseSchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="lectures",
        verbose_name=_("weekly slot"),
    )

    objects = LectureQuerySet.as_manager()

    class Meta:
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")
        ordering = ["date", "start_time", "id"]
        indexes = [
            models.Index(fields=["date", "start_time"]),
            models.Index(fields=["course", "date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"],
                name="lecture_number_unique",
                violation_error_message=_("This course already has a lecture with this number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="lecture_number_positive",
                violation_error_message=_("A lecture's number starts at 1."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="lecture_times_ordered",
                violation_error_message=_("The end time must be after the start time."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=LectureStatus.values),
                name="lecture_status_valid",
                violation_error_message=_("Choose a valid status."),
            ),
        ]

    def __str__(self) -> str:
        # First-strong isolate (U+2068) around the course name and left-to-right isolate
        # (U+2066) around the date, so both read whole inside right-to-left pages.
        if self.status in UNAPPROVED:
            return _("%(course)s, proposed lecture (%(date)s)") % {
                "course": f"\u2068{self.course}\u2069",
                "date": f"\u2066{self.date}\u2069",
            }
        return _("%(course)s, lecture %(number)d (%(date)s)") % {
            "course": f"\u2068{self.course}\u2069",
            "number": self.number,
            "date": f"\u2066{self.date}\u2069",
        }

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The end time must be after the start time.")})

    @property
    def starts_at(self) -> datetime:
        return rules.local_datetime(self.date, self.start_time)

    @property
    def ends_at(self) -> datetime:
        return rules.local_datetime(self.date, self.end_time)


class ExamKind(models.TextChoices):
    QUIZ = "quiz", _("Quiz")
    MIDTERM = "midterm", _("Midterm")
    FINAL = "final", _("Final")
    OTHER = "other", _("Other")


class Exam(TimeStampedModel):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="exams", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=ExamKind.choices)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    total_marks = models.DecimalField(
        _("total marks"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_marks__gt=0),
                name="exam_total_positive",
                violation_error_message=_("The total marks must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=F("total_marks")),
                name="exam_pass_mark_within_total",
                violation_error_message=_("The pass mark cannot be more than the total marks."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ExamKind.values),
                name="exam_kind_valid",
                violation_error_message=_("Choose a valid exam kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} — {self.title}"

    def clean(self) -> None:
        if (
            self.pass_mark is not None
            and self.total_marks is not None
            and self.pass_mark > self.total_marks
        ):
            raise ValidationError({"pass_mark": _("The pass mark is above the total marks.")})


class ExamResult(ParticipantRecord, TimeStampedModel):
    """One per (exam, participant). ``percentage`` and ``passed`` are set by the service."""

    exam = models.ForeignKey(
        Exam, on_delete=models.CASCADE, related_name="results", verbose_name=_("exam")
    )
    child, student = participant_fields(related_name="exam_results")
    marks = models.DecimalField(
        _("marks"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    percentage = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2)
    passed = models.BooleanField(_("passed"))
    notes = models.TextField(_("notes"), blank=True)
    entered_by = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")
        ordering = ["exam", "id"]
        constraints = [
            *participant_constraints(prefix="exam_result", owner="exam"),
            models.CheckConstraint(
                condition=Q(marks__gte=0),
                name="exam_result_marks_positive",
                violation_error_message=_("Marks cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(percentage__gte=0, percentage__lte=100),
                name="exam_result_percentage_range",
                violation_error_message=_("A percentage is between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam}: {self.marks}"


RATING_MIN, RATING_MAX = 1, 10


class CourseRating(ParticipantRecord, TimeStampedModel):
    """A participant who is or was enrolled — or its parent — rates a course or an online
    course (§6.10): ``rating`` 1–10 and a comment. One row per (rater, participant,
    course); rating again updates it (courses.rating_services).

    ``online_course`` is a string reference: online_courses.models imports this module
    (the courses' audiences and statuses), so this one may not import it back."""

    rater = models.ForeignKey(
        "users.CustomUser",
        on_delete=models.CASCADE,
        related_name="course_ratings",
        verbose_name=_("rater"),
    )
    child, student = participant_fields(related_name="course_ratings")
    # Exactly one of the two. A course with ratings has enrollments, which PROTECT it:
    # the cascade never runs through the API or the admin.
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("course"),
    )
    online_course = models.ForeignKey(
        "online_courses.OnlineCourse",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("online course"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("course rating")
        verbose_name_plural = _("course ratings")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, student__isnull=True)
                | Q(child__isnull=True, student__isnull=False),
                name="course_rating_one_participant",
                violation_error_message=_("Choose exactly one participant: a child or a student."),
            ),
            models.CheckConstraint(
                condition=Q(course__isnull=False, online_course__isnull=True)
                | Q(course__isnull=True, online_course__isnull=False),
                name="course_rating_one_course",
                violation_error_message=_("Choose exactly one: a course or an online course."),
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="course_rating_range",
                violation_error_message=_("A rating is between 1 and 10."),
            ),
            # NULLs are distinct in a unique index: each pair below holds only for the rows
            # naming that kind of course and that kind of participant.
            models.UniqueConstraint(
                fields=["rater", "course", "child"],
                name="course_rating_unique_course_child",
                violation_error_message=_("This child has already been rated for this course."),
            ),
            models.UniqueConstraint(
                fields=["rater", "course", "student"],
                name="course_rating_unique_course_student",
                violation_error_message=_("This student has already rated this course."),
            ),
            models.UniqueConstraint(
                fields=["rater", "online_course", "child"],
                name="course_rating_unique_online_child",
                violation_error_message=_("This child has already been rated for this course."),
            ),
            models.UniqueConstraint(
                fields=["rater", "online_course", "student"],
                name="course_rating_unique_online_student",
                violation_error_message=_("This student has already rated this course."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("rating of %(course)s: %(rating)s") % {
            "course": self.offering,
            "rating": self.rating,
        }

    @property
    def offering(self):
        """The course or the online course rated."""
        return self.course if self.course_id else self.online_course

"""Request and response shapes for /api/seasons/, tags, courses, lectures and exams.

Reads and writes use separate serializers where their shapes differ (e.g. a course's tags
are written as ids and read as ``{"id", "name"}``)."""

from __future__ import annotations

from decimal import Decimal

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from rest_framework import serializers

from core.schema_refs import RefIdField
from core.serializers import FieldsOnceMixin, UnicodeSlugField
from courses import rules
from courses.models import (
    UNAPPROVED,
    Course,
    CourseSchedule,
    CourseStatus,
    Exam,
    ExamResult,
    Lecture,
    LectureStatus,
    Season,
    Tag,
)
from files.serializers import PhotoField, absolutize
from users.models import Instructor

# Ids are 64-bit; a larger number would overflow the database driver instead of a 400.
MAX_ID = 2**63 - 1


class CourseStatusField(serializers.ChoiceField):
    """Course status; courses.schema names its enum in the OpenAPI schema."""

    def __init__(self, **kwargs):
        super().__init__(choices=CourseStatus.choices, **kwargs)


class LectureStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=LectureStatus.choices, **kwargs)


class SeasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Season
        fields = ("id", "name", "kind", "start_date", "end_date", "is_active")


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ("id", "name")


# Weekday names per language, translated once: get_weekday_display() translated the name
# again for every slot of every course on a page.
_weekday_names: dict[str | None, dict[int, str]] = {}


@receiver(setting_changed)
def _forget_weekday_names(*, setting: str, **kwargs) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _weekday_names.clear()


class WeekdayNameField(serializers.CharField):
    """The name of a weekday number in the request's language (what get_weekday_display()
    gives, looked up in a table made once per language)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "weekday")
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: int) -> str:
        language = translation.get_language()
        names = _weekday_names.get(language)
        if names is None:
            names = {day: str(name) for day, name in rules.WEEKDAY_CHOICES}
            _weekday_names[language] = names
        return names.get(value, str(value))


class FullNameField(serializers.CharField):
    """A person's name from the query (``users.selectors.full_name``: first and last name
    joined by a space), stripped as ``CustomUser.get_full_name()`` strips it."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: str) -> str:
        return value.strip()


class RatingAverageField(serializers.DecimalField):
    """The average of a course's (or an online course's) ratings annotated by
    ``courses.selectors.with_rating_summary``, as a two-decimal string (``"7.67"``), null
    while it has no rating."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=4, decimal_places=2, read_only=True, allow_null=True, **kwargs)


class ScheduleSlotSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(
        choices=rules.WEEKDAY_CHOICES, help_text="Saturday = 0 … Friday = 6"
    )
    weekday_name = WeekdayNameField()

    class Meta:
        model = CourseSchedule
        fields = ("id", "weekday", "weekday_name", "start_time", "end_time")


# Serializes rows of courses_visible_to(): the season's and the instructor's names come
# from its query, tags and weekly slots from its prefetched lists. (The docstring is the
# schema's description of the shape.)
class CourseSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    """The catalogue's view of a course."""

    slug = UnicodeSlugField(read_only=True)
    season_name = serializers.CharField(read_only=True)
    instructor_name = FullNameField()
    tags = TagSerializer(many=True, read_only=True, source="tag_list")
    schedule = ScheduleSlotSerializer(many=True, read_only=True, source="schedule_list")
    seats_left = serializers.IntegerField(read_only=True)
    # courses.selectors.with_rating_summary: null and 0 until someone rates the course.
    rating_average = RatingAverageField()
    rating_count = serializers.IntegerField(read_only=True)
    status = CourseStatusField(read_only=True)
    # Set and removed at /api/courses/{id}/image/ (§6.8).
    image = PhotoField()

    class Meta:
        model = Course
        fields = (
            "id",
            "name",
            "slug",
            "description",
            "image",
            "season",
            "season_name",
            "instructor",
            "instructor_name",
            "tags",
            "start_date",
            "end_date",
            "num_lectures",
            "capacity",
            "seats_left",
            "rating_average",
            "rating_count",
            "price",
            "audience",
            "min_age",
            "max_age",
            "location",
            "status",
            "schedule",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The shared fields carry no request (FieldsOnceMixin): the image's URLs here.
        absolutize(data["image"], self.context.get("request"))
        return data


class CourseWriteSerializer(serializers.ModelSerializer):
    """What admins send. Cross-field rules (dates, ages) are checked by the service."""

    slug = UnicodeSlugField(required=False)
    tags = serializers.PrimaryKeyRelatedField(many=True, queryset=Tag.objects.all(), required=False)
    instructor = serializers.PrimaryKeyRelatedField(queryset=Instructor.objects.all())
    season = serializers.PrimaryKeyRelatedField(queryset=Season.objects.all())
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.00"), required=False
    )
    status = CourseStatusField(required=False)

    class Meta:
        model = Course
        fields = (
            "name",
            "slug",
            "description",
            "season",
            "instructor",
            "tags",
            "start_date",
            "end_date",
            "num_lectures",
            "capacity",
            "price",
            "audience",
            "min_age",
            "max_age",
            "location",
            "status",
        )
        # Uniqueness of the slug is checked by the service's full_clean (400) and the DB.
        extra_kwargs = {"slug": {"validators": []}}


class CourseInstructorSerializer(serializers.ModelSerializer):
    """What a course's own instructor may change."""

    class Meta:
        model = Course
        fields = ("description",)


class GenerateResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    removed = serializers.IntegerField()
    kept = serializers.IntegerField()
    lectures = serializers.IntegerField()


# Serializes rows of lectures_visible_to(), whose query gives the instructor's name.
class LectureSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    course_name = serializers.CharField(source="course.name", read_only=True)
    instructor_name = FullNameField()
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    status = LectureStatusField(read_only=True)
    # Null for a proposed or rejected lecture: it has no place in the course's numbers.
    number = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Lecture
        fields = (
            "id",
            "course",
            "course_name",
            "number",
            "title",
            "date",
            "start_time",
            "end_time",
            "starts_at",
            "ends_at",
            "instructor",
            "instructor_name",
            "status",
            "attendance_taken",
            "is_manual",
            "rejection_reason",
        )
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.status in UNAPPROVED:
            data["number"] = None
        return data


class LectureCreateSerializer(serializers.Serializer):
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    date = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    instructor = serializers.PrimaryKeyRelatedField(
        queryset=Instructor.objects.all(), required=False
    )


class LectureRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class LectureUpdateSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    start_time = serializers.TimeField(required=False)
    end_time = serializers.TimeField(required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    instructor = serializers.PrimaryKeyRelatedField(
        queryset=Instructor.objects.all(), required=False
    )
    status = LectureStatusField(required=False)


class ExamSerializer(serializers.ModelSerializer):
    course_name = serializers.CharField(source="course.name", read_only=True)
    total_marks = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01")
    )
    pass_mark = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0"))

    class Meta:
        model = Exam
        fields = (
            "id",
            "course",
            "course_name",
            "title",
            "kind",
            "scheduled_at",
            "total_marks",
            "pass_mark",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "course_name", "created_at", "updated_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = self.context.get("course_queryset")
        if courses is not None:
            self.fields["course"].queryset = courses
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["course"].read_only = True


class ExamResultSerializer(serializers.ModelSerializer):
    participant_name = serializers.SerializerMethodField()
    participant_code = serializers.SerializerMethodField()

    class Meta:
        model = ExamResult
        fields = (
            "id",
            "exam",
            "child",
            "student",
            "participant_name",
            "participant_code",
            "marks",
            "percentage",
            "passed",
            "notes",
            "entered_by",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_participant_name(self, result: ExamResult) -> str:
        if result.child_id:
            return result.child.full_name
        return result.student.full_name

    def get_participant_code(self, result: ExamResult) -> str:
        return result.child.code if result.child_id else result.student.code


class ExamResultWriteSerializer(serializers.Serializer):
    # Plain ids, not PrimaryKeyRelatedField: its "does not exist" message would tell an
    # outsider which children exist. The service refuses unknown and non-enrolled ids alike.
    child = RefIdField(
        id_of="users.Child", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    student = RefIdField(
        id_of="users.StudentUser", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    marks = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0"))
    notes = serializers.CharField(required=False, allow_blank=True, default="")

"""The landing page's answer: cards for the featured courses and online courses, and the
featured instructors as the public instructors list shows them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.schema_refs import InstructorRef, ref_serializer
from core.serializers import UnicodeSlugField
from courses.models import Course
from courses.serializers import RatingAverageField
from files.serializers import PhotoField
from online_courses.models import OnlineCourse
from users.serializers.people import InstructorPublicSerializer

# A card shows the start of the description; the whole of it is on the item's own page.
SUMMARY_LENGTH = 200
ELLIPSIS = "…"

SeasonRef = ref_serializer("courses.Season", "SeasonRef")


def summary_text(text: str, length: int = SUMMARY_LENGTH) -> str:
    """``text`` whole when it fits in ``length`` characters, else cut at the last space
    before the limit (mid-word only when there is none) and ended with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[: length - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ،,.;:") + ELLIPSIS


class SummaryField(serializers.CharField):
    """The start of a description, at most 200 characters, on one line."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "description")
        super().__init__(read_only=True, max_length=SUMMARY_LENGTH, **kwargs)

    def to_representation(self, value: str) -> str:
        return summary_text(value or "")


def _instructor_ref(obj) -> dict | None:
    # ``instructor_name`` comes from the selector's query (users.selectors.full_name).
    if obj.instructor_id is None:
        return None
    return {"id": obj.instructor_id, "name": obj.instructor_name.strip()}


class LandingCourseSerializer(serializers.ModelSerializer):
    """A featured course's card: what it is, for whom, when, by whom and its price."""

    slug = UnicodeSlugField(read_only=True)
    summary = SummaryField()
    image = PhotoField()
    season_detail = serializers.SerializerMethodField()
    instructor_detail = serializers.SerializerMethodField()
    rating_average = RatingAverageField()
    rating_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Course
        fields = (
            "id",
            "name",
            "slug",
            "summary",
            "image",
            "price",
            "audience",
            "min_age",
            "max_age",
            "season",
            "season_detail",
            "start_date",
            "end_date",
            "instructor",
            "instructor_detail",
            "rating_average",
            "rating_count",
        )
        read_only_fields = fields

    @extend_schema_field(SeasonRef)
    def get_season_detail(self, course) -> dict:
        return {"id": course.season_id, "name": course.season_name}

    @extend_schema_field(InstructorRef)
    def get_instructor_detail(self, course) -> dict | None:
        return _instructor_ref(course)


class LandingOnlineCourseSerializer(serializers.ModelSerializer):
    """A featured online course's card."""

    slug = UnicodeSlugField(read_only=True)
    summary = SummaryField()
    image = PhotoField()
    instructor_detail = serializers.SerializerMethodField()
    rating_average = RatingAverageField()
    rating_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = OnlineCourse
        fields = (
            "id",
            "title",
            "slug",
            "summary",
            "image",
            "price",
            "audience",
            "min_age",
            "max_age",
            "access_days",
            "instructor",
            "instructor_detail",
            "rating_average",
            "rating_count",
        )
        read_only_fields = fields

    @extend_schema_field(InstructorRef(allow_null=True))
    def get_instructor_detail(self, online_course) -> dict | None:
        return _instructor_ref(online_course)


class LandingSerializer(serializers.Serializer):
    """The landing page: the featured courses, online courses and instructors the public
    may see, each list in the order the center's office set in the admin. Instructors are
    shown as on ``/api/instructors/``: no phone, e-mail, identity number or date of birth."""

    courses = LandingCourseSerializer(many=True, read_only=True)
    online_courses = LandingOnlineCourseSerializer(many=True, read_only=True)
    instructors = InstructorPublicSerializer(many=True, read_only=True)

"""/api/course-ratings/ shapes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.permissions import is_admin
from core.schema_refs import ParticipantRef
from courses.models import Course, CourseRating
from online_courses.models import OnlineCourse
from users.models import Child


class CourseRatingSerializer(serializers.ModelSerializer):
    """A rating of a course or of an online course (the other of the two is null)."""

    participant = serializers.SerializerMethodField()

    class Meta:
        model = CourseRating
        fields = (
            "id",
            "rater",
            "participant",
            "course",
            "online_course",
            "rating",
            "comment",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field(ParticipantRef)
    def get_participant(self, row) -> dict:
        who = row.child if row.child_id else row.student
        kind = "child" if row.child_id else "student"
        return {"type": kind, "id": who.pk, "name": who.full_name, "code": who.code}

    def to_representation(self, row):
        data = super().to_representation(row)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # A course's instructor reads what was said, not who said it.
        if user is not None and not is_admin(user) and row.rater_id != user.pk:
            data.pop("rater")
            data.pop("participant")
        return data


class CourseRatingWriteSerializer(serializers.Serializer):
    """Exactly one of ``course`` / ``online_course`` (the service says so when not);
    ``child`` for a parent, none for a student."""

    course = serializers.PrimaryKeyRelatedField(
        queryset=Course.objects.all(), required=False, allow_null=True
    )
    online_course = serializers.PrimaryKeyRelatedField(
        queryset=OnlineCourse.objects.all(), required=False, allow_null=True
    )
    child = serializers.PrimaryKeyRelatedField(
        queryset=Child.objects.all(), required=False, allow_null=True
    )
    rating = serializers.IntegerField(min_value=1, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What the caller may name: another family's child, an unpublished course the
        # family never took, answer as an id that does not exist.
        for name in ("course", "online_course", "child"):
            queryset = self.context.get(f"{name}_queryset")
            if queryset is not None:
                self.fields[name].queryset = queryset

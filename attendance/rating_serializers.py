"""/api/instructor-ratings/ shapes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attendance.models import StudentInstructorRating
from core.permissions import is_admin
from core.schema_refs import ParticipantRef
from courses.models import Course
from users.models import Child


class InstructorRatingSerializer(serializers.ModelSerializer):
    participant = serializers.SerializerMethodField()

    class Meta:
        model = StudentInstructorRating
        fields = (
            "id",
            "rater",
            "participant",
            "course",
            "instructor",
            "rating",
            "comment",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field(ParticipantRef)
    def get_participant(self, row) -> dict:
        if row.child_id:
            return {"type": "child", "id": row.child_id, "name": row.child.full_name}
        return {"type": "student", "id": row.student_id, "name": row.student.full_name}

    def to_representation(self, row):
        data = super().to_representation(row)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # An instructor reads what was said about them, not who said it.
        if user is not None and not is_admin(user) and row.rater_id != user.pk:
            data.pop("rater")
            data.pop("participant")
        return data


class InstructorRatingWriteSerializer(serializers.Serializer):
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    child = serializers.PrimaryKeyRelatedField(
        queryset=Child.objects.all(), required=False, allow_null=True
    )
    rating = serializers.IntegerField(min_value=1, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        children = self.context.get("child_queryset")
        if children is not None:
            self.fields["child"].queryset = children

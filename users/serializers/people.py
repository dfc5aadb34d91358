"""Serializers for /api/children/, /api/parent-links/, /api/instructors/, students, parents."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.schema_refs import ChildRef, ParentRef, RefIdField
from files.serializers import PhotoField, absolute_urls
from users.models import (
    Child,
    Instructor,
    InstructorKind,
    LinkStatus,
    Parent,
    ParentLinkRequest,
    StudentUser,
)
from users.serializers.auth import UserFieldsMixin


class ChildSerializer(serializers.ModelSerializer):
    primary_parent = serializers.IntegerField(source="primary_parent_id", read_only=True)
    primary_parent_detail = serializers.SerializerMethodField()
    is_primary = serializers.SerializerMethodField()
    # Set and removed at /api/children/{id}/photo/ (§6.8).
    photo = PhotoField()

    class Meta:
        model = Child
        fields = (
            "id",
            "code",
            "first_name",
            "last_name",
            "dob",
            "gender",
            "notes",
            "photo",
            "photo_consent",
            "primary_parent",
            "primary_parent_detail",
            "is_primary",
            "created_at",
        )
        read_only_fields = (
            "id",
            "code",
            "primary_parent",
            "primary_parent_detail",
            "is_primary",
            "photo",
            "created_at",
        )

    @extend_schema_field(ParentRef)
    def get_primary_parent_detail(self, child) -> dict:
        return {"id": child.primary_parent_id, "name": child.primary_parent.user.get_full_name()}

    def get_is_primary(self, child) -> bool:
        parent = self.context.get("parent")
        return bool(parent and child.primary_parent_id == parent.pk)


class ParentLinkRequestSerializer(serializers.ModelSerializer):
    child_code = serializers.CharField(write_only=True, max_length=10)
    child = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()

    class Meta:
        model = ParentLinkRequest
        fields = ("id", "child_code", "child", "requester", "status", "created_at", "decided_at")
        read_only_fields = ("id", "child", "requester", "status", "created_at", "decided_at")

    @extend_schema_field(ChildRef)
    def get_child(self, link) -> dict:
        """The requester sees the child's first name only until the link is approved: a
        guessed code must not reveal a family. The child's parents and admins see it whole."""
        request = self.context.get("request")
        asker = getattr(request, "user", None)
        waiting = link.status != LinkStatus.APPROVED
        if waiting and asker is not None and link.requester.user_id == asker.pk:
            name = link.child.first_name
        else:
            name = link.child.full_name
        return {"id": link.child_id, "name": name, "code": link.child.code}

    @extend_schema_field(ParentRef)
    def get_requester(self, link) -> dict:
        user = link.requester.user
        return {"id": link.requester_id, "name": user.get_full_name()}


class InstructorPublicSerializer(serializers.ModelSerializer):
    """What anyone may see: no phone, no e-mail."""

    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    # Annotated by users.selectors (users.instructor_ratings): no query per row.
    rating_average = serializers.SerializerMethodField()
    rating_count = serializers.SerializerMethodField()
    photo = PhotoField(source="user.photo")

    class Meta:
        model = Instructor
        fields = (
            "id",
            "first_name",
            "last_name",
            "full_name",
            "photo",
            "bio",
            "kind",
            "tags",
            "rating_average",
            "rating_count",
        )

    def get_rating_average(self, obj) -> str | None:
        return rating_average_text(obj)

    def get_rating_count(self, obj) -> int:
        return int(getattr(obj, "rating_count", 0) or 0)


def rating_average_text(obj) -> str | None:
    """The annotated average as a two-decimal string (like every decimal of the API)."""
    value = getattr(obj, "rating_average", None)
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.01")))


class InstructorAdminSerializer(UserFieldsMixin, serializers.Serializer):
    """Admins create and edit instructors: the user fields of §5 plus the profile."""

    id = serializers.IntegerField(read_only=True)
    user = RefIdField(id_of="users.CustomUser", source="user_id", read_only=True)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    dob = serializers.DateField(required=False, allow_null=True)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    bio = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=InstructorKind.choices, default=InstructorKind.TEACHER)
    fingerprint_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64
    )
    # Not a SlugRelatedField: this is no ModelSerializer, and drf-spectacular looks for
    # ``Meta.model`` to type a related field (the admin's schema was a 500).
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    full_name = serializers.CharField(read_only=True)
    rating_average = serializers.CharField(read_only=True, allow_null=True)
    rating_count = serializers.IntegerField(read_only=True)
    photo = PhotoField()

    def _current_pk(self):
        # Uniqueness checks compare against the instructor's *user*.
        return getattr(self.instance, "user_id", None)

    def validate_fingerprint_id(self, value):
        if not value:
            return None
        clash = Instructor.objects.filter(fingerprint_id=value).exclude(
            pk=getattr(self.instance, "pk", None)
        )
        if clash.exists():
            raise serializers.ValidationError(
                _("Another instructor has this fingerprint id."), code="unique"
            )
        return value

    def to_representation(self, instructor):
        user = instructor.user
        return {
            "id": instructor.pk,
            "user": user.pk,
            "phone_number1": str(user.phone_number1),
            "phone_number2": str(user.phone_number2) if user.phone_number2 else None,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "full_name": user.get_full_name(),
            "photo": absolute_urls(user.photo, self.context.get("request")),
            "dob": user.dob.isoformat() if user.dob else None,
            "gender": user.gender,
            "identity_number": user.identity_number,
            "bio": instructor.bio,
            "kind": instructor.kind,
            "fingerprint_id": instructor.fingerprint_id,
            "tags": [tag.name for tag in instructor.tags.all()],
            "rating_average": rating_average_text(instructor),
            "rating_count": int(getattr(instructor, "rating_count", 0) or 0),
        }


class StudentSerializer(serializers.ModelSerializer):
    # Read-only lists; e-mail and date of birth are optional on the user (null).
    user = serializers.IntegerField(source="user_id", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    phone_number1 = serializers.CharField(source="user.phone_number1", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True, allow_null=True)
    gender = serializers.CharField(source="user.gender", read_only=True)
    dob = serializers.DateField(source="user.dob", read_only=True, allow_null=True)

    class Meta:
        model = StudentUser
        fields = (
            "id",
            "user",
            "code",
            "first_name",
            "last_name",
            "phone_number1",
            "email",
            "gender",
            "dob",
        )


class ParentSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    phone_number1 = serializers.CharField(source="user.phone_number1", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True, allow_null=True)
    children = serializers.SerializerMethodField()

    class Meta:
        model = Parent
        fields = ("id", "user", "first_name", "last_name", "phone_number1", "email", "children")

    def get_children(self, parent) -> list[dict]:
        return [
            {"id": c.pk, "code": c.code, "name": c.full_name} for c in parent.primary_children.all()
        ]


__all__ = [
    "ChildSerializer",
    "InstructorAdminSerializer",
    "InstructorPublicSerializer",
    "ParentLinkRequestSerializer",
    "ParentSerializer",
    "StudentSerializer",
]

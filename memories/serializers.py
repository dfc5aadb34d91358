"""The shapes of /api/memories/ (§6.9)."""

from __future__ import annotations

import json

from django.core.files.storage import storages
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import Course
from files.config import PRIVATE
from files.serializers import absolute_urls
from memories.models import MAX_ITEMS, ItemKind, Memory, MemoryAudience, MemoryItem
from memories.services import ParticipantRef

TYPES = ("child", "student")


class ParticipantRefSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


@extend_schema_field(ParticipantRefSerializer(many=True))
class ParticipantsField(serializers.Field):
    """A list of ``{"type": "child"|"student", "id"}``: JSON, or in a multipart body one
    part holding that list as JSON text."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list) or len(data) > 200:
            self.fail("invalid")
        refs = ParticipantRefSerializer(data=data, many=True)
        if not refs.is_valid():
            raise serializers.ValidationError(refs.errors)
        unique = {(r["type"], r["id"]) for r in refs.validated_data}
        return [ParticipantRef(type=kind, id=pk) for kind, pk in sorted(unique)]

    default_error_messages = {
        "invalid": _('Send a JSON list of objects with "type" (child or student) and "id".'),
    }


class MemoryCreateSerializer(serializers.Serializer):
    """``multipart/form-data``: the fields, and one ``items`` part per file (1–20)."""

    caption = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    course = serializers.PrimaryKeyRelatedField(
        queryset=Course.objects.all(), required=False, allow_null=True, default=None
    )
    taken_on = serializers.DateField()
    audience = serializers.ChoiceField(
        choices=MemoryAudience.choices, default=MemoryAudience.FAMILY
    )
    participants = ParticipantsField(
        required=False,
        default=list,
        help_text="The tagged participants: one part holding the JSON text of the list.",
    )
    items = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=MAX_ITEMS, write_only=True
    )


class MemoryUpdateSerializer(serializers.Serializer):
    caption = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    taken_on = serializers.DateField(required=False)
    audience = serializers.ChoiceField(choices=MemoryAudience.choices, required=False)
    participants = ParticipantsField(required=False)


class UntagSerializer(serializers.Serializer):
    participant = ParticipantRefSerializer()


class MemoryItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    url = serializers.URLField()
    thumbnail_url = serializers.URLField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class ParticipantRowSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def item_urls(item: MemoryItem, request) -> dict:
    """An item as the API shows it: signed URLs valid ``MEDIA_URL_TTL`` seconds."""
    if item.kind == ItemKind.PHOTO:
        shown = absolute_urls(item.stored, request)
    else:
        shown = {"url": storages[PRIVATE].url(item.name), "thumbnail_url": None}
        if shown["url"].startswith("/") and request is not None:
            shown["url"] = request.build_absolute_uri(shown["url"])
        shown.update(width=None, height=None)
    return {
        "id": item.pk,
        "kind": item.kind,
        **shown,
        "content_type": item.content_type,
        "size": item.size,
    }


class MemorySerializer(serializers.ModelSerializer):
    """A post. Families see only their own participants among the tagged (the others'
    names are not theirs to know); staff see every tag."""

    course_detail = serializers.SerializerMethodField()
    author_detail = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()

    class Meta:
        model = Memory
        fields = (
            "id",
            "caption",
            "course",
            "course_detail",
            "taken_on",
            "audience",
            "author_detail",
            "created_at",
            "items",
            "participants",
        )
        read_only_fields = fields

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_course_detail(self, memory) -> dict | None:
        course = memory.course
        return {"id": course.pk, "name": course.name} if course else None

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_author_detail(self, memory) -> dict | None:
        author = memory.author
        return {"id": author.pk, "name": author.get_full_name()} if author else None

    @extend_schema_field(MemoryItemSerializer(many=True))
    def get_items(self, memory) -> list[dict]:
        request = self.context.get("request")
        return [item_urls(item, request) for item in memory.items.all()]

    @extend_schema_field(ParticipantRowSerializer(many=True))
    def get_participants(self, memory) -> list[dict]:
        own = self.context.get("own_participants")  # None: staff, every tag
        rows = []
        for tag in memory.tags.all():
            key = ("child", tag.child_id) if tag.child_id else ("student", tag.student_id)
            if own is not None and key not in own:
                continue
            participant = tag.participant
            rows.append(
                {
                    "type": key[0],
                    "id": key[1],
                    "name": participant.full_name,
                    "code": participant.code,
                }
            )
        return rows

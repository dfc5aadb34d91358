"""/api/memories/ (§6.9): post, the feeds, one post, untag, find participants to tag."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.parsers import BoundedJSONParser
from core.permissions import DeclaredPermissionsMixin, is_admin
from core.query import InvalidQueryParameter, query_choice, query_int
from memories import selectors, services
from memories.permissions import IsFamily, IsPoster
from memories.serializers import (
    MemoryCreateSerializer,
    MemorySerializer,
    MemoryUpdateSerializer,
    ParticipantRowSerializer,
    UntagSerializer,
)
from memories.uploads import install_limit, uploaded_items
from users.models import Child
from users.selectors import parent_of

SEARCH_PARAMETER = "q"
FEED_PARAMETERS = [
    OpenApiParameter("feed", str, enum=list(selectors.FEEDS)),
    OpenApiParameter("child", int),
    OpenApiParameter("student", int),
    OpenApiParameter("course", int),
]


class MemoryViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Posts of photos and videos. Who sees which: memories.selectors; who writes:
    memories.services."""

    serializer_class = MemorySerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "create": [IsPoster],
        "partial_update": [IsAuthenticated],
        "destroy": [IsAuthenticated],
        "untag": [IsFamily],
        "participants": [IsPoster],
    }

    def get_parsers(self):
        # A post is multipart (its files); everything else is JSON. (Parsers are chosen
        # before DRF sets ``self.action``.)
        method = getattr(getattr(self, "request", None), "method", "") or ""
        if getattr(self, "action_map", {}).get(method.lower()) == "create":
            return [MultiPartParser()]
        return [BoundedJSONParser()]

    def get_queryset(self):
        feed = None
        if self.action == "list":
            params = self.request.query_params
            feed = query_choice(params, "feed", ("", *selectors.FEEDS), default="") or None
        posts = selectors.memories_visible_to(self.request.user, feed=feed)
        if self.action == "list":
            params = self.request.query_params
            posts = selectors.memory_filter(
                posts,
                child=query_int(params, "child"),
                student=query_int(params, "student"),
                course=query_int(params, "course"),
            )
        return selectors.memories_for_display(posts)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["own_participants"] = self._own_participants()
        return context

    def _own_participants(self) -> set | None:
        """The caller's family as ``(type, id)`` keys; None for staff (they see all)."""
        user = self.request.user
        if is_admin(user) or selectors.instructor_of(user) is not None:
            return None
        parent = parent_of(user)
        if parent is not None:
            children = Child.objects.of_parent(parent).values_list("pk", flat=True)
            return {("child", pk) for pk in children}
        student = selectors.student_of(user)
        return {("student", student.pk)} if student else set()

    @extend_schema(parameters=FEED_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": MemoryCreateSerializer},
        responses={201: MemorySerializer},
    )
    def create(self, request, *args, **kwargs):
        install_limit(request)
        serializer = MemoryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        memory = services.memory_create(
            author=request.user,
            caption=data["caption"],
            taken_on=data["taken_on"],
            audience=data["audience"],
            course=data["course"],
            participants=data["participants"],
            uploads=uploaded_items(request),
        )
        shown = selectors.memories_for_display(selectors.memories_visible_to(request.user))
        body = self.get_serializer(shown.get(pk=memory.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemoryUpdateSerializer, responses=MemorySerializer)
    def partial_update(self, request, *args, **kwargs):
        memory = self.get_object()
        serializer = MemoryUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.memory_update(memory=memory, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=memory.pk)).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.memory_delete(memory=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=UntagSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def untag(self, request, pk=None):
        memory = self.get_object()
        serializer = UntagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ref = serializer.validated_data["participant"]
        services.memory_untag(
            memory=memory,
            actor=request.user,
            participant=services.ParticipantRef(type=ref["type"], id=ref["id"]),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)],
        responses=ParticipantRowSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def participants(self, request):
        q = (request.query_params.get("q") or "").strip()
        if len(q) < 2 or len(q) > 100:
            raise InvalidQueryParameter(SEARCH_PARAMETER, _("Type at least 2 characters."))
        return Response(selectors.participants_search(request.user, q))

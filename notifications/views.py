from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.permissions import DeclaredPermissionsMixin
from core.query import query_bool
from notifications import services
from notifications.models import Notification
from notifications.serializers import NotificationSerializer


class NotificationViewSet(
    DeclaredPermissionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own notifications, newest first. ``?unread=true`` for unread only."""

    permission_map = {
        "list": [IsAuthenticated],
        "retrieve": [IsAuthenticated],
        "read": [IsAuthenticated],
        "read_all": [IsAuthenticated],
    }

    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        qs = Notification.objects.filter(recipient=self.request.user)
        if query_bool(self.request.query_params, "unread"):
            qs = qs.unread()
        return qs

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(
            notification=self.get_object(), actor=request.user
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("ReadAll", {"updated": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"updated": services.notification_mark_all_read(user=request.user)})

from rest_framework import serializers

from notifications.models import Notification
from notifications.texts import notification_text


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "data", "read_at", "is_read", "created_at")
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None

    def to_representation(self, notification):
        data = super().to_representation(notification)
        data["title"], data["body"] = notification_text(
            kind=notification.kind,
            data=notification.data,
            title=notification.title,
            body=notification.body,
        )
        return data

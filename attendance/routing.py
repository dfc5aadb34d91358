"""WebSocket routes of the attendance app, gathered by ``core.routing``."""

from django.urls import path

from attendance.consumers import AttendanceConsumer

websocket_urlpatterns = [
    path("ws/attendance/", AttendanceConsumer.as_asgi()),
]

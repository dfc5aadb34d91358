"""WebSocket URL patterns of every app, gathered in one place for core.asgi."""

websocket_urlpatterns: list = []

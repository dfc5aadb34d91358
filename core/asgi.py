"""ASGI entry point: HTTP through Django, WebSocket through Channels' URL router.

Django must be set up before any consumer or model module is imported.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from core.consumers import NoRouteConsumer  # noqa: E402
from core.routing import websocket_urlpatterns  # noqa: E402
from core.ws_auth import WsAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The apps' routes first; any other path ends at NoRouteConsumer (closed, 4004).
        # The middleware only judges origin and credential; consumers decide what to do.
        "websocket": WsAuthMiddleware(
            URLRouter([*websocket_urlpatterns, re_path(r"", NoRouteConsumer.as_asgi())])
        ),
    }
)

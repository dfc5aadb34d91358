"""ASGI entry point: HTTP through Django, WebSocket through Channels' URL router.

Django must be set up before any consumer or model module is imported. Importing this
module marks the process as an ASGI server (``DJANGO_SERVER=asgi``, unless the environment
says otherwise), which lends database connections from psycopg's pool: see the settings'
"Database connection reuse".
"""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings")
if not settings.configured:  # too late once something has read the settings
    os.environ.setdefault("DJANGO_SERVER", "asgi")
django_asgi_app = get_asgi_application()

# Each request runs on a thread of its own here: a persistent connection would be left
# open by every one of them until PostgreSQL runs out of connections.
for _alias, _db in settings.DATABASES.items():
    if _db.get("CONN_MAX_AGE", 0) != 0:
        raise ImproperlyConfigured(
            f"DATABASES[{_alias!r}] has CONN_MAX_AGE={_db['CONN_MAX_AGE']!r}: persistent "
            "connections leak under ASGI. Unset CONN_MAX_AGE (Daphne uses the pool)."
        )

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

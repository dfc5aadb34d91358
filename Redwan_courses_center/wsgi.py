"""WSGI entry point (used when REST traffic is served by gunicorn; see docs/operations.md).

Importing it marks the process as a WSGI server (``DJANGO_SERVER=wsgi``, unless the
environment says otherwise), which turns on persistent database connections: see the
settings' "Database connection reuse".
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings")
if not settings.configured:  # too late once something has read the settings
    os.environ.setdefault("DJANGO_SERVER", "wsgi")

application = get_wsgi_application()

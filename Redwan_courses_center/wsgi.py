"""WSGI entry point (used when REST traffic is served by gunicorn; see README)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings")

application = get_wsgi_application()

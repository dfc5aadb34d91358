"""The admin site speaks Arabic whatever the browser asks for (SPEC §6.7).

``LocaleMiddleware`` picks the language from ``Accept-Language`` for the whole site: the
API answers English to a client that asks for it. The admin's pages are the center's
office pages, in Arabic only, so under the admin's prefix this middleware (placed right
after ``LocaleMiddleware``) switches the request back to Arabic before any view runs.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

ADMIN_PREFIX = "/courses-admin/"


class AdminArabicMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

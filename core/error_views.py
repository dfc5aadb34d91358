"""handler400/404/500 of the root URLconf: JSON in the SPEC §4 shape for the API (/api/,
/auth/), Django's own pages for everything else (the admin keeps its HTML).

Django calls these only when DEBUG is off: an unmatched URL, an exception no view handled,
or a request refused before any view (a Host header outside ALLOWED_HOSTS raises
DisallowedHost in CommonMiddleware; an oversized body raises RequestDataTooBig).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response

from core.exceptions import suspicious_operation_body

API_PREFIXES = ("/api/", "/auth/")


def _json(body: dict, status: int) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in {p.rstrip("/") for p in API_PREFIXES}


def bad_request(request, exception=None):
    if not is_api_path(request.path):
        return defaults.bad_request(request, exception)
    if isinstance(exception, SuspiciousOperation):
        body, status = suspicious_operation_body(exception)
    else:
        body, status = {"code": "bad_request", "detail": _("The request is not valid.")}, 400
    return _json(body, status)


def page_not_found(request, exception=None):
    if not is_api_path(request.path):
        return defaults.page_not_found(request, exception)
    return _json({"detail": str(exceptions.NotFound.default_detail), "code": "not_found"}, 404)


def server_error(request):
    if not is_api_path(request.path):
        return defaults.server_error(request)
    detail = str(exceptions.APIException.default_detail)
    return _json({"detail": detail, "code": "server_error"}, 500)


class DebugApiErrorsMiddleware:
    """JSON error pages under /api/ and /auth/ with DEBUG on too.

    With DEBUG on, Django answers an unmatched URL, a ``Host`` outside ALLOWED_HOSTS or an
    exception outside any view with its HTML debug pages and never calls the handlers
    above. ``./run.sh`` runs with ``DEBUG=1``, and the frontend is written against JSON
    errors (SPEC §4), so here such a page is swapped for the handler's JSON (the server's
    log keeps the details). With DEBUG off the handlers answer already; this does nothing.
    """

    _handlers = {400: bad_request, 404: page_not_found, 500: server_error}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code in self._handlers
            and response.get("Content-Type", "").startswith("text/html")
            # DRF's own answers are left alone (its browsable API is HTML on purpose).
            and not isinstance(response, Response)
            and is_api_path(request.path)
        ):
            return self._handlers[response.status_code](request)
        return response

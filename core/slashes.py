"""Django's ``CommonMiddleware``, with a write sent without its trailing slash redirected
by ``308`` (method and body kept) instead of failing.

Django answers ``POST /api/ws-ticket`` (no slash) with a ``301`` to the slashed URL, which
every client follows as a ``GET`` (the body is lost), and with ``DEBUG`` on it raises a
``RuntimeError`` instead — a ``500`` for a typo, and ``./run.sh`` serves with ``DEBUG=1``.
A ``308 Permanent Redirect`` is what HTTP has for this case: ``fetch``, axios and
``requests`` repeat the same request, body included, at the new URL.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.utils.http import escape_leading_slashes

SAFE_METHODS = ("GET", "HEAD")


class CommonMiddleware(DjangoCommonMiddleware):
    def get_full_path_with_slash(self, request: HttpRequest) -> str:
        # Django's, without the DEBUG-only RuntimeError for POST/PUT/PATCH.
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        return _keep_method(request, super().process_request(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return _keep_method(request, super().process_response(request, response))


def _keep_method(request: HttpRequest, response: HttpResponse | None) -> HttpResponse | None:
    if isinstance(response, HttpResponsePermanentRedirect) and request.method not in SAFE_METHODS:
        response.status_code = 308
    return response

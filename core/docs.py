"""The API's documentation pages (Swagger UI and ReDoc) under their CSP (core/csp.py)."""

from __future__ import annotations

import threading

from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from core.csp import HEADER, PAGE_POLICY

# ReDoc's side menu always shows Redocly's logo from their CDN (the bundle hard-codes the
# URL and hides the image when it fails to load, as it does offline). That one image is
# allowed on this page only; nothing else leaves our origin.
REDOC_POLICY = PAGE_POLICY.replace(
    "img-src 'self' data:", "img-src 'self' data: https://cdn.redoc.ly"
)


# drf-spectacular is not thread-safe while it generates: the first generation in a process
# resolves the extensions' target classes in place, and two requests doing it at once (the
# first two GETs after Daphne starts, e.g. two fuzzers) could see one half done and answer
# 500. One generation at a time.
_SCHEMA_LOCK = threading.Lock()


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: drf-spectacular's view, generating one schema at a time."""

    def _get_schema_response(self, request):
        with _SCHEMA_LOCK:
            return super()._get_schema_response(request)


class SwaggerView(SpectacularSwaggerSplitView):
    # DRF answers OPTIONS with the view's metadata through the page's HTML renderer, and
    # Swagger UI's template cannot render it (a 500). The pages answer GET only: without
    # a metadata class DRF answers OPTIONS 405.
    metadata_class = None


class RedocView(SpectacularRedocView):
    template_name = "core/redoc.html"
    metadata_class = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response[HEADER] = REDOC_POLICY
        return response

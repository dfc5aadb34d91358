"""The API's documentation pages (Swagger UI and ReDoc) under their CSP (core/csp.py)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from core.csp import HEADER, PAGE_POLICY

# ReDoc's side menu always shows Redocly's logo from their CDN (the bundle hard-codes the
# URL and hides the image when it fails to load, as it does offline). That one image is
# allowed on this page only; nothing else leaves our origin.
REDOC_POLICY = PAGE_POLICY.replace(
    "img-src 'self' data:", "img-src 'self' data: https://cdn.redoc.ly"
)


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

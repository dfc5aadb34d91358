"""Content-Security-Policy on every response (Django 5.2 has no built-in CSP).

- HTML pages (the admin, Swagger UI, ReDoc, Django's error pages) load scripts, styles,
  images and fonts from this origin only. No inline or eval'd script is allowed: Swagger
  UI's init script is served as a file (SpectacularSwaggerSplitView) and ReDoc's page has
  none. Inline *styles* are allowed because Swagger UI, ReDoc (styled-components) and
  the admin set them at run time; styles cannot run code. ReDoc builds a web worker from
  a blob: URL.
- Everything else (the JSON API, the schema, static files) gets a policy that allows
  nothing: a JSON response opened in a browser can neither run nor load anything, nor be
  framed.

- Uploaded images kept in object storage (§6.8) are loaded from its origin: the admin's
  pages show photos. ``settings.MEDIA_ORIGINS`` (files.config.media_origins) names those
  origins; images are the only thing they may serve.

A view may set its own header; it is then left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

HEADER = "Content-Security-Policy"


@lru_cache(maxsize=8)
def page_policy(image_origins: Iterable[str] = ()) -> str:
    """The policy of HTML pages; ``image_origins`` (a tuple) may serve images too."""
    images = " ".join(("'self'", "data:", *image_origins))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


PAGE_POLICY = page_policy()

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            content_type = response.get("Content-Type", "")
            html = content_type.startswith("text/html")
            media = tuple(getattr(settings, "MEDIA_ORIGINS", ()))
            response[HEADER] = page_policy(media) if html else API_POLICY
        return response

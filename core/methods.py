"""``405`` for a method no API view routes, before anyone is asked to sign in.

DRF authenticates and checks permissions in ``initial()`` and looks the handler up only
afterwards, so ``TRACE /api/attendance/scan/`` without a device key answered ``401``: a
client was told to authenticate for something that does not exist with any credential.
The view's routing is known before it runs (a viewset's ``actions``, an APIView's
handlers), so an unrouted method is answered here with DRF's ``405`` body and ``Allow``.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.views import APIView


def routed_methods(view_func) -> list[str] | None:
    """The methods the DRF view behind ``view_func`` answers; None for any other view."""
    cls = getattr(view_func, "cls", None)
    if not (isinstance(cls, type) and issubclass(cls, APIView)):
        return None
    actions = getattr(view_func, "actions", None)
    if actions is not None:  # a viewset route: only the mapped methods
        handled = set(actions) | {"options"}
    else:
        handled = {m for m in cls.http_method_names if hasattr(cls, m)}
    if "get" in handled:
        handled.add("head")  # Django and DRF answer HEAD with the GET handler
    return [m.upper() for m in cls.http_method_names if m in handled]


class UnroutedMethodMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        allowed = routed_methods(view_func)
        if allowed is None or request.method in allowed:
            return None
        error = MethodNotAllowed(request.method)
        response = JsonResponse(
            {"detail": str(error.detail), "code": error.default_code},
            status=error.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
        response["Allow"] = ", ".join(allowed)
        return response

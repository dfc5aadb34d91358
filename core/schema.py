"""drf-spectacular AutoSchema that documents our error responses on every operation,
so that schema-driven clients and fuzzers know 400/401/403/404/409 are expected."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)


_ERRORS = {
    "400": "Invalid input (field errors or a domain error code).",
    "401": "Not authenticated.",
    "403": "Authenticated but not allowed.",
    "404": "Not found, or not visible to this user.",
    "409": "Conflicts with the object's state.",
    "429": "Throttled.",
}


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        for code, text in _ERRORS.items():
            if code in responses:
                continue
            if code == "400" and self.method in ("GET", "DELETE") and not self._is_list_view():
                continue
            responses[code] = self._get_response_for_code(
                OpenApiResponse(response=ErrorSerializer, description=text), code
            )
        return responses

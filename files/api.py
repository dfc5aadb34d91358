"""The shape every photo endpoint shares (§6.8): ``PUT`` a ``multipart/form-data`` body
with one ``file`` → ``200`` with the photo ``{"url", "thumbnail_url", "width", "height"}``;
``DELETE`` → ``204`` (also when there was none).

A subclass finds the owner (404 when the caller may not see it) and calls its app's
service; the upload is read here, within ``UPLOAD_MAX_MB`` (files.uploads).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from files.serializers import PhotoSerializer, PhotoUploadSerializer, absolute_urls
from files.uploads import uploaded_file


class PhotoView(APIView):
    parser_classes = [MultiPartParser]
    http_method_names = ["put", "delete", "options"]
    # The owner's JSON column (files.stored) that holds the photo.
    field = "photo"

    def get_owner(self, request, **kwargs):
        raise NotImplementedError

    def store(self, request, owner, upload):
        """Call the service that sets the photo; return the updated owner."""
        raise NotImplementedError

    def clear(self, request, owner) -> None:
        raise NotImplementedError

    def stored_value(self, owner):
        return getattr(owner, self.field)

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={200: PhotoSerializer},
    )
    def put(self, request, **kwargs):
        owner = self.get_owner(request, **kwargs)
        owner = self.store(request, owner, uploaded_file(request))
        return Response(absolute_urls(self.stored_value(owner), request))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, **kwargs):
        owner = self.get_owner(request, **kwargs)
        self.clear(request, owner)
        return Response(status=status.HTTP_204_NO_CONTENT)

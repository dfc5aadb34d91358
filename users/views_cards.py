"""What the card endpoints share: the PDF answer, its schema, and content negotiation.

The card actions live on their owners' viewsets (``/api/children/{id}/card/``,
``/api/students/{id}/card/``, ``/api/courses/{id}/cards/``); the admin's "print cards"
actions answer with the same ``pdf_response``.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation

from core.schema import ErrorSerializer
from users.cards import CardFile

PDF_TYPE = "application/pdf"


class PdfDownload(DefaultContentNegotiation):
    """A card is a PDF whatever ``Accept`` or ``?format=`` say (the view answers the file
    itself); errors keep the API's JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def card_schema(description: str):
    """The schema of a card endpoint: ``200 application/pdf`` (binary), and ``503
    card_font_missing`` when the server has no card font."""
    return extend_schema(
        description=description,
        request=None,
        responses={
            (200, PDF_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            503: OpenApiResponse(
                ErrorSerializer,
                description="card_font_missing: the server has no usable card font.",
            ),
        },
    )


def pdf_response(card: CardFile) -> HttpResponse:
    """The PDF as a download. ``private, no-store``: a card carries a child's name, photo
    and code, which no shared cache (nor the browser's disk cache) should keep."""
    response = HttpResponse(card.content, content_type=PDF_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, card.filename)
    response["Cache-Control"] = "private, no-store"
    return response

"""Read-only exports of one consent: FHIR R4 Consent, Kantara receipt JSON, printable receipt.

Readers are the lead organization's care team and supervisors and the young person
(``access_consent_exports``); everyone else gets 404. Drafts and consents awaiting
signatures have no receipt yet (404 saying so); their FHIR export says draft or proposed.
The FHIR export answers ``Accept: application/fhir+json`` with that media type, and JSON
otherwise.
"""

from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ViewerMixin
from consent.fhir import consent_to_fhir
from consent.models import Consent
from consent.policy import access_consent_exports
from consent.receipts import consent_receipt, render_receipt_html


class ReceiptPageRenderer(BaseRenderer):
    """Passes the rendered page through; an error becomes a minimal page with its message."""

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> str:
        if isinstance(data, str):
            return data
        detail = data.get("detail", "") if isinstance(data, dict) else ""
        return format_html(
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>Receipt</title>'
            "<p>{}</p></html>",
            detail,
        )


class FhirJsonRenderer(JSONRenderer):
    """FHIR's own JSON media type, for clients that ask for it (the body is the same JSON)."""

    media_type = "application/fhir+json"
    format = "fhir"


class ConsentExportView(ViewerMixin, APIView):
    """Fetches the consent for a reader of its exports (404 for anyone else)."""

    def consent(self, pk: int) -> Consent:
        return access_consent_exports(viewer=self.viewer, consent_id=pk)

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # A receipt printed on a shared computer must not stay in its browser cache.
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class ConsentFhirView(ConsentExportView):
    """The consent as a FHIR R4 Consent resource, validated with fhir.resources."""

    renderer_classes = [JSONRenderer, FhirJsonRenderer]

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        consent = access_consent_exports(viewer=self.viewer, consent_id=pk, unsigned_too=True)
        return Response(consent_to_fhir(consent))


class ConsentReceiptView(ConsentExportView):
    """The consent's Kantara Consent Receipt v1.1, with its status and revocation time."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        return Response(consent_receipt(self.consent(pk)))


class ConsentReceiptPageView(ConsentExportView):
    """The printable receipt page (text/html)."""

    renderer_classes = [ReceiptPageRenderer]

    @extend_schema(
        operation_id="v1_consents_receipt_html_retrieve",
        responses={(200, "text/html"): OpenApiTypes.STR},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(render_receipt_html(self.consent(pk)))

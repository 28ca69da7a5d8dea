"""The API answers in its own format, whatever the client asks for.

The JSON API renders JSON only: DRF's browsable API would render forms whose ``<select>``
lists a related field's whole queryset and re-serialize a record with the writer's
serializer, a door the access policy does not guard. A client asking for another format
(``Accept: text/html``, ``?format=api``) gets the same answer as everyone else rather than a
406 or a 404 of its own: one answer per route, persona and id, whatever the headers say. The
Swagger UI at ``/api/docs/`` is the way to browse the API.
"""

from collections.abc import Sequence
from typing import Any

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class OwnFormatNegotiation(DefaultContentNegotiation):
    """DRF's negotiation among the view's own renderers; anything it would refuse gets the
    view's first renderer (JSON, or the one format a download route serves)."""

    def select_renderer(
        self, request: Request, renderers: Sequence[BaseRenderer], format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotAcceptable, Http404):
            renderer = renderers[0]
            return renderer, renderer.media_type

"""Gives each request an id and writes its access events after the response (R24)."""

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from consent.access_log import begin_request, end_request, flush

REQUEST_ID_HEADER = "X-Request-ID"


class AccessLogMiddleware:
    """Buffer the request's access events and write them in one insert once the view is done.

    The events are flushed in their own transaction even when the view raised, so a refused
    attempt is recorded though the view's work rolled back. A failed write fails the request:
    case data is not served unlogged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Always our own id: a client-supplied one could be anything, or collide.
        request_id = str(uuid.uuid4())
        request.request_id = request_id  # type: ignore[attr-defined]
        token = begin_request(request_id)
        try:
            response = self.get_response(request)
        finally:
            try:
                flush()
            finally:
                end_request(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

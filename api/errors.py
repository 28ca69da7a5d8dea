"""One exception handler turns domain errors into clear 400/403/404 responses."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cases.errors import TransitionNotAllowed


def harbor_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: transitions name the allowed moves; model validation becomes 400."""
    if isinstance(exc, TransitionNotAllowed):
        return Response(
            {"status": [exc.message], "allowed": exc.allowed}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = ValidationError(detail)
    return exception_handler(exc, context)

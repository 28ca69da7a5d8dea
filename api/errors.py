"""One exception handler turns domain errors into clear 400/403/404 responses."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.access import request_viewer
from cases.errors import TransitionNotAllowed
from consent.access_log import denial_noted, note_denied
from consent.errors import AccessDenied, NotVisible

# Refusals by the policy always concern case data; plain 404/403 do in views that serve it.
_POLICY_REFUSALS = (NotVisible, AccessDenied)
_REFUSALS = (Http404, DjangoPermissionDenied, exceptions.NotFound, exceptions.PermissionDenied)
_ACTION_NAMES = {
    "retrieve": "view",
    "list": "list",
    "create": "create",
    "update": "edit",
    "partial_update": "edit",
    "destroy": "delete",
}


def harbor_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: transitions name the allowed moves; model validation becomes 400;
    refused attempts on case data are recorded in the access log (R24)."""
    _note_refusal(exc, context)
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


def _note_refusal(exc: Exception, context: dict[str, Any]) -> None:
    """Record a 404/403 on case data, unless the policy already recorded it with its case."""
    view, request = context.get("view"), context.get("request")
    if view is None or request is None or denial_noted():
        return
    case_field = getattr(view, "access_log_case_field", None)
    if not isinstance(exc, _POLICY_REFUSALS) and not (case_field and isinstance(exc, _REFUSALS)):
        return
    viewer = request_viewer(request)
    if viewer.user_id is None:
        return
    kwargs = getattr(view, "kwargs", {}) or {}
    raw_case_id = kwargs.get("case_pk") or (kwargs.get("pk") if case_field == "pk" else None)
    case_id = int(raw_case_id) if str(raw_case_id or "").isdigit() else None
    name = getattr(view, "action", None) or request.method.lower()
    note_denied(viewer, case_id, _ACTION_NAMES.get(name, name)[:40])

"""No lost edits through the API (R44): every changeable record answers with an ``ETag``, and a
change sent with ``If-Match`` is applied only to that version; an older one gets 412 and
nothing changes. Without ``If-Match`` a change applies as before (clients that never read).

The version is checked on the locked row inside the transaction that writes the change, so no
other write slips in between, and only for a record the viewer may see: for anything else the
view answers exactly as it does without the header.
"""

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.versions import StaleVersion, etag, unchanged_since

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The ETag of the version you read. A change made from an older version is refused "
        "with 412 Precondition Failed and nothing is changed (R44); read the record again."
    ),
)
WRITES = ("partial_update", "update")
VERSIONED_READS = ("retrieve", *WRITES)


class StaleRecord(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Someone changed this record after you read it. Read it again (its ETag), then send "
        "your change with the new If-Match."
    )
    default_code = "precondition_failed"


def if_match(request: Request) -> str | None:
    return request.headers.get("If-Match") or None


def set_etag(response: Response, record: models.Model | None) -> Response:
    if record is not None and response.status_code < 300:
        response["ETag"] = etag(record)
    return response


class VersionedRecordMixin:
    """For viewsets whose detail route changes one record of ``versioned_model``; the policy's
    ``get_queryset`` says which records the viewer may see."""

    versioned_model: type[models.Model]
    request: Request
    action: str | None
    kwargs: dict[str, Any]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method in ("PATCH", "PUT") and request.headers.get("If-Match"):
            # The version check and the write commit together (the lock is held until then).
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        read = if_match(request)
        if self.action not in WRITES or read is None or not self._visible(kwargs.get("pk")):
            return
        try:
            with unchanged_since(self.versioned_model.objects.filter(pk=kwargs["pk"]), read):
                pass  # the lock stays, in the request's transaction, until the change is written
        except StaleVersion as exc:
            raise StaleRecord from exc

    def _visible(self, pk: Any) -> bool:
        if not str(pk or "").isdigit():
            return False
        return self.get_queryset().filter(pk=int(pk)).exists()  # type: ignore[attr-defined]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if self.action in VERSIONED_READS and response.status_code < 300:
            pk = self.kwargs.get("pk")
            if str(pk or "").isdigit():
                set_etag(response, self.versioned_model.objects.filter(pk=int(pk)).first())
        return response

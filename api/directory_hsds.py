"""Download the community directory as Open Referral HSDS 3.0: JSON or a tabular zip.

For staff of any active member organization, whatever their role (advocates, intake,
supervisors, organization admins); young people and people without an active role get 403.
The directory holds no case data. Confidential locations show no address or coordinates
(R40, providers/hsds/export.py).

Records lacking a field HSDS 3.0 requires are left out of both downloads, which count them in
the ``Harbor-Incomplete-Records`` header; ``hsds/incomplete/`` lists them (kind, id, missing
field names) so their organizations can complete them.
"""

from typing import Any

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import request_viewer
from consent.policy import can_search_directory
from providers.hsds.export import DirectoryExport, export_directory
from providers.hsds.tabular import package_zip
from providers.models import DirectoryProvider

INCOMPLETE_HEADER = "Harbor-Incomplete-Records"
INCOMPLETE_HEADER_SCHEMA = OpenApiParameter(
    INCOMPLETE_HEADER,
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=True,
    description="How many incomplete records were left out (listed at hsds/incomplete/).",
)
PROVIDER_PARAMETER = OpenApiParameter(
    "provider",
    OpenApiTypes.UUID,
    required=False,
    description="HSDS id of one directory provider: export only its services.",
)


class MemberStaffOnly(BasePermission):
    """Any active role at an active member organization."""

    message = _("The directory export is for staff of member organizations.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_search_directory(viewer=request_viewer(request))


class ExportFilterSerializer(serializers.Serializer):
    provider = serializers.UUIDField(required=False)


class DirectoryExportView(APIView):
    """Parses the optional provider filter shared by both downloads."""

    def provider(self, request: Request) -> DirectoryProvider | None:
        params = ExportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        hsds_id = params.validated_data.get("provider")
        if hsds_id is None:
            return None
        provider = DirectoryProvider.objects.filter(hsds_id=hsds_id).first()
        if provider is None:
            raise NotFound(_("No directory provider has this id."))
        return provider

    def export(self, request: Request) -> DirectoryExport:
        return export_directory(provider=self.provider(request))

    def get_permissions(self) -> list[BasePermission]:
        return [*super().get_permissions(), MemberStaffOnly()]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class DirectoryHsdsView(DirectoryExportView):
    """Published directory services as a JSON list of HSDS 3.0 ``service`` objects, each with
    its organization, areas, languages, schedule, cost, locations and taxonomy attributes."""

    @extend_schema(
        parameters=[PROVIDER_PARAMETER, INCOMPLETE_HEADER_SCHEMA],
        responses={
            200: OpenApiResponse(
                response={"type": "array", "items": {"type": "object"}},
                description="HSDS 3.0 service objects.",
            )
        },
    )
    def get(self, request: Request) -> Response:
        export = self.export(request)
        response = Response(export.services)
        response[INCOMPLETE_HEADER] = str(len(export.incomplete))
        return response


class DirectoryHsdsZipView(DirectoryExportView):
    """The same export as an HSDS 3.0 tabular data package: CSV files and datapackage.json."""

    @extend_schema(
        parameters=[PROVIDER_PARAMETER, INCOMPLETE_HEADER_SCHEMA],
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        export = self.export(request)
        response = HttpResponse(package_zip(export.services), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="harbor-directory-hsds.zip"'
        response[INCOMPLETE_HEADER] = str(len(export.incomplete))
        return response


class IncompleteRecordSerializer(serializers.Serializer):
    record = serializers.ChoiceField(choices=["organization", "service", "address"])
    id = serializers.UUIDField()
    missing = serializers.ListField(child=serializers.CharField())


class DirectoryHsdsIncompleteView(DirectoryExportView):
    """The records the downloads leave out because they lack a field HSDS 3.0 requires: the
    kind of record, its HSDS id and the missing fields' names (no values). A service of an
    incomplete organization misses ``organization.<field>``."""

    @extend_schema(
        parameters=[PROVIDER_PARAMETER],
        responses={200: IncompleteRecordSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(IncompleteRecordSerializer(self.export(request).incomplete, many=True).data)

"""Download the community directory as Open Referral HSDS 3.0: JSON or a tabular zip.

For staff of any active member organization, whatever their role (advocates, intake,
supervisors, organization admins); young people and people without an active role get 403.
The directory holds no case data. Confidential locations show no address or coordinates
(R40, providers/hsds/export.py).
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
from providers.hsds.export import export_services
from providers.hsds.tabular import package_zip
from providers.models import DirectoryProvider

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
        parameters=[PROVIDER_PARAMETER],
        responses={
            200: OpenApiResponse(
                response={"type": "array", "items": {"type": "object"}},
                description="HSDS 3.0 service objects.",
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response(export_services(provider=self.provider(request)))


class DirectoryHsdsZipView(DirectoryExportView):
    """The same export as an HSDS 3.0 tabular data package: CSV files and datapackage.json."""

    @extend_schema(
        parameters=[PROVIDER_PARAMETER],
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        archive = package_zip(export_services(provider=self.provider(request)))
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="harbor-directory-hsds.zip"'
        return response

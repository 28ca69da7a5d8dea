"""Reports for funders and the continuum of care: counts only, small cells withheld (R22)."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ViewerMixin
from consent.errors import NotVisible
from consent.policy import can_read_reports
from providers.models import Organization
from reports.caseload import caseload_report
from reports.suppression import threshold


class CellSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="Empty when suppressed.")
    suppressed = serializers.BooleanField()


class GroupSerializer(serializers.Serializer):
    title = serializers.CharField()
    total = serializers.IntegerField(allow_null=True)
    cells = CellSerializer(many=True)


class CaseloadReportSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    suppression_threshold = serializers.IntegerField()
    groups = GroupSerializer(many=True)


class CaseloadReportView(ViewerMixin, APIView):
    """An organization's cases and referrals by status, for its supervisors and admins."""

    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses=CaseloadReportSerializer,
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("organization", "")
        if not raw.isdigit():
            raise ValidationError({"organization": ["Give the organization's id."]})
        if not can_read_reports(viewer=self.viewer, organization_id=int(raw)):
            raise NotVisible("No such organization report.")
        organization = Organization.objects.get(pk=int(raw))
        groups = [
            {
                "title": group.title,
                "total": group.total,
                "cells": [{**asdict(cell), "suppressed": cell.suppressed} for cell in group.cells],
            }
            for group in caseload_report(organization)
        ]
        return Response(
            {
                "organization": organization.pk,
                "suppression_threshold": threshold(),
                "groups": groups,
            }
        )

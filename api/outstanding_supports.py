"""The community gap report ("outstanding supports") as JSON: counts only, small cells withheld
(R22). The same tables as the community pages; a withheld cell is ``null`` with
``suppressed: true``. Staff of any member organization, in any role, may read it."""

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ViewerMixin
from consent.errors import NotVisible
from consent.policy import Viewer, can_read_community_report
from providers.models import ServiceType
from reports.community.coverage import known_areas
from reports.community.gaps import (
    ACCEPTED,
    AREA_NOT_RECORDED,
    CLOSED,
    MAX_PERIOD_DAYS,
    MEDIAN,
    NEEDED,
    WAITING,
    Gap,
    GapFilters,
    GapGroup,
    GapReport,
    GapRow,
    Period,
    RowKind,
    outstanding_supports,
)


class FiltersSerializer(serializers.Serializer):
    """The query parameters: all optional (the community, the last 12 months)."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    organization = serializers.IntegerField(required=False, min_value=1)
    service_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceType.objects.all(), required=False
    )
    area = serializers.CharField(required=False, max_length=60)

    def __init__(self, *args: object, viewer: Viewer, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def validate_organization(self, value: int) -> int:
        if not can_read_community_report(viewer=self.viewer, organization_id=value):
            raise serializers.ValidationError("Choose one of your own organizations.")
        return value

    def validate_area(self, value: str) -> str:
        # Only public areas (the directory's, the members'): a rare area typed on a record
        # would say where someone lives, and probing for one must not work either.
        if value != AREA_NOT_RECORDED and value not in known_areas():
            raise serializers.ValidationError(
                "Choose an area the directory or a member organization lists, or '-'."
            )
        return value

    def validate(self, data: dict) -> dict:
        default = Period.last_twelve_months()
        start, end = data.get("start", default.start), data.get("end", default.end)
        if start > end:
            raise serializers.ValidationError({"end": ["The end cannot come before the start."]})
        if (end - start).days > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"start": ["Choose a period of at most ten years."]})
        data["period"] = Period(start=start, end=end)
        return data

    def filters(self) -> GapFilters:
        data = self.validated_data
        area = data.get("area")
        service_type = data.get("service_type")
        return GapFilters(
            period=data["period"],
            organization_id=data.get("organization"),
            service_type_id=service_type.pk if service_type else None,
            area="" if area == AREA_NOT_RECORDED else area,
        )


class CountSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True, help_text="Empty when suppressed.")
    suppressed = serializers.BooleanField()


class MedianSerializer(serializers.Serializer):
    value = serializers.FloatField(
        allow_null=True, help_text="Days; empty when suppressed or when nothing was accepted."
    )
    suppressed = serializers.BooleanField()


class GapRowSerializer(serializers.Serializer):
    row_kind = serializers.ChoiceField(choices=RowKind.choices)
    area = serializers.CharField(help_text="The area as written; empty for the other kinds.")
    label = serializers.CharField()
    needed = CountSerializer()
    accepted = CountSerializer()
    median_wait_days = MedianSerializer()
    closed_without_service = CountSerializer()
    still_waiting = CountSerializer()
    directory_services_in_area = serializers.IntegerField(allow_null=True)
    directory_services_open_now = serializers.IntegerField(allow_null=True)
    outstanding = serializers.ListField(child=serializers.ChoiceField(choices=Gap.choices))


class ServiceTypeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class GapGroupSerializer(serializers.Serializer):
    service_type = ServiceTypeRefSerializer()
    directory_services_anywhere = serializers.IntegerField()
    rows = GapRowSerializer(many=True)
    total = GapRowSerializer()


class AreaCoverageSerializer(serializers.Serializer):
    area = serializers.CharField()
    services = serializers.IntegerField()
    open_now = serializers.IntegerField()


class CoverageGroupSerializer(serializers.Serializer):
    service_type = ServiceTypeRefSerializer()
    services_anywhere = serializers.IntegerField()
    areas = AreaCoverageSerializer(many=True)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class OutstandingSupportsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    organization = serializers.IntegerField(
        allow_null=True, help_text="Empty: every member organization's cases."
    )
    suppression_threshold = serializers.IntegerField()
    long_wait_days = serializers.IntegerField()
    groups = GapGroupSerializer(many=True)
    coverage = CoverageGroupSerializer(many=True)


def _figure(row: GapRow, name: str) -> dict:
    figure = row.figures[name]
    return {"value": figure.value, "suppressed": figure.suppressed}


def _row(row: GapRow) -> dict:
    coverage = row.coverage
    return {
        "row_kind": row.kind,
        "area": row.area,
        "label": row.label,
        **{name: _figure(row, name) for name in (NEEDED, ACCEPTED, MEDIAN, CLOSED, WAITING)},
        "directory_services_in_area": coverage.services if coverage else None,
        "directory_services_open_now": coverage.open_now if coverage else None,
        "outstanding": list(row.gaps),
    }


def _type(service_type: ServiceType) -> dict:
    return {"code": service_type.code, "name": service_type.name}


def _group(group: GapGroup) -> dict:
    return {
        "service_type": _type(group.service_type),
        "directory_services_anywhere": group.services_anywhere,
        "rows": [_row(row) for row in group.rows],
        "total": _row(group.total),
    }


def _body(report: GapReport) -> dict:
    period: Period = report.filters.period
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "organization": report.filters.organization_id,
        "suppression_threshold": report.threshold,
        "long_wait_days": report.long_wait_days,
        "groups": [_group(group) for group in report.groups],
        "coverage": [
            {
                "service_type": _type(entry.service_type),
                "services_anywhere": entry.services_anywhere,
                "areas": [
                    {"area": area, "services": found.services, "open_now": found.open_now}
                    for area, found in entry.areas
                ],
            }
            for entry in report.coverage
        ],
    }


class OutstandingSupportsView(ViewerMixin, APIView):
    """Needs by service type and area, how they were met, and what the directory offers."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", date, description="Default: 364 days before the end."),
            OpenApiParameter("end", date, description="Default: today."),
            OpenApiParameter("organization", int, description="Only this organization's cases."),
            OpenApiParameter("service_type", str, description="A service type's code."),
            OpenApiParameter("area", str, description="A listed area; '-' for not recorded."),
        ],
        responses=OutstandingSupportsSerializer,
    )
    def get(self, request: Request) -> Response:
        if not can_read_community_report(viewer=self.viewer):
            raise NotVisible("No such report.")
        params = FiltersSerializer(data=request.query_params, viewer=self.viewer)
        params.is_valid(raise_exception=True)
        return Response(_body(outstanding_supports(params.filters())))

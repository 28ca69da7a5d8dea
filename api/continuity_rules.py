"""An organization's numbers for the follow-up rules: its admins and supervisors set them."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.versions import StaleVersion
from api.access import ViewerMixin
from api.conditional import IF_MATCH, StaleRecord, if_match, set_etag
from consent.errors import NotVisible
from consent.policy import can_read_reports
from tasks.models import ContinuityRules
from tasks.rules import rules_for
from tasks.rules_settings import RULE_FIELDS, set_continuity_rules


class ContinuityRulesSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContinuityRules
        fields = list(RULE_FIELDS)


class ContinuityRulesView(ViewerMixin, APIView):
    """GET the organization's numbers (defaults until it sets its own); PUT replaces them."""

    def _organization_id(self, pk: str) -> int:
        # Supervisors and admins of the organization: the same people who read its reports.
        if not can_read_reports(viewer=self.viewer, organization_id=int(pk)):
            raise NotVisible("No such organization.")
        return int(pk)

    @extend_schema(responses=ContinuityRulesSerializer)
    def get(self, request: Request, pk: str) -> Response:
        rules = rules_for(self._organization_id(pk))
        return set_etag(Response(ContinuityRulesSerializer(rules).data), rules)

    @extend_schema(
        request=ContinuityRulesSerializer,
        responses=ContinuityRulesSerializer,
        parameters=[IF_MATCH],
    )
    def put(self, request: Request, pk: str) -> Response:
        organization_id = self._organization_id(pk)
        current = rules_for(organization_id)
        read = if_match(request)
        serializer = ContinuityRulesSerializer(current, data=request.data)
        serializer.is_valid(raise_exception=True)
        # A field left out keeps its current value.
        values = {
            name: serializer.validated_data.get(name, getattr(current, name))
            for name in RULE_FIELDS
        }
        try:
            rules = set_continuity_rules(
                organization_id=organization_id, values=values, read_version=read
            )
        except StaleVersion as exc:
            raise StaleRecord from exc
        return set_etag(Response(ContinuityRulesSerializer(rules).data), rules)

"""An organization's numbers for the follow-up rules: its admins and supervisors set them."""

from zoneinfo import available_timezones

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ViewerMixin
from consent.errors import NotVisible
from consent.policy import can_read_reports
from tasks.models import ContinuityRules
from tasks.rules import rules_for

RULE_FIELDS = [
    "time_zone",
    "referral_answer_business_days",
    "referral_escalation_business_days",
    "referral_expiry_business_days",
    "default_contact_days",
    "plan_review_days",
    "consent_renewal_days",
    "overdue_grace_days",
    "caseload_limit",
]


class ContinuityRulesSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContinuityRules
        fields = RULE_FIELDS

    def validate_time_zone(self, value: str) -> str:
        if value not in available_timezones():
            raise serializers.ValidationError("Give an IANA time zone, e.g. America/Chicago.")
        return value

    def validate(self, attrs: dict) -> dict:
        answer = attrs["referral_answer_business_days"]
        escalate = attrs["referral_escalation_business_days"]
        expire = attrs["referral_expiry_business_days"]
        if not 1 <= answer < escalate < expire:
            raise serializers.ValidationError(
                {
                    "referral_escalation_business_days": [
                        "A referral is answered first, then escalated, then expires: give at "
                        "least 1 day to answer, more days to escalation, and more to expiry."
                    ]
                }
            )
        for name in ("default_contact_days", "plan_review_days", "consent_renewal_days"):
            if attrs.get(name, 1) < 1:
                raise serializers.ValidationError({name: ["At least one day."]})
        if attrs.get("caseload_limit", 1) < 1:
            raise serializers.ValidationError({"caseload_limit": ["At least one case."]})
        return attrs


class ContinuityRulesView(ViewerMixin, APIView):
    """GET the organization's numbers (defaults until it sets its own); PUT replaces them."""

    def _organization_id(self, pk: str) -> int:
        # Supervisors and admins of the organization: the same people who read its reports.
        if not can_read_reports(viewer=self.viewer, organization_id=int(pk)):
            raise NotVisible("No such organization.")
        return int(pk)

    @extend_schema(responses=ContinuityRulesSerializer)
    def get(self, request: Request, pk: str) -> Response:
        return Response(ContinuityRulesSerializer(rules_for(self._organization_id(pk))).data)

    @extend_schema(request=ContinuityRulesSerializer, responses=ContinuityRulesSerializer)
    def put(self, request: Request, pk: str) -> Response:
        organization_id = self._organization_id(pk)
        current = rules_for(organization_id)
        serializer = ContinuityRulesSerializer(current, data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                rules = serializer.save(organization_id=organization_id)
        except IntegrityError as exc:
            raise ValidationError(
                {
                    "detail": [
                        "These numbers contradict each other: a referral is answered, then "
                        "escalated, then expires, and every period is at least one day."
                    ]
                }
            ) from exc
        return Response(ContinuityRulesSerializer(rules).data)

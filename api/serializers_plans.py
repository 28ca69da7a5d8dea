"""Serializers of the service plan: goals, planned services and plan versions. They parse and
shape; the services in cases.services.plans validate and write."""

from typing import Any

from rest_framework import serializers

from accounts.models import User
from api.release import ReleasedFieldsMixin
from api.serializers_cases import StaffSerializer
from api.staff_names import CASE_LEAD, StaffNamesMixin
from cases.categories import DataCategory
from cases.models import Case, Goal, PlannedService, PlanVersion
from providers.models import Organization, ServiceType


class GoalSerializer(serializers.ModelSerializer):
    """A goal of a case's living plan, in the young person's own words."""

    case = serializers.IntegerField(source="plan.case_id", read_only=True)

    class Meta:
        model = Goal
        fields = ["id", "case", "description", "domain", "status", "position", "created_at"]
        read_only_fields = ["id", "case", "created_at"]


class GoalCreateSerializer(serializers.Serializer):
    """Input for adding a goal to a case's plan; it starts as active."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    description = serializers.CharField()
    domain = serializers.ChoiceField(choices=Goal.Domain.choices)
    position = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class GoalChangeSerializer(serializers.Serializer):
    """Input for changing a goal: any of its words, domain, status or position."""

    description = serializers.CharField(required=False)
    domain = serializers.ChoiceField(choices=Goal.Domain.choices, required=False)
    status = serializers.ChoiceField(choices=Goal.Status.choices, required=False)
    position = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class PlannedServiceSerializer(StaffNamesMixin, serializers.ModelSerializer):
    """A service planned toward a goal, with the names a reader needs."""

    staff_details = {"responsible_detail": ("responsible", (CASE_LEAD, "goal.plan.case_id"))}

    case = serializers.IntegerField(source="goal.plan.case_id", read_only=True)
    service_type_name = serializers.CharField(source="service_type.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True, allow_null=True)
    responsible_detail = StaffSerializer(source="responsible", read_only=True, allow_null=True)

    class Meta:
        model = PlannedService
        fields = [
            "id",
            "case",
            "goal",
            "service_type",
            "service_type_name",
            "provider",
            "provider_name",
            "responsible",
            "responsible_detail",
            "status",
            "starts_on",
            "ends_on",
            "expected_contact_days",
            "last_contact_at",
            "created_at",
        ]
        read_only_fields = fields


class PlannedServiceChangeSerializer(serializers.Serializer):
    """Input for changing a planned service's fields; its status moves only through ``move``."""

    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    expected_contact_days = serializers.IntegerField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "status" in self.initial_data:
            raise serializers.ValidationError(
                {"status": ["Change the status with POST .../move/ {status}."]}
            )
        return attrs


class PlannedServiceCreateSerializer(PlannedServiceChangeSerializer):
    """Input for planning a service toward a goal; it starts as proposed."""

    goal = serializers.PrimaryKeyRelatedField(queryset=Goal.objects.none())


class MovePlannedServiceSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlannedService.Status.choices)


class PlanVersionSerializer(serializers.ModelSerializer):
    """A numbered snapshot of the plan and where it stands in the approval lifecycle."""

    case = serializers.IntegerField(source="plan.case_id", read_only=True)
    content = serializers.JSONField(read_only=True)

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "case",
            "number",
            "status",
            "summary",
            "content",
            "created_by",
            "created_at",
            "submitted_at",
            "changes_requested",
            "approved_by",
            "approved_at",
            "approval_channel",
            "approval_evidence",
            "superseded_at",
        ]
        read_only_fields = fields
        # Blank until approved: DRF drops allow_blank from read-only fields, and the schema
        # would then refuse "".
        extra_kwargs = {"approval_channel": {"allow_blank": True}}


class StartPlanVersionSerializer(serializers.Serializer):
    """Input for starting the next draft version of a case's plan."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    summary = serializers.CharField(required=False, allow_blank=True)


class ApprovePlanVersionSerializer(serializers.Serializer):
    evidence = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Staff recording an approval given in person: what shows it.",
    )


class RequestPlanChangesSerializer(serializers.Serializer):
    changes_requested = serializers.CharField()


class PlanVersionRecordSerializer(ReleasedFieldsMixin, PlanVersionSerializer):
    """A plan version as its reader sees it; partners see approved versions' content only."""

    release_key = "plan.case_id"
    field_categories = {"summary": DataCategory.PLAN, "content": DataCategory.PLAN}
    lead_only_fields = (
        "created_by",
        "approved_by",
        "changes_requested",
        "approval_channel",
        "approval_evidence",
    )

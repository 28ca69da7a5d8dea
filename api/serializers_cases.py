"""Serializers of cases and their care teams."""

from typing import Any

from rest_framework import serializers

from accounts.models import User
from api.fast_representation import FastRepresentationMixin
from api.release import ReleasedFieldsMixin
from api.serializers_people import PersonRecordSerializer, PersonSerializer
from api.staff_names import CASE_LEAD, StaffNamesMixin
from cases.categories import DataCategory
from cases.demographics import ReferralSource
from cases.models import CareTeamMember, Case, Flag, Person
from providers.models import Organization


class StaffSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """A staff member as other staff see them. A young person reads a name or a role in
    ``full_name`` and no ``email`` (``api.staff_names``)."""

    email = serializers.EmailField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "full_name", "email"]


class CareTeamMemberSerializer(
    StaffNamesMixin, FastRepresentationMixin, serializers.ModelSerializer
):
    """One person's role on a case."""

    staff_details = {"user_detail": ("user", (CASE_LEAD, "case_id"))}

    user_detail = StaffSerializer(source="user", read_only=True)

    class Meta:
        model = CareTeamMember
        fields = ["id", "case", "user", "user_detail", "role", "since", "until"]
        read_only_fields = ["id", "since", "until"]
        extra_kwargs = {
            "case": {"queryset": Case.objects.none()},
            "user": {"queryset": User.objects.filter(is_active=True)},
        }


class FlagSummarySerializer(FastRepresentationMixin, serializers.ModelSerializer):
    class Meta:
        model = Flag
        fields = ["id", "kind", "text", "raised_at"]


class CaseSerializer(ReleasedFieldsMixin, FastRepresentationMixin, serializers.ModelSerializer):
    """A case with its young person, current care team and current flags.

    A partner sees the young person only when identity is released, and never the lead
    organization's care team or flags.
    """

    release_key = "pk"
    field_categories = {"person": DataCategory.IDENTITY}
    lead_only_fields = ("care_team", "flags", "closed_reason_text", "referral_source")

    person = PersonSerializer(read_only=True)
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    care_team = CareTeamMemberSerializer(source="current_team", many=True, read_only=True)
    flags = FlagSummarySerializer(source="current_flags", many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "person",
            "lead_organization",
            "lead_organization_name",
            "status",
            "closed_reason",
            "closed_reason_text",
            "referral_source",
            "opened_on",
            "closed_on",
            "care_team",
            "flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        # Blank while open: DRF drops allow_blank from read-only fields, and the schema would
        # then refuse "".
        extra_kwargs = {
            "closed_reason": {"allow_blank": True},
            "referral_source": {"allow_blank": True},
        }

    def to_representation(self, instance: Case) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self._read_by_young_person():
            # How they came is the lead staff's record (issue 21), as their system involvement.
            data.pop("referral_source", None)
        if data.get("person") and not self.release_for(instance).is_lead:
            # What the person routes keep for the lead (portal login, declined fields) stays
            # with the lead here too.
            for name in PersonRecordSerializer.lead_only_fields:
                data["person"].pop(name, None)
        return data


class CaseDetailSerializer(CaseSerializer):
    """A case as seen by one viewer: adds what the viewer may do and on which basis."""

    your_access = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "your_access"]
        read_only_fields = fields

    def get_your_access(self, case: Case) -> dict[str, list[str]]:
        access = self.context["access"]
        return {"bases": sorted(access.bases), "actions": sorted(access.actions)}


class OpenCaseSerializer(serializers.Serializer):
    """Input for opening a case: a new young person (``person``) or a known one (``person_id``)."""

    lead_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_active=True)
    )
    person = PersonSerializer(required=False)
    person_id = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(), required=False, source="existing_person"
    )
    primary_advocate = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    opened_on = serializers.DateField(required=False)
    referral_source = serializers.ChoiceField(
        choices=ReferralSource.choices,
        required=False,
        allow_blank=True,
        help_text="How the young person came; the lead organization's own record.",
    )

    def validate(self, attrs: dict) -> dict:
        if ("person" in attrs) == ("existing_person" in attrs):
            raise serializers.ValidationError(
                {"person": ["Give either a new young person's details or person_id, not both."]}
            )
        return attrs


class ReferralSourceSerializer(serializers.Serializer):
    referral_source = serializers.ChoiceField(
        choices=ReferralSource.choices, allow_blank=True, help_text="Blank: not recorded."
    )


class CloseCaseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Case.ClosedReason.choices)
    reason_text = serializers.CharField(required=False, allow_blank=True, max_length=300)

"""Serializers of referrals and case transfers. They parse and shape; the services write.

The receiving organization gets its own shapes that carry no case id and nothing about the
young person: which shape a viewer gets is the access policy's answer.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from api.fields import ChoiceListField
from cases.categories import DATA_CATEGORIES
from cases.models import Case, CaseTransfer, PlannedService, Referral, ReferralTransition
from providers.models import Organization, ServiceType


class ReferralTransitionSerializer(serializers.ModelSerializer):
    """One move of a referral: from what to what, by whom, for which organization, when."""

    # Left out of the receiving organization's closing record (no consent in force).
    schema_optional_fields = ("actor", "note")

    class Meta:
        model = ReferralTransition
        fields = ["from_status", "to_status", "actor", "organization", "at", "note"]
        read_only_fields = fields


_INCOMING_FIELDS = [
    "id",
    "from_organization",
    "from_organization_name",
    "to_organization",
    "to_organization_name",
    "service_type",
    "service_type_name",
    "status",
    "categories",
    "message",
    "decline_reason",
    "decline_reason_text",
    "outcome_note",
    "sent_at",
    "answered_at",
    "closed_at",
    "transitions",
    "information_shared",
    "notice",
]
_WITHHELD_FIELDS = ("categories", "message", "decline_reason_text", "outcome_note")
# What the receiving organization keeps once no consent in force covers the referral (R13):
# enough to close its own record, nothing that came under the consent (the message, the
# categories, the notes of the moves, the outcome it wrote about the young person).
_CLOSING_FIELDS = (
    "id",
    "from_organization",
    "from_organization_name",
    "to_organization",
    "to_organization_name",
    "service_type",
    "service_type_name",
    "status",
    "decline_reason",
    "sent_at",
    "answered_at",
    "closed_at",
    "transitions",
    "information_shared",
)
_CLOSING_TRANSITION_FIELDS = ("from_status", "to_status", "organization", "at")


def no_longer_shared_notice() -> str:
    """The sentence the receiving organization reads instead: no reason, no name."""
    return _("The young person's information is no longer shared with your organization.")


class IncomingReferralSerializer(serializers.ModelSerializer):
    """A referral as the receiving organization sees it: no case, nothing about the person."""

    # The case fields are the sender's; the rest are withheld, and the notice given, once no
    # consent in force covers the referral (``information_shared`` false).
    schema_optional_fields = (
        "case",
        "planned_service",
        "created_by",
        "created_at",
        *_WITHHELD_FIELDS,
        "notice",
    )

    from_organization_name = serializers.CharField(source="from_organization.name")
    to_organization_name = serializers.CharField(source="to_organization.name")
    service_type_name = serializers.CharField(source="service_type.name")
    transitions = ReferralTransitionSerializer(many=True)
    information_shared = serializers.SerializerMethodField(
        help_text="False once no consent in force covers the referral: only its closing "
        "record (service type, status, dates) is shown, with a notice."
    )
    notice = serializers.SerializerMethodField(
        help_text="Only when the information is no longer shared: a sentence saying so."
    )

    class Meta:
        model = Referral
        fields = _INCOMING_FIELDS
        read_only_fields = fields
        # Blank unless declined: DRF drops allow_blank from read-only fields.
        extra_kwargs = {"decline_reason": {"allow_blank": True}}

    def _shared(self, referral: Referral) -> bool:
        # ``releases`` (referral id -> ReferralRelease) comes from the policy for the
        # receiving organization; the sending side passes none and sees everything.
        releases = self.context.get("releases")
        return releases is None or releases[referral.pk].in_force

    def get_information_shared(self, referral: Referral) -> bool:
        return self._shared(referral)

    def get_notice(self, referral: Referral) -> str:
        return no_longer_shared_notice()

    def to_representation(self, instance: Referral) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self._shared(instance):
            data.pop("notice")
            return data
        closing = {name: data[name] for name in (*_CLOSING_FIELDS, "notice")}
        closing["transitions"] = [
            {name: move[name] for name in _CLOSING_TRANSITION_FIELDS}
            for move in data["transitions"]
        ]
        return closing


class ReferralSerializer(IncomingReferralSerializer):
    """A referral as the sending side (the case's lead organization) sees it."""

    class Meta(IncomingReferralSerializer.Meta):
        fields = [*_INCOMING_FIELDS, "case", "planned_service", "created_by", "created_at"]
        read_only_fields = fields


class ReferralCreateSerializer(serializers.Serializer):
    """Input for drafting a referral: a service type, or a planned service to take it from."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    to_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    service_type = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(), required=False
    )
    planned_service = serializers.PrimaryKeyRelatedField(
        queryset=PlannedService.objects.none(), required=False, allow_null=True
    )
    categories = ChoiceListField(choices=DATA_CATEGORIES, required=False)
    message = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("service_type") is None and attrs.get("planned_service") is None:
            raise serializers.ValidationError(
                {"service_type": ["Give a service type, or a planned service of the case."]}
            )
        return attrs


class ReferralChangeSerializer(serializers.Serializer):
    """Input for changing a draft or sent referral."""

    to_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False
    )
    service_type = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(), required=False
    )
    planned_service = serializers.PrimaryKeyRelatedField(
        queryset=PlannedService.objects.none(), required=False, allow_null=True
    )
    categories = ChoiceListField(choices=DATA_CATEGORIES, required=False)
    message = serializers.CharField(required=False, allow_blank=True)


class MoveNoteSerializer(serializers.Serializer):
    """An optional note on a move."""

    note = serializers.CharField(required=False, allow_blank=True)


class RequiredNoteSerializer(serializers.Serializer):
    """A note the move cannot do without."""

    note = serializers.CharField()


class DeclineReferralSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Referral.DeclineReason.choices)
    reason_text = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CompleteReferralSerializer(serializers.Serializer):
    outcome_note = serializers.CharField()


_TRANSFER_FIELDS = [
    "id",
    "from_organization",
    "from_organization_name",
    "to_organization",
    "to_organization_name",
    "status",
    "requested_by",
    "requested_at",
    "answered_by",
    "answered_at",
    "answer_note",
]


class TransferOfferSerializer(serializers.Serializer):
    """What the receiving organization learns of the young person before accepting (R41): no
    name, alias, birth date, contact, family, notes, nor an id of the person or case."""

    age_band = serializers.CharField(help_text='e.g. "15-17" or "25+"; "" when no age is known.')
    needs = serializers.ListField(
        child=serializers.CharField(), help_text="Domains of the plan's open goals."
    )
    services = serializers.ListField(
        child=serializers.CharField(),
        help_text="Service type codes of the plan's open planned services.",
    )
    area = serializers.CharField(help_text='County or postal area; "" when not recorded.')


class IncomingTransferSerializer(serializers.ModelSerializer):
    """A transfer as the receiving organization sees it before accepting: no case, no reason
    (free text from the sender), only the non-identifying offer while it waits for an answer
    (``context["offers"]``, per transfer id; null once declined or withdrawn)."""

    schema_optional_fields = ("case", "reason", "offer")

    from_organization_name = serializers.CharField(source="from_organization.name")
    to_organization_name = serializers.CharField(source="to_organization.name")
    offer = serializers.SerializerMethodField()

    class Meta:
        model = CaseTransfer
        fields = [*_TRANSFER_FIELDS, "offer"]
        read_only_fields = fields

    @extend_schema_field(TransferOfferSerializer(allow_null=True))
    def get_offer(self, transfer: CaseTransfer) -> dict[str, Any] | None:
        offer = self.context.get("offers", {}).get(transfer.pk)
        if offer is None or transfer.status != CaseTransfer.Status.REQUESTED:
            return None
        return TransferOfferSerializer(offer).data


class LeadTransferSerializer(serializers.ModelSerializer):
    """A transfer as the case's lead organization sees it: the case and the sender's reason."""

    from_organization_name = serializers.CharField(source="from_organization.name")
    to_organization_name = serializers.CharField(source="to_organization.name")

    class Meta:
        model = CaseTransfer
        fields = [*_TRANSFER_FIELDS, "reason", "case"]
        read_only_fields = fields


class TransferSerializer(LeadTransferSerializer):
    """A transfer as documented for every viewer (one schema for both shapes): ``case`` and
    ``reason`` only for the case's lead organization, ``offer`` only for the receiving
    organization before it accepts."""

    schema_optional_fields = ("case", "reason", "offer")

    offer = TransferOfferSerializer(allow_null=True, read_only=True)

    class Meta(LeadTransferSerializer.Meta):
        fields = [*LeadTransferSerializer.Meta.fields, "offer"]
        read_only_fields = fields


class TransferCreateSerializer(serializers.Serializer):
    """Input for asking another organization to take over a case."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    to_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    reason = serializers.CharField()


class AcceptTransferSerializer(serializers.Serializer):
    """Input for taking over a case: the advocate of the receiving organization who leads it."""

    primary_advocate = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True)
    )

"""Serializers of consents and their signatures."""

from rest_framework import serializers

from api.fields import ChoiceListField
from cases.categories import DATA_CATEGORIES
from cases.models import Case, CaseDocument, FamilyMember
from consent.models import (
    Consent,
    ConsentPurpose,
    RevocationChannel,
    Signature,
    SignatureMethod,
)
from consent.services import missing_signers
from providers.models import Organization

# What every reader of a consent sees: its terms and where it stands.
TERM_FIELDS = [
    "id",
    "case",
    "recipient",
    "recipient_name",
    "categories",
    "purpose",
    "purpose_text",
    "starts_at",
    "expires_at",
    "status",
]


class CurrentStatusField(serializers.ChoiceField):
    """The status the consent has now: an active consent past its expiry reads expired even
    before the expiry sweep has written it (the policy already refuses it, R14)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            choices=Consent.Status.choices, source="current_status", read_only=True, **kwargs
        )


class SignatureSerializer(serializers.ModelSerializer):
    """Who signed (role and family-member id, never a name), how, when, and who recorded it."""

    class Meta:
        model = Signature
        fields = [
            "id",
            "signer_role",
            "family_member",
            "method",
            "signed_at",
            "evidence",
            "evidence_sha256",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    """A consent with its terms, where it stands, and what it still needs to activate."""

    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    status = CurrentStatusField()
    signatures = SignatureSerializer(many=True, read_only=True)
    missing_signers = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            *TERM_FIELDS,
            "agreed_verbally",
            "signer_rule",
            "signer_rule_basis",
            "missing_signers",
            "signatures",
            "redisclosure_notice",
            "replaces",
            "receipt_id",
            "created_at",
            "submitted_at",
            "activated_at",
            "revoked_at",
            "revocation_channel",
            "revocation_reason",
            "expired_at",
            "resign_due_at",
        ]
        read_only_fields = fields
        # Blank until they apply: DRF drops allow_blank from read-only fields.
        extra_kwargs = {
            "signer_rule": {"allow_blank": True},
            "revocation_channel": {"allow_blank": True},
        }

    # The consents routes show the recipient's staff only the terms (RecipientConsentSerializer).
    schema_optional_fields = tuple(
        name for name in Meta.fields if name not in (*TERM_FIELDS, "redisclosure_notice")
    )

    def get_missing_signers(self, consent: Consent) -> list[str]:
        if consent.status != Consent.Status.PENDING_SIGNATURE:
            return []
        return missing_signers(consent)


class RecipientConsentSerializer(serializers.ModelSerializer):
    """A consent as the organization it names sees it: the terms it must respect."""

    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    status = CurrentStatusField()

    class Meta:
        model = Consent
        fields = [*TERM_FIELDS, "redisclosure_notice"]
        read_only_fields = fields


class DraftConsentSerializer(serializers.Serializer):
    """Input for a new consent: one recipient, categories, a purpose and a period (R01-R03)."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    recipient = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    categories = ChoiceListField(choices=DATA_CATEGORIES)
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    purpose_text = serializers.CharField(required=False, allow_blank=True, max_length=300)
    starts_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(
        required=False, help_text="Defaults to the configured period (90 days)."
    )
    agreed_verbally = serializers.BooleanField(required=False, default=False)


class ChangeDraftSerializer(serializers.Serializer):
    """Changes to a draft. An active consent is never changed: a change is a new consent."""

    recipient = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False
    )
    categories = ChoiceListField(choices=DATA_CATEGORIES, required=False)
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices, required=False)
    purpose_text = serializers.CharField(required=False, allow_blank=True, max_length=300)
    starts_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False)


class RecordSignatureSerializer(serializers.Serializer):
    """A written signature. Staff record uploaded forms; the young person signs in the portal."""

    family_member = serializers.PrimaryKeyRelatedField(
        queryset=FamilyMember.objects.none(),
        required=False,
        allow_null=True,
        help_text="The parent or guardian who signed; empty for the young person.",
    )
    method = serializers.ChoiceField(
        choices=SignatureMethod.choices,
        required=False,
        help_text="Written methods only; a verbal agreement is not a signature.",
    )
    signed_at = serializers.DateTimeField(required=False)
    document = serializers.PrimaryKeyRelatedField(
        queryset=CaseDocument.objects.none(),
        required=False,
        allow_null=True,
        help_text=(
            "The uploaded scan of the signed form (POST /api/v1/documents/), which becomes the "
            "signature's evidence (R45)."
        ),
    )
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Where the signed form is kept, when no scan is given as `document`.",
    )
    evidence_sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, allow_blank=True)


class RevokeConsentSerializer(serializers.Serializer):
    """A withdrawal: the young person in the portal, or staff recording what they were told."""

    channel = serializers.ChoiceField(choices=RevocationChannel.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class RenewConsentSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(required=False)


class ConsentPreviewSerializer(serializers.Serializer):
    """What the recipient would see, in plain words and as the data itself."""

    language = serializers.CharField()
    summary = serializers.CharField()
    shared = serializers.ListField(child=serializers.CharField())
    not_shared = serializers.ListField(child=serializers.CharField())
    redisclosure_notice = serializers.CharField()
    recipient_will_see = serializers.DictField()

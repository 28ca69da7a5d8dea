"""Serializers of the young person's own record: identity, family, safe contact."""

from rest_framework import serializers

from api.fast_representation import FastRepresentationMixin
from api.fields import ChoiceListField, LocalTimeField
from api.release import ReleasedFieldsMixin
from cases.categories import DataCategory
from cases.demographics import RaceEthnicity
from cases.models import FamilyMember, Person, SafeContactRule


class PersonSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """Identity of the young person. Intake needs only a name or alias (R34)."""

    declined_fields = ChoiceListField(choices=Person.DECLINABLE_FIELDS, required=False)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=20
    )
    race_ethnicity_codes = ChoiceListField(
        choices=RaceEthnicity.choices,
        required=False,
        max_length=len(RaceEthnicity.values),
        help_text="Race and ethnicity (OMB SPD 15, 2024): every answer that applies; "
        "'prefers_not_to_answer' and 'not_asked' stand alone. Empty: not coded.",
    )
    has_portal_login = serializers.SerializerMethodField()
    # Left out of a case shown to a partner (CaseSerializer).
    schema_optional_fields = ("has_portal_login", "declined_fields", "gender", "sexual_orientation")

    class Meta:
        model = Person
        fields = [
            "id",
            "alias",
            "legal_name",
            "chosen_name",
            "pronouns",
            "birth_date_precision",
            "birth_date",
            "birth_year",
            "age_range_min",
            "age_range_max",
            "languages",
            "gender",
            "race_ethnicity_codes",
            "race_ethnicity",
            "sex",
            "sexual_orientation",
            "primary_language",
            "tribal_affiliation",
            "area",
            "declined_fields",
            "time_zone",
            "has_portal_login",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def get_has_portal_login(self, person: Person) -> bool:
        return person.user_id is not None


class FamilyMemberSerializer(serializers.ModelSerializer):
    """A family member, with what is known about whether contact is safe."""

    class Meta:
        model = FamilyMember
        fields = [
            "id",
            "person",
            "name",
            "relation",
            "relation_other",
            "is_legal_guardian",
            "is_court_appointed",
            "is_household_member",
            "phone",
            "email",
            "address",
            "contact_is_safe",
            "harmed_young_person",
            "harmed_other_parent",
            "notes",
            "created_at",
            "ended_on",
        ]
        # Taken off the family record on the case page; such a member cannot sign or be edited.
        read_only_fields = ["id", "created_at", "ended_on"]
        extra_kwargs = {"person": {"queryset": Person.objects.none()}}


class SafeContactRuleSerializer(serializers.ModelSerializer):
    """How staff may reach the young person; a new record allows no channel (R28)."""

    allowed_channels = ChoiceListField(choices=SafeContactRule.Channel.choices, required=False)
    safe_hours_start = LocalTimeField(required=False, allow_null=True)
    safe_hours_end = LocalTimeField(required=False, allow_null=True)

    class Meta:
        model = SafeContactRule
        fields = [
            "allowed_channels",
            "phone",
            "email",
            "address",
            "voicemail_ok",
            "safe_hours_start",
            "safe_hours_end",
            "code_word",
            "notes",
            "confirmed_at",
            "confirmed_by",
        ]
        read_only_fields = ["confirmed_at", "confirmed_by"]


class PersonRecordSerializer(ReleasedFieldsMixin, PersonSerializer):
    """The young person's identity as a reader sees it: all of it, or what identity releases."""

    release_key = "pk"
    field_categories = {
        name: DataCategory.IDENTITY for name in PersonSerializer.Meta.fields if name != "id"
    }
    # Gender identity in the young person's own words and sexual orientation stay inside the
    # lead organization (issue 21): no consent releases them, even one covering identity.
    lead_only_fields = ("has_portal_login", "declined_fields", "gender", "sexual_orientation")


class FamilyMemberRecordSerializer(ReleasedFieldsMixin, FamilyMemberSerializer):
    release_key = "person_id"
    field_categories = {
        name: DataCategory.FAMILY
        for name in FamilyMemberSerializer.Meta.fields
        if name not in ("id", "person")
    }
    # Harm marks are the lead organization's working record (issue 18): no consent releases
    # them, even one covering the family, and the young person does not read them either.
    lead_only_fields = ("harmed_young_person", "harmed_other_parent")
    staff_only_fields = lead_only_fields


class SafeContactRecordSerializer(ReleasedFieldsMixin, SafeContactRuleSerializer):
    release_key = "person_id"
    field_categories = {
        name: DataCategory.CONTACT for name in SafeContactRuleSerializer.Meta.fields
    }
    lead_only_fields = ("confirmed_by",)

"""Serializers of the case's running record: notes, contacts, flags, and its change history."""

from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.release import ReleasedFieldsMixin
from api.serializers_cases import StaffSerializer
from api.staff_names import CASE_LEAD, ORGANIZATION, StaffNamesMixin
from cases.categories import DataCategory
from cases.history import HistoryEntry
from cases.models import Case, CaseNote, Contact, Flag, PlannedService


class NoteSerializer(StaffNamesMixin, serializers.ModelSerializer):
    """A case note; staff-only notes never reach the young person or another organization."""

    staff_details = {"author_detail": ("author", (ORGANIZATION, "organization_id"))}

    author_detail = StaffSerializer(source="author", read_only=True, allow_null=True)

    class Meta:
        model = CaseNote
        fields = [
            "id",
            "case",
            "author",
            "author_detail",
            "organization",
            "category",
            "body",
            "staff_only",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "author", "organization", "created_at", "updated_at"]
        extra_kwargs = {"case": {"queryset": Case.objects.none()}}


class NoteChangeSerializer(serializers.ModelSerializer):
    """What the author may change on their note."""

    class Meta:
        model = CaseNote
        fields = ["body", "category", "staff_only"]


EARLIEST_CONTACT = datetime(1900, 1, 1, tzinfo=UTC)


class ContactSerializer(StaffNamesMixin, serializers.ModelSerializer):
    """A contact that happened, optionally about one planned service of the case."""

    staff_details = {"staff_detail": ("staff", (ORGANIZATION, "organization_id"))}

    staff_detail = StaffSerializer(source="staff", read_only=True, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "case",
            "staff",
            "staff_detail",
            "organization",
            "planned_service",
            "occurred_at",
            "channel",
            "outcome",
            "contact_with",
            "summary",
            "created_at",
        ]
        read_only_fields = ["id", "staff", "organization", "created_at"]
        extra_kwargs = {
            "case": {"queryset": Case.objects.none()},
            "planned_service": {"queryset": PlannedService.objects.none()},
        }

    def validate_occurred_at(self, value: datetime) -> datetime:
        # No contact on a case is that old, and before 1900 the time zones had local mean
        # time offsets (-05:50:36) that an RFC 3339 date-time cannot carry back to a client.
        if value < EARLIEST_CONTACT:
            raise serializers.ValidationError(_("Enter a date in 1900 or later."))
        return value


@extend_schema_field({"type": "string", "enum": Flag.Kind.values})
class FlagKindField(serializers.ChoiceField):
    """The kind of a flag, inline in the schema: "kind" also names an organization's kind."""


class FlagSerializer(StaffNamesMixin, serializers.ModelSerializer):
    """A safety or care alert, with who raised it and, once cleared, who cleared it."""

    staff_details = {
        "raised_by_detail": ("raised_by", (CASE_LEAD, "case_id")),
        "cleared_by_detail": ("cleared_by", (CASE_LEAD, "case_id")),
    }

    kind = FlagKindField(choices=Flag.Kind.choices)

    raised_by_detail = StaffSerializer(source="raised_by", read_only=True, allow_null=True)
    cleared_by_detail = StaffSerializer(source="cleared_by", read_only=True, allow_null=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "case",
            "kind",
            "text",
            "is_current",
            "raised_by",
            "raised_by_detail",
            "raised_at",
            "cleared_by",
            "cleared_by_detail",
            "cleared_at",
        ]
        read_only_fields = ["id", "raised_by", "raised_at", "cleared_by", "cleared_at"]
        extra_kwargs = {"case": {"queryset": Case.objects.none()}}

    def get_is_current(self, flag: Flag) -> bool:
        return flag.cleared_at is None


class FieldChangeSerializer(serializers.Serializer):
    """One field's value before and after the change (before is null on creation)."""

    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class ChangedBySerializer(serializers.Serializer):
    """The user who saved the change."""

    id = serializers.IntegerField(source="changed_by_id")
    name = serializers.CharField(source="changed_by_name")


class HistoryEntrySerializer(serializers.Serializer):
    """One saved change of one record of the case."""

    record_type = serializers.CharField()
    record_id = serializers.IntegerField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.SerializerMethodField()
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    changes = FieldChangeSerializer(many=True)

    @extend_schema_field(ChangedBySerializer(allow_null=True))
    def get_changed_by(self, entry: HistoryEntry) -> dict | None:
        """Null when nobody is recorded, or the changer may not be named to this viewer."""
        if entry.changed_by_id is None:
            return None
        return ChangedBySerializer(entry).data


class NoteRecordSerializer(ReleasedFieldsMixin, NoteSerializer):
    """A note as its reader sees it; a partner reads released notes without staff details."""

    field_categories = {"body": DataCategory.NOTES, "category": DataCategory.NOTES}
    lead_only_fields = ("author", "author_detail", "staff_only")

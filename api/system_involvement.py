"""System-involvement events (issue 21, point 2): what the systems did, with a date.

The lead organization's staff list, record, correct and remove them; nobody else sees that
they exist (``consent.policy.visible_system_involvement``): no consent releases them (R17)
and the young person does not read them.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.conditional import IF_MATCH, VersionedRecordMixin
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from cases.models import Case
from cases.services.system_involvement import (
    correct_system_involvement,
    record_system_involvement,
    remove_system_involvement,
)
from cases.system_involvement import SystemInvolvementEvent
from consent.policy import (
    Action,
    access_case_system_involvement,
    access_system_involvement,
    lead_staff_cases,
    visible_system_involvement,
)


class SystemInvolvementSerializer(serializers.ModelSerializer):
    """An event as the lead staff read it; ``removed_at`` is set once it was taken off."""

    class Meta:
        model = SystemInvolvementEvent
        fields = [
            "id",
            "case",
            "organization",
            "kind",
            "occurred_on",
            "note",
            "recorded_by",
            "recorded_at",
            "removed_at",
            "removed_by",
            "removal_reason",
        ]
        read_only_fields = fields


class NewSystemInvolvementSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    kind = serializers.ChoiceField(choices=SystemInvolvementEvent.Kind.choices)
    occurred_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SystemInvolvementChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SystemInvolvementEvent.Kind.choices, required=False)
    occurred_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SystemInvolvementRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the event is removed.")


class SystemInvolvementFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")

    class Meta:
        model = SystemInvolvementEvent
        fields = ["case", "kind"]


class SystemInvolvementViewSet(
    VersionedRecordMixin,
    ViewerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """System-involvement events of the cases you work on as lead staff (care team,
    supervisors). Correct one with PATCH (the history keeps what it said), with the ETag you
    read as If-Match so nobody's correction is lost (R44); remove one, saying why, with
    ``remove/`` (its record stays)."""

    versioned_model = SystemInvolvementEvent

    access_log_case_field = "case_id"
    access_log_categories = ()  # no category: no consent releases these

    serializer_class = SystemInvolvementSerializer
    filterset_class = SystemInvolvementFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[SystemInvolvementEvent]:
        return visible_system_involvement(viewer=self.viewer).order_by("-occurred_on", "-pk")

    def retrieve(self, request: Request, pk: str) -> Response:
        event = access_system_involvement(viewer=self.viewer, event_id=int(pk))
        return Response(SystemInvolvementSerializer(event).data)

    @extend_schema(
        request=NewSystemInvolvementSerializer, responses={201: SystemInvolvementSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = NewSystemInvolvementSerializer(data=request.data)
        serializer.fields["case"].queryset = lead_staff_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = access_case_system_involvement(
            viewer=self.viewer, case_id=data["case"].pk, action=Action.EDIT
        )
        event = record_system_involvement(
            case=access.case,
            actor=request.user,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            note=data.get("note", ""),
        )
        return Response(SystemInvolvementSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SystemInvolvementChangeSerializer,
        responses=SystemInvolvementSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Correct the kind, date or note of an event."""
        event = access_system_involvement(viewer=self.viewer, event_id=int(pk), action=Action.EDIT)
        serializer = SystemInvolvementChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        event = correct_system_involvement(
            event=event, actor=request.user, changes=serializer.validated_data
        )
        return Response(SystemInvolvementSerializer(event).data)

    @extend_schema(request=SystemInvolvementRemoveSerializer, responses=SystemInvolvementSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str) -> Response:
        """Take the event off the record, saying why; who removed it, when and why stay."""
        event = access_system_involvement(viewer=self.viewer, event_id=int(pk), action=Action.EDIT)
        serializer = SystemInvolvementRemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = remove_system_involvement(
            event=event, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(SystemInvolvementSerializer(event).data)

"""Follow-ups: what a person or an organization's queue must do about a case, by when.

Staff list and filter them, write them by hand, complete, cancel and reassign them. They are
the lead organization's working records: no consent shows them, and they carry no personal
data of the young person (the case id, the kind, the ids of what they are about). The
receiving organization of a referral sees its own follow-ups about it without the case.
"""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from api.access import ViewerMixin, request_viewer
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from cases.models import Case
from consent.policy import Action, visible_cases
from providers.models import Organization
from tasks.access import access_follow_up, visible_follow_ups
from tasks.follow_ups import (
    cancel_follow_up,
    complete_follow_up,
    create_follow_up_by_hand,
    reassign_follow_up,
)
from tasks.models import FollowUp

_ID = ID_PATTERN
# Ids of the case's records; hidden with the case from those who may not learn which case.
_CASE_SIDE_FIELDS = (
    "case",
    "about_planned_service",
    "about_plan",
    "about_consent",
    "about_compelled",
)


class FollowUpSerializer(serializers.ModelSerializer):
    """A follow-up: ids, kind, dates and who holds it; nothing about the young person."""

    case = serializers.IntegerField(source="case_id", allow_null=True, read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "kind",
            "status",
            "due_at",
            "overdue",
            "about_referral",
            "about_planned_service",
            "about_plan",
            "about_consent",
            "about_compelled",
            "organization",
            "organization_name",
            "assignee",
            "assignee_name",
            "description",
            "completion_note",
            "created_at",
            "completed_at",
            "escalated_to",
            "escalated_at",
        ]
        read_only_fields = fields

    def get_assignee_name(self, follow_up: FollowUp) -> str | None:
        assignee = follow_up.assignee
        return (assignee.full_name or None) if assignee is not None else None

    def get_overdue(self, follow_up: FollowUp) -> bool:
        return follow_up.status == FollowUp.Status.OPEN and follow_up.due_at < timezone.now()

    def to_representation(self, instance: FollowUp) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not getattr(instance, "case_shown", False):
            for name in _CASE_SIDE_FIELDS:
                data[name] = None
        return data


class FollowUpCreateSerializer(serializers.Serializer):
    """A follow-up written by hand, in the queue of an organization you work at."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True
    )
    due_at = serializers.DateTimeField()
    description = serializers.CharField(max_length=300)


class FollowUpNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FollowUpCancelSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, help_text="Why it is no longer needed.")


class FollowUpReassignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())


class FollowUpFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUp.Status.choices)
    kind = django_filters.ChoiceFilter(choices=FollowUp.Kind.choices)
    assignee = django_filters.ChoiceFilter(
        choices=[("me", "Assigned to me")], method="filter_assignee"
    )
    organization = IdFilter(field_name="organization_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Open and past due")
    # Only rows whose case the viewer may know: a receiver cannot probe case ids.
    case = IdFilter(method="filter_case")

    class Meta:
        model = FollowUp
        fields = ["status", "kind", "assignee", "organization", "overdue", "case"]

    def filter_assignee(self, queryset: QuerySet[FollowUp], name: str, value: str) -> QuerySet:
        return queryset.filter(assignee_id=request_viewer(self.request).user_id)

    def filter_overdue(self, queryset: QuerySet[FollowUp], name: str, value: bool) -> QuerySet:
        overdue = Q(status=FollowUp.Status.OPEN, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_case(self, queryset: QuerySet[FollowUp], name: str, value: int) -> QuerySet:
        return queryset.filter(case_id=value, case_shown=True)


class FollowUpViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Follow-ups in your organizations' queues on cases you work on, those waiting on a
    referral to your organization, and those assigned or escalated to you."""

    access_log_case_field = "case_id"

    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    lookup_value_regex = _ID
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[FollowUp]:
        return visible_follow_ups(viewer=self.viewer).select_related("assignee", "organization")

    def _colleagues(self) -> QuerySet[User]:
        """Staff of the viewer's organizations: the people a follow-up may go to."""
        return User.objects.filter(
            memberships__organization_id__in=self.viewer.staff_organizations,
            memberships__is_active=True,
        ).distinct()

    def _respond(self, follow_up: FollowUp, code: int = status.HTTP_200_OK) -> Response:
        shown = self.get_queryset().filter(pk=follow_up.pk).first()
        if shown is None:  # handed on to someone else: the viewer no longer sees it
            follow_up.case_shown = False
            shown = follow_up
        return Response(FollowUpSerializer(shown).data, status=code)

    @extend_schema(request=FollowUpCreateSerializer, responses={201: FollowUpSerializer})
    def create(self, request: Request) -> Response:
        """Write a follow-up by hand for a case you may see, in your organization's queue."""
        serializer = FollowUpCreateSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.fields["assignee"].queryset = self._colleagues()
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        follow_up = create_follow_up_by_hand(
            case=data["case"],
            organization=data["organization"],
            assignee=data.get("assignee"),
            due_at=data["due_at"],
            description=data["description"],
            actor=request.user,
        )
        return self._respond(follow_up, status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpNoteSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """Mark the follow-up done, with an optional note of what was done."""
        follow_up = access_follow_up(viewer=self.viewer, follow_up_id=int(pk), action=Action.EDIT)
        serializer = FollowUpNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        return self._respond(complete_follow_up(follow_up=follow_up, actor=request.user, note=note))

    @extend_schema(request=FollowUpCancelSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a follow-up that is no longer needed, saying why."""
        follow_up = access_follow_up(viewer=self.viewer, follow_up_id=int(pk), action=Action.EDIT)
        serializer = FollowUpCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        return self._respond(cancel_follow_up(follow_up=follow_up, actor=request.user, note=note))

    @extend_schema(request=FollowUpReassignSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        """Hand the follow-up to another staff member of its organization (its supervisors,
        or the current assignee)."""
        follow_up = access_follow_up(viewer=self.viewer, follow_up_id=int(pk), action=Action.EDIT)
        serializer = FollowUpReassignSerializer(data=request.data)
        serializer.fields["assignee"].queryset = self._colleagues()
        serializer.is_valid(raise_exception=True)
        follow_up = reassign_follow_up(
            follow_up=follow_up, assignee=serializer.validated_data["assignee"], actor=request.user
        )
        return self._respond(follow_up)

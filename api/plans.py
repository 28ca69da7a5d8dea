"""The service plan: goals, planned services, and the plan versions the young person approves."""

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.conditional import IF_MATCH, VersionedRecordMixin
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from api.release import ReleasesMixin
from api.serializers_plans import (
    ApprovePlanVersionSerializer,
    GoalChangeSerializer,
    GoalCreateSerializer,
    GoalSerializer,
    MovePlannedServiceSerializer,
    PlannedServiceChangeSerializer,
    PlannedServiceCreateSerializer,
    PlannedServiceSerializer,
    PlanVersionRecordSerializer,
    PlanVersionSerializer,
    RequestPlanChangesSerializer,
    StartPlanVersionSerializer,
)
from cases.models import Goal, PlannedService, PlanVersion
from cases.selectors import (
    with_goal_details,
    with_plan_version_details,
    with_planned_service_details,
)
from cases.services.plans import (
    add_goal,
    add_planned_service,
    approve_plan_version,
    move_planned_service,
    request_plan_changes,
    start_plan_version,
    submit_plan_version,
    update_goal,
    update_planned_service,
)
from consent.errors import AccessDenied
from consent.policy import (
    Action,
    CaseAccess,
    access_case,
    visible_case_ids,
    visible_cases,
    visible_plan_versions,
)

# Filters take plain ids: a choice filter would answer "no such case" and "not yours"
# differently, and cost a query.
_ID = ID_PATTERN


class _PlanRecordViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Lists and reads of plan records of visible cases; writes ask the policy for the case."""

    lookup_value_regex = _ID

    def access(self, case_id: int, action: Action) -> CaseAccess:
        return access_case(viewer=self.viewer, case_id=case_id, action=action)


class GoalFilter(IdFilterSet):
    case = IdFilter(field_name="plan__case_id")

    class Meta:
        model = Goal
        fields = ["case", "status", "domain"]


class GoalViewSet(VersionedRecordMixin, _PlanRecordViewSet):
    """Goals of the plans of visible cases. Staff who may edit the case write them; the young
    person reads the goals of their own plan."""

    access_log_case_field = "plan.case_id"
    access_log_categories = ("plan",)

    serializer_class = GoalSerializer
    versioned_model = Goal
    filterset_class = GoalFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Goal]:
        return with_goal_details(
            Goal.objects.filter(plan__case_id__in=visible_case_ids(viewer=self.viewer))
        )

    @extend_schema(request=GoalCreateSerializer, responses={201: GoalSerializer})
    def create(self, request: Request) -> Response:
        serializer = GoalCreateSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = self.access(data.pop("case").pk, Action.EDIT)
        goal = add_goal(case=access.case, actor=request.user, **data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GoalChangeSerializer, responses=GoalSerializer, parameters=[IF_MATCH])
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change a goal's words, domain, status or position."""
        goal = self.get_object()
        self.access(goal.plan.case_id, Action.EDIT)
        serializer = GoalChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        goal = update_goal(goal=goal, actor=request.user, changes=serializer.validated_data)
        return Response(GoalSerializer(goal).data)


class PlannedServiceFilter(IdFilterSet):
    case = IdFilter(field_name="goal__plan__case_id")
    goal = IdFilter(field_name="goal_id")
    status = django_filters.MultipleChoiceFilter(choices=PlannedService.Status.choices)

    class Meta:
        model = PlannedService
        fields = ["case", "goal", "status"]


class PlannedServiceViewSet(VersionedRecordMixin, _PlanRecordViewSet):
    """Services planned toward the goals of visible cases. Staff who may edit the case plan and
    move them; the person responsible must be staff of the lead organization."""

    access_log_case_field = "goal.plan.case_id"
    access_log_categories = ("plan",)

    serializer_class = PlannedServiceSerializer
    versioned_model = PlannedService
    filterset_class = PlannedServiceFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[PlannedService]:
        return with_planned_service_details(
            PlannedService.objects.filter(
                goal__plan__case_id__in=visible_case_ids(viewer=self.viewer)
            )
        )

    @extend_schema(
        request=PlannedServiceCreateSerializer, responses={201: PlannedServiceSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = PlannedServiceCreateSerializer(data=request.data)
        serializer.fields["goal"].queryset = with_goal_details(
            Goal.objects.filter(plan__case_id__in=visible_case_ids(viewer=self.viewer))
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = self.access(data["goal"].plan.case_id, Action.EDIT)
        service = add_planned_service(case=access.case, actor=request.user, **data)
        return self._shaped(service, status.HTTP_201_CREATED)

    @extend_schema(
        request=PlannedServiceChangeSerializer,
        responses=PlannedServiceSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the service type, provider, responsible staff, dates or contact rhythm."""
        service = self.get_object()
        self.access(service.goal.plan.case_id, Action.EDIT)
        serializer = PlannedServiceChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        service = update_planned_service(
            service=service, actor=request.user, changes=serializer.validated_data
        )
        return self._shaped(service)

    @extend_schema(request=MovePlannedServiceSerializer, responses=PlannedServiceSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        """Move the service to another status; a 400 names the moves allowed from here."""
        service = self.get_object()
        self.access(service.goal.plan.case_id, Action.EDIT)
        serializer = MovePlannedServiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = move_planned_service(
            service=service, target=serializer.validated_data["status"], actor=request.user
        )
        return self._shaped(service)

    def _shaped(self, service: PlannedService, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=service.pk)
        return Response(PlannedServiceSerializer(fresh).data, status=code)


class PlanVersionFilter(IdFilterSet):
    case = IdFilter(field_name="plan__case_id")
    status = django_filters.MultipleChoiceFilter(choices=PlanVersion.Status.choices)

    class Meta:
        model = PlanVersion
        fields = ["case", "status"]


class PlanVersionViewSet(ReleasesMixin, _PlanRecordViewSet):
    """Numbered versions of the plans of visible cases. Staff who may edit the case start and
    submit them; the young person approves in the portal or asks for changes, and staff may
    record an approval given in person."""

    access_log_case_field = "plan.case_id"
    access_log_categories = ("plan",)

    serializer_class = PlanVersionRecordSerializer
    filterset_class = PlanVersionFilter
    release_key = "plan.case_id"

    def get_queryset(self) -> QuerySet[PlanVersion]:
        return with_plan_version_details(visible_plan_versions(viewer=self.viewer))

    def answer_access(self, version: PlanVersion) -> CaseAccess:
        """The young person answers in the portal; staff who may edit the case record an
        answer given in person."""
        try:
            return self.access(version.plan.case_id, Action.APPROVE_PLAN)
        except AccessDenied:
            return self.access(version.plan.case_id, Action.EDIT)

    @extend_schema(request=StartPlanVersionSerializer, responses={201: PlanVersionSerializer})
    def create(self, request: Request) -> Response:
        """Start the next draft version of the case's plan."""
        serializer = StartPlanVersionSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = self.access(data["case"].pk, Action.EDIT)
        version = start_plan_version(
            case=access.case, actor=request.user, summary=data.get("summary", "")
        )
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PlanVersionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Freeze the living plan into this draft and ask the young person to approve it."""
        version = self.get_object()
        self.access(version.plan.case_id, Action.EDIT)
        version = submit_plan_version(version=version, actor=request.user)
        return Response(PlanVersionSerializer(version).data)

    @extend_schema(request=ApprovePlanVersionSerializer, responses=PlanVersionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve this version; the version approved before it is superseded. Staff recording
        an approval given in person say what shows it (``evidence``)."""
        version = self.get_object()
        self.answer_access(version)
        serializer = ApprovePlanVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = approve_plan_version(
            version=version,
            actor=request.user,
            evidence=serializer.validated_data.get("evidence", ""),
        )
        return Response(PlanVersionSerializer(version).data)

    @extend_schema(request=RequestPlanChangesSerializer, responses=PlanVersionSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request: Request, pk: str) -> Response:
        """Send this version back to draft with what should change."""
        version = self.get_object()
        self.answer_access(version)
        serializer = RequestPlanChangesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = request_plan_changes(
            version=version,
            actor=request.user,
            changes_requested=serializer.validated_data["changes_requested"],
        )
        return Response(PlanVersionSerializer(version).data)

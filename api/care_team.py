"""Care teams: who works on which case."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.serializers_cases import CareTeamMemberSerializer
from cases.models import CareTeamMember
from cases.services.care_team import add_care_team_member, end_care_team_membership
from consent.policy import Action, access_case, visible_case_ids, visible_cases


class CareTeamViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Care-team memberships of visible cases, past and current. Supervisors and the primary
    advocate add and end them."""

    access_log_case_field = "case_id"

    serializer_class = CareTeamMemberSerializer
    filterset_fields = ["case", "user", "role"]

    def get_queryset(self) -> QuerySet[CareTeamMember]:
        return CareTeamMember.objects.filter(
            case_id__in=visible_case_ids(viewer=self.viewer)
        ).select_related("user")

    def create(self, request: Request) -> Response:
        serializer = CareTeamMemberSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = access_case(viewer=self.viewer, case_id=data["case"].pk, action=Action.MANAGE_TEAM)
        member = add_care_team_member(
            case=access.case, user=data["user"], role=data["role"], actor=request.user
        )
        return Response(CareTeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CareTeamMemberSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """Take this person off the case from today."""
        member = self.get_object()
        access_case(viewer=self.viewer, case_id=member.case_id, action=Action.MANAGE_TEAM)
        member = end_care_team_membership(member=member, actor=request.user)
        return Response(CareTeamMemberSerializer(member).data)

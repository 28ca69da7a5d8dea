"""The change history of a case, for the care team and supervisors."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.serializers_records import HistoryEntrySerializer
from consent.policy import Action, access_case, readable_case_history


class CaseHistoryViewSet(ViewerMixin, viewsets.ViewSet):
    """Who changed which field of which record of the case, from what to what, and when."""

    @extend_schema(
        parameters=[OpenApiParameter("case_pk", int, OpenApiParameter.PATH)],
        responses=HistoryEntrySerializer(many=True),
    )
    def list(self, request: Request, case_pk: str) -> Response:
        """Every change of the case and its records, newest first (not paginated)."""
        access = access_case(viewer=self.viewer, case_id=int(case_pk), action=Action.VIEW_HISTORY)
        entries = readable_case_history(access=access)
        return Response(HistoryEntrySerializer(entries, many=True).data)

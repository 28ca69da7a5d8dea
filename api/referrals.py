"""Referrals: the lead organization drafts, sends and withdraws them; the receiving organization
accepts or declines, delivers and closes them. The receiver never sees the case or the person,
and once no consent in force covers a referral it sees only the closing record (R13)."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin, request_viewer
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from api.serializers_referrals import (
    CompleteReferralSerializer,
    DeclineReferralSerializer,
    IncomingReferralSerializer,
    MoveNoteSerializer,
    ReferralChangeSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
    RequiredNoteSerializer,
)
from cases.models import PlannedService, Referral
from cases.services import referrals
from consent import disclosures
from consent.policy import (
    Action,
    ReferralRelease,
    access_case,
    access_incoming_referral,
    access_outgoing_referral,
    is_recipient_of,
    note_incoming_referral_reads,
    referral_releases,
    visible_case_ids,
    visible_cases,
    visible_referrals,
)

_ID = ID_PATTERN
# The sending side and the receiving organization see a referral in different shapes; the
# receiver's is the sender's without the case fields, which the schema marks optional (a
# oneOf of the two would match both shapes at once).
REFERRAL_VIEW = ReferralSerializer
REFERRAL_VIEWS = ReferralSerializer(many=True)


class ReferralFilter(IdFilterSet):
    # The case filter only narrows to visible cases, so a receiver cannot probe case ids.
    case = IdFilter(method="filter_case")
    status = django_filters.MultipleChoiceFilter(choices=Referral.Status.choices)
    to_organization = IdFilter(field_name="to_organization_id")
    direction = django_filters.ChoiceFilter(
        choices=[("incoming", "Sent to my organization"), ("outgoing", "Sent by the lead")],
        method="filter_direction",
    )

    class Meta:
        model = Referral
        fields = ["case", "status", "to_organization", "direction"]

    def filter_case(self, queryset: QuerySet[Referral], name: str, value: int) -> QuerySet:
        viewer = request_viewer(self.request)
        return queryset.filter(case_id=value, case_id__in=visible_case_ids(viewer=viewer))

    def filter_direction(self, queryset: QuerySet[Referral], name: str, value: str) -> QuerySet:
        mine = request_viewer(self.request).staff_organizations
        if value == "incoming":
            return queryset.filter(to_organization_id__in=mine)
        return queryset.exclude(to_organization_id__in=mine)


def _with_details(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return queryset.select_related(
        "from_organization", "to_organization", "service_type"
    ).prefetch_related("transitions")


class ReferralViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Referrals of visible cases, and those sent to the viewer's organization. The sender
    (EDIT on the case) drafts, changes, sends and withdraws; the receiver answers."""

    access_log_case_field = "case_id"

    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    lookup_value_regex = _ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Referral]:
        return _with_details(visible_referrals(viewer=self.viewer))

    def _incoming_releases(self, rows: list[Referral]) -> dict[int, ReferralRelease]:
        """What the policy releases of each referral the viewer received (one query)."""
        incoming = [r for r in rows if is_recipient_of(viewer=self.viewer, referral=r)]
        return referral_releases(incoming)

    def _shape_all(self, rows: list[Referral], *, note_reads: str = "") -> list[dict[str, Any]]:
        """Each row in the shape the viewer gets; with ``note_reads``, the receiving
        organization's reads are recorded under that action (a page's list events are
        written by the paginator)."""
        releases = self._incoming_releases(rows)
        if note_reads:
            received = [r for r in rows if r.pk in releases]
            note_incoming_referral_reads(
                viewer=self.viewer, referrals=received, releases=releases, action=note_reads
            )
        context = {"releases": releases}
        return [
            IncomingReferralSerializer(r, context=context).data
            if r.pk in releases
            else ReferralSerializer(r).data
            for r in rows
        ]

    def _respond(self, referral: Referral, code: int = status.HTTP_200_OK) -> Response:
        fresh = _with_details(Referral.objects).get(pk=referral.pk)
        return Response(self._shape_all([fresh], note_reads=self.action or "view")[0], code)

    def _planned_services(self) -> QuerySet[PlannedService]:
        return PlannedService.objects.filter(
            goal__plan__case_id__in=visible_case_ids(viewer=self.viewer)
        )

    @extend_schema(responses=REFERRAL_VIEWS)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._shape_all(list(page)))

    @extend_schema(responses=REFERRAL_VIEW)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._shape_all([self.get_object()], note_reads="view")[0])

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def create(self, request: Request) -> Response:
        """Draft a referral for a case you work on; nothing reaches the recipient until sent."""
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.fields["planned_service"].queryset = self._planned_services()
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = access_case(viewer=self.viewer, case_id=data.pop("case").pk, action=Action.EDIT)
        referral = referrals.create_referral(case=access.case, actor=request.user, **data)
        return self._respond(referral, status.HTTP_201_CREATED)

    @extend_schema(request=ReferralChangeSerializer, responses=ReferralSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change a draft or sent referral; once answered, what was sent stays as it was."""
        referral = access_outgoing_referral(viewer=self.viewer, referral_id=int(pk))
        serializer = ReferralChangeSerializer(data=request.data, partial=True)
        serializer.fields["planned_service"].queryset = self._planned_services()
        serializer.is_valid(raise_exception=True)
        referral = referrals.update_referral(
            referral=referral, actor=request.user, changes=serializer.validated_data
        )
        return self._respond(referral)

    @extend_schema(request=None, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str) -> Response:
        """Send the draft to the receiving organization."""
        referral = access_outgoing_referral(viewer=self.viewer, referral_id=int(pk))
        return self._respond(disclosures.send_referral(referral=referral, actor=request.user))

    @extend_schema(request=MoveNoteSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Take back a sent or accepted referral."""
        referral = access_outgoing_referral(viewer=self.viewer, referral_id=int(pk))
        serializer = MoveNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = referrals.withdraw_referral(
            referral=referral, actor=request.user, note=serializer.validated_data.get("note", "")
        )
        return self._respond(referral)

    @extend_schema(request=MoveNoteSerializer, responses=IncomingReferralSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Take the referral on (receiving organization), only while a consent covers it."""
        referral = access_incoming_referral(viewer=self.viewer, referral_id=int(pk))
        serializer = MoveNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = disclosures.accept_referral(
            referral=referral, actor=request.user, note=serializer.validated_data.get("note", "")
        )
        return self._respond(referral)

    @extend_schema(request=DeclineReferralSerializer, responses=IncomingReferralSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """Decline with a coded reason (receiving organization)."""
        referral = access_incoming_referral(viewer=self.viewer, referral_id=int(pk))
        serializer = DeclineReferralSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = disclosures.decline_referral(
            referral=referral, actor=request.user, **serializer.validated_data
        )
        return self._respond(referral)

    @extend_schema(request=None, responses=IncomingReferralSerializer)
    @action(detail=True, methods=["post"], url_path="start-service")
    def start_service(self, request: Request, pk: str) -> Response:
        """Start delivering the accepted service (receiving organization), only while a
        consent in force covers the referral."""
        referral = access_incoming_referral(viewer=self.viewer, referral_id=int(pk))
        return self._respond(
            disclosures.start_referred_service(referral=referral, actor=request.user)
        )

    @extend_schema(request=CompleteReferralSerializer, responses=IncomingReferralSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """Record that the service was delivered, with an outcome note (receiving organization),
        only while a consent in force covers the referral."""
        referral = access_incoming_referral(viewer=self.viewer, referral_id=int(pk))
        serializer = CompleteReferralSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = disclosures.complete_referral(
            referral=referral, actor=request.user, **serializer.validated_data
        )
        return self._respond(referral)

    @extend_schema(request=RequiredNoteSerializer, responses=IncomingReferralSerializer)
    @action(detail=True, methods=["post"], url_path="close-without-service")
    def close_without_service(self, request: Request, pk: str) -> Response:
        """Close an accepted referral that was not delivered, saying why (receiver)."""
        referral = access_incoming_referral(viewer=self.viewer, referral_id=int(pk))
        serializer = RequiredNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = disclosures.close_referral_without_service(
            referral=referral, actor=request.user, note=serializer.validated_data["note"]
        )
        return self._respond(referral)

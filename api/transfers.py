"""Case transfers: the lead organization offers a case to another organization, whose
supervisors or intake workers accept it (becoming the lead) or decline it."""

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
    AcceptTransferSerializer,
    IncomingTransferSerializer,
    LeadTransferSerializer,
    MoveNoteSerializer,
    TransferCreateSerializer,
    TransferSerializer,
)
from cases.models import CaseTransfer
from cases.services.transfers import cancel_transfer, decline_transfer
from consent.disclosures import accept_case_transfer, request_case_transfer
from consent.offers import transfer_offers
from consent.policy import (
    Action,
    access_case,
    access_incoming_transfer,
    access_outgoing_transfer,
    is_receiver_of,
    visible_case_ids,
    visible_cases,
    visible_transfers,
)

_ID = ID_PATTERN
# The receiving organization sees a transfer without its case or reason, with the offer, until
# it accepts: one documented shape marks them optional (a oneOf of the two would match both).
TRANSFER_VIEW = TransferSerializer
TRANSFER_VIEWS = TransferSerializer(many=True)


class TransferFilter(IdFilterSet):
    # The case filter only narrows to visible cases, so a receiver cannot probe case ids.
    case = IdFilter(method="filter_case")
    status = django_filters.MultipleChoiceFilter(choices=CaseTransfer.Status.choices)
    to_organization = IdFilter(field_name="to_organization_id")

    class Meta:
        model = CaseTransfer
        fields = ["case", "status", "to_organization"]

    def filter_case(self, queryset: QuerySet[CaseTransfer], name: str, value: int) -> QuerySet:
        viewer = request_viewer(self.request)
        return queryset.filter(case_id=value, case_id__in=visible_case_ids(viewer=viewer))


def _with_details(queryset: QuerySet[CaseTransfer]) -> QuerySet[CaseTransfer]:
    return queryset.select_related("from_organization", "to_organization")


class TransferViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Transfers of visible cases, and those offered to an organization where the viewer is a
    supervisor or intake worker."""

    access_log_case_field = "case_id"

    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    lookup_value_regex = _ID

    def get_queryset(self) -> QuerySet[CaseTransfer]:
        return _with_details(visible_transfers(viewer=self.viewer))

    def _shapes(self, transfers: list[CaseTransfer]) -> list[dict[str, Any]]:
        """The lead's shape, or the receiver's with the offer of each transfer still waiting
        (three queries for the page's offers, none when there is no such transfer)."""
        receiving = {t.pk for t in transfers if is_receiver_of(viewer=self.viewer, transfer=t)}
        waiting = {
            t.pk: t.case_id
            for t in transfers
            if t.pk in receiving and t.status == CaseTransfer.Status.REQUESTED
        }
        offers = transfer_offers(waiting.values())
        context = {"offers": {pk: offers[case_id] for pk, case_id in waiting.items()}}
        return [
            IncomingTransferSerializer(t, context=context).data
            if t.pk in receiving
            else LeadTransferSerializer(t).data
            for t in transfers
        ]

    def _respond(self, transfer: CaseTransfer, code: int = status.HTTP_200_OK) -> Response:
        fresh = _with_details(CaseTransfer.objects).get(pk=transfer.pk)
        return Response(self._shapes([fresh])[0], code)

    @extend_schema(responses=TRANSFER_VIEWS)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._shapes(list(page)))

    @extend_schema(responses=TRANSFER_VIEW)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._shapes([self.get_object()])[0])

    @extend_schema(request=TransferCreateSerializer, responses={201: TransferSerializer})
    def create(self, request: Request) -> Response:
        """Offer a case you lead to another organization (care team or supervisor)."""
        serializer = TransferCreateSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = access_case(
            viewer=self.viewer, case_id=data.pop("case").pk, action=Action.TRANSFER
        )
        transfer = request_case_transfer(case=access.case, actor=request.user, **data)
        return self._respond(transfer, status.HTTP_201_CREATED)

    @extend_schema(request=AcceptTransferSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Take over the case with one of your advocates as primary (receiving organization)."""
        transfer = access_incoming_transfer(viewer=self.viewer, transfer_id=int(pk))
        serializer = AcceptTransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = accept_case_transfer(
            transfer=transfer, actor=request.user, **serializer.validated_data
        )
        return self._respond(transfer)

    @extend_schema(request=MoveNoteSerializer, responses=IncomingTransferSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """Decline to take over the case (receiving organization)."""
        transfer = access_incoming_transfer(viewer=self.viewer, transfer_id=int(pk))
        serializer = MoveNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = decline_transfer(
            transfer=transfer, actor=request.user, note=serializer.validated_data.get("note", "")
        )
        return self._respond(transfer)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Take back a transfer request that is not answered yet (sending organization)."""
        transfer = access_outgoing_transfer(viewer=self.viewer, transfer_id=int(pk))
        return self._respond(cancel_transfer(transfer=transfer, actor=request.user))

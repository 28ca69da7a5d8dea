"""Cases: list, open, read, and the case's own transitions (activate, close, reopen)."""

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from api.check_ins import CloseWithCheckInSerializer, answers_from
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from api.release import ReleasesMixin
from api.serializers_cases import (
    CaseDetailSerializer,
    CaseSerializer,
    OpenCaseSerializer,
    ReferralSourceSerializer,
)
from cases.models import Case, Person
from cases.selectors import load_case_summary, load_lead_summaries, with_case_people
from cases.services.intake import open_case
from cases.services.lifecycle import activate_case, reopen_case
from cases.services.system_involvement import set_referral_source
from consent.access_log import with_access_marks
from consent.closing import close_case_and_its_consents
from consent.policy import (
    Action,
    CaseAccess,
    access_case,
    access_case_system_involvement,
    can_open_case_at,
    lead_cases,
    visible_cases,
)


class CaseFilter(IdFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Case.Status.choices)
    opened_after = django_filters.DateFilter(field_name="opened_on", lookup_expr="gte")
    opened_before = django_filters.DateFilter(field_name="opened_on", lookup_expr="lte")
    care_team_member = IdFilter(method="filter_team_member")

    class Meta:
        model = Case
        fields = ["status", "lead_organization"]

    def filter_team_member(self, queryset: QuerySet[Case], name: str, value: int) -> QuerySet[Case]:
        return queryset.filter(care_team__user_id=value, care_team__until__isnull=True)


class CaseViewSet(
    ReleasesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Cases the signed-in user may see: their care team's, their organization's as supervisor,
    or their own as the young person."""

    access_log_case_field = "pk"
    access_log_marked = True  # the list reads the access marks with its page

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    release_key = "pk"
    lookup_value_regex = ID_PATTERN  # the id is converted to an int before the policy reads it

    def get_queryset(self) -> QuerySet[Case]:
        cases = visible_cases(viewer=self.viewer)
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            # The marks read permission ids, which the schema generator has no database for.
            cases = with_access_marks(cases, viewer=self.viewer)
        return with_case_people(cases)

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # The lead's team and flags, only for the cases the viewer leads: a partner sees
        # neither (lead-only fields), so its page costs two queries less.
        releases = self.releases(page)
        led = {case_id for case_id, release in releases.items() if release.is_lead}
        load_lead_summaries(page, lead_case_ids=led)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def access(self, action: Action) -> CaseAccess:
        return access_case(viewer=self.viewer, case_id=int(self.kwargs["pk"]), action=action)

    def _detail(self, access: CaseAccess, status_code: int = status.HTTP_200_OK) -> Response:
        load_case_summary(access.case)
        releases = {access.case.pk: access.release}
        data = CaseDetailSerializer(
            access.case,
            context={"access": access, "releases": releases, "request": self.request},
        ).data
        return Response(data, status=status_code)

    @extend_schema(responses=CaseDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.access(Action.VIEW))

    @extend_schema(request=OpenCaseSerializer, responses={201: CaseDetailSerializer})
    def create(self, request: Request) -> Response:
        serializer = OpenCaseSerializer(data=request.data, context={"request": request})
        # A lead basis, not a consent: a partner that opened its own case for the young person
        # would lead their shared record and see what no consent released (R17, R21).
        serializer.fields["person_id"].queryset = Person.objects.filter(
            cases__in=lead_cases(viewer=self.viewer)
        ).distinct()
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = data["lead_organization"]
        if not can_open_case_at(viewer=self.viewer, organization_id=organization.pk):
            raise PermissionDenied("You can open cases only for an organization you work at.")
        case = open_case(
            actor=request.user,
            lead_organization=organization,
            person_fields=data.get("person"),
            person=data.get("existing_person"),
            primary_advocate=data.get("primary_advocate"),
            opened_on=data.get("opened_on"),
            referral_source=data.get("referral_source", ""),
        )
        return self._detail(self.access_after_write(case), status.HTTP_201_CREATED)

    def access_after_write(self, case: Case) -> CaseAccess:
        return access_case(viewer=self.viewer, case_id=case.pk, action=Action.VIEW)

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        """Mark the case active: the young person is engaged."""
        access = self.access(Action.EDIT)
        activate_case(case=access.case, actor=request.user)
        return self._detail(self.access(Action.VIEW))

    @extend_schema(request=CloseWithCheckInSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close the case with a coded reason, and its closure check-in if one is given (the
        consents in force stay until they expire)."""
        access = self.access(Action.CLOSE)
        serializer = CloseWithCheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        check_in = data.pop("check_in", None)
        close_case_and_its_consents(
            case=access.case,
            actor=request.user,
            **data,
            end_consents=False,
            check_in_answered_by=check_in["answered_by"] if check_in else "",
            check_in=answers_from(check_in) if check_in else None,
        )
        return self._detail(self.access(Action.VIEW))

    @extend_schema(request=ReferralSourceSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="referral-source", url_name="referral-source")
    def referral_source(self, request: Request, pk: str) -> Response:
        """Correct how the young person came: the lead staff's own record (issue 21)."""
        access = access_case_system_involvement(
            viewer=self.viewer, case_id=int(pk), action=Action.EDIT
        )
        serializer = ReferralSourceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        set_referral_source(
            case=access.case,
            actor=request.user,
            referral_source=serializer.validated_data["referral_source"],
        )
        return self._detail(self.access(Action.VIEW))

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Reopen a closed case."""
        access = self.access(Action.CLOSE)
        reopen_case(case=access.case, actor=request.user)
        return self._detail(self.access(Action.VIEW))

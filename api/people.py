"""The young person's record: identity, safe-contact rules and family members."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.serializers_people import (
    FamilyMemberSerializer,
    PersonSerializer,
    SafeContactRuleSerializer,
)
from cases.models import FamilyMember, Person, SafeContactRule
from cases.services.intake import save_family_member, update_person, update_safe_contact
from consent.errors import NotVisible
from consent.policy import Action, access_person, visible_people


class PersonViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Young people whose cases the signed-in user may see."""

    serializer_class = PersonSerializer
    lookup_value_regex = r"[0-9]+"  # the id is converted to an int before the policy reads it

    def get_queryset(self) -> QuerySet[Person]:
        return visible_people(viewer=self.viewer)

    def retrieve(self, request: Request, pk: str) -> Response:
        person = access_person(viewer=self.viewer, person_id=int(pk), action=Action.VIEW)
        return Response(PersonSerializer(person).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        person = access_person(viewer=self.viewer, person_id=int(pk), action=Action.EDIT)
        serializer = PersonSerializer(person, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        person = update_person(person=person, actor=request.user, changes=serializer.validated_data)
        return Response(PersonSerializer(person).data)

    @extend_schema(methods=["get"], responses=SafeContactRuleSerializer)
    @extend_schema(
        methods=["put"], request=SafeContactRuleSerializer, responses=SafeContactRuleSerializer
    )
    @action(detail=True, methods=["get", "put"], url_path="safe-contact")
    def safe_contact(self, request: Request, pk: str) -> Response:
        """How staff may reach the young person. Read it before every contact."""
        wanted = Action.EDIT if request.method == "PUT" else Action.VIEW
        person = access_person(viewer=self.viewer, person_id=int(pk), action=wanted)
        rule, _ = SafeContactRule.objects.get_or_create(person=person)
        if request.method == "GET":
            return Response(SafeContactRuleSerializer(rule).data)
        serializer = SafeContactRuleSerializer(rule, data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = update_safe_contact(
            person=person, actor=request.user, changes=serializer.validated_data
        )
        return Response(SafeContactRuleSerializer(rule).data)


class FamilyMemberViewSet(
    ViewerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Family members of young people the signed-in user may see."""

    serializer_class = FamilyMemberSerializer
    filterset_fields = ["person"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[FamilyMember]:
        return FamilyMember.objects.filter(person__in=visible_people(viewer=self.viewer))

    def get_serializer(self, *args: object, **kwargs: object) -> FamilyMemberSerializer:
        serializer = super().get_serializer(*args, **kwargs)
        if not kwargs.get("many"):
            serializer.fields["person"].queryset = visible_people(viewer=self.viewer)
        return serializer

    def perform_create(self, serializer: FamilyMemberSerializer) -> None:
        person = access_person(
            viewer=self.viewer, person_id=serializer.validated_data["person"].pk, action=Action.EDIT
        )
        values = {k: v for k, v in serializer.validated_data.items() if k != "person"}
        serializer.instance = save_family_member(
            actor=self.request.user, person=person, values=values
        )

    def perform_update(self, serializer: FamilyMemberSerializer) -> None:
        member = serializer.instance
        access_person(viewer=self.viewer, person_id=member.person_id, action=Action.EDIT)
        values = {k: v for k, v in serializer.validated_data.items() if k != "person"}
        if (
            "person" in serializer.validated_data
            and serializer.validated_data["person"] != member.person
        ):
            raise NotVisible("A family member cannot be moved to another young person.")
        serializer.instance = save_family_member(
            actor=self.request.user, member=member, values=values
        )

"""The young person's record: identity, safe-contact rules and family members."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.versions import StaleVersion, unchanged_since
from api.conditional import IF_MATCH, StaleRecord, VersionedRecordMixin, if_match, set_etag
from api.fields import ID_PATTERN
from api.release import ReleasesMixin
from api.serializers_people import (
    FamilyMemberRecordSerializer,
    FamilyMemberSerializer,
    PersonRecordSerializer,
    PersonSerializer,
    SafeContactRecordSerializer,
    SafeContactRuleSerializer,
)
from cases.categories import DataCategory
from cases.models import FamilyMember, Person, SafeContactRule
from cases.services.intake import save_family_member, update_person, update_safe_contact
from consent.errors import NotVisible
from consent.policy import Action, access_person, visible_family_members, visible_people


class PersonViewSet(
    VersionedRecordMixin,
    ReleasesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Young people whose identity the signed-in user may see: on a lead basis, or released
    to their organization by a consent."""

    serializer_class = PersonRecordSerializer
    versioned_model = Person
    release_scope = "person"
    release_key = "pk"
    access_log_person_field = "pk"
    access_log_categories = ("identity",)
    lookup_value_regex = ID_PATTERN  # the id is converted to an int before the policy reads it

    def get_queryset(self) -> QuerySet[Person]:
        return visible_people(viewer=self.viewer)

    def retrieve(self, request: Request, pk: str) -> Response:
        person = access_person(viewer=self.viewer, person_id=int(pk), action=Action.VIEW)
        return Response(self.get_serializer(person).data)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request: Request, pk: str) -> Response:
        person = access_person(viewer=self.viewer, person_id=int(pk), action=Action.EDIT)
        serializer = PersonSerializer(person, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        person = update_person(person=person, actor=request.user, changes=serializer.validated_data)
        return Response(PersonSerializer(person).data)

    # A partner reads the record through its release (no confirmed_by): document that shape.
    @extend_schema(methods=["get"], responses=SafeContactRecordSerializer)
    @extend_schema(
        methods=["put"],
        request=SafeContactRuleSerializer,
        responses=SafeContactRuleSerializer,
        parameters=[IF_MATCH],
    )
    # The action's own serializer: anything that asks the view for it (a renderer, a schema
    # generator) must not get the person's serializer and feed it a safe-contact rule.
    @action(
        detail=True,
        methods=["get", "put"],
        url_path="safe-contact",
        serializer_class=SafeContactRecordSerializer,
    )
    def safe_contact(self, request: Request, pk: str) -> Response:
        """How staff may reach the young person. Read it before every contact."""
        wanted = Action.EDIT if request.method == "PUT" else Action.VIEW
        person = access_person(
            viewer=self.viewer, person_id=int(pk), action=wanted, category=DataCategory.CONTACT
        )
        rule, _ = SafeContactRule.objects.get_or_create(person=person)
        if request.method == "GET":
            context = self.release_context([person])
            return set_etag(Response(SafeContactRecordSerializer(rule, context=context).data), rule)
        serializer = SafeContactRuleSerializer(rule, data=request.data)
        serializer.is_valid(raise_exception=True)
        # R44: a channel the young person ruled out never comes back from a stale copy.
        try:
            with unchanged_since(SafeContactRule.objects.filter(pk=rule.pk), if_match(request)):
                rule = update_safe_contact(
                    person=person, actor=request.user, changes=serializer.validated_data
                )
        except StaleVersion as exc:
            raise StaleRecord from exc
        return set_etag(
            Response(SafeContactRuleSerializer(rule).data), rule.__class__.objects.get(pk=rule.pk)
        )


@extend_schema_view(partial_update=extend_schema(parameters=[IF_MATCH]))
class FamilyMemberViewSet(
    VersionedRecordMixin,
    ReleasesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Family members of young people the signed-in user may see."""

    serializer_class = FamilyMemberRecordSerializer
    versioned_model = FamilyMember
    filterset_fields = ["person"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    release_scope = "person"
    release_key = "person_id"
    access_log_person_field = "person_id"
    access_log_categories = ("family",)

    def get_queryset(self) -> QuerySet[FamilyMember]:
        return visible_family_members(viewer=self.viewer)

    def get_serializer(self, *args: object, **kwargs: object) -> FamilyMemberSerializer:
        if self.request.method not in ("GET", "HEAD") and "data" in kwargs:
            serializer = FamilyMemberSerializer(*args, **kwargs)
        else:
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

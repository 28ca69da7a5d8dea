"""Organizations of the network, the service taxonomy, memberships, and the signed-in user."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ViewerMixin, request_viewer
from consent.policy import (
    can_manage_memberships,
    visible_membership_changes,
    visible_memberships,
)
from providers.models import (
    PRIVACY_CONTACT_FIELDS,
    Membership,
    MembershipChange,
    Organization,
    ServiceType,
)
from providers.services import add_membership, set_membership_active, update_directory_entry


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "is_active",
            "service_area",
            "names_staff_to_young_people",
            "closed_case_retention_days",
            *PRIVACY_CONTACT_FIELDS,
        ]
        read_only_fields = ["id", "name", "kind", "is_active", "service_area"]


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name", "description"]


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "email",
            "full_name",
            "organization",
            "role",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class AddMembershipSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_active=True)
    )
    email = serializers.EmailField()
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class OrganizationViewSet(ViewerMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Active member organizations: public to every signed-in user (no case data here). Its
    admins choose whether young people's access logs name their staff, how long closed
    cases keep identifying data (R35), and the privacy contact its consent receipts name (R39;
    a blank field means the installation's)."""

    serializer_class = OrganizationSerializer
    queryset = Organization.objects.filter(is_active=True)
    filterset_fields = ["kind"]
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer: OrganizationSerializer) -> None:
        if not can_manage_memberships(viewer=self.viewer, organization_id=serializer.instance.pk):
            raise PermissionDenied("Only the organization's admins change its settings.")
        organization = serializer.instance
        data = serializer.validated_data
        serializer.instance = update_directory_entry(
            organization=organization,
            name=organization.name,
            kind=organization.kind,
            service_area=organization.service_area,
            names_staff_to_young_people=data.get(
                "names_staff_to_young_people", organization.names_staff_to_young_people
            ),
            closed_case_retention_days=data.get("closed_case_retention_days"),
            privacy_contact={k: v for k, v in data.items() if k in PRIVACY_CONTACT_FIELDS},
            actor=self.request.user,
        )


class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The shared service taxonomy."""

    serializer_class = ServiceTypeSerializer
    queryset = ServiceType.objects.filter(is_active=True)


class MembershipViewSet(
    ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your own roles, and the staff of organizations you administer or supervise.
    Organization admins add, suspend and restore roles."""

    serializer_class = MembershipSerializer
    filterset_fields = ["organization", "role", "is_active"]

    def get_queryset(self) -> QuerySet[Membership]:
        return visible_memberships(viewer=self.viewer).select_related("user")

    def _require_admin(self, organization_id: int) -> None:
        if not can_manage_memberships(viewer=self.viewer, organization_id=organization_id):
            raise PermissionDenied("Only an admin of this organization manages its memberships.")

    @extend_schema(request=AddMembershipSerializer, responses={201: MembershipSerializer})
    def create(self, request: Request) -> Response:
        serializer = AddMembershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self._require_admin(data["organization"].pk)
        membership = add_membership(**data, actor=request.user)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        """Suspend this role now; access that depends on it ends at once."""
        membership = self.get_object()
        self._require_admin(membership.organization_id)
        return Response(
            MembershipSerializer(
                set_membership_active(membership=membership, active=False, actor=request.user)
            ).data
        )

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        """Restore a suspended role."""
        membership = self.get_object()
        self._require_admin(membership.organization_id)
        return Response(
            MembershipSerializer(
                set_membership_active(membership=membership, active=True, actor=request.user)
            ).data
        )


class MembershipChangeSerializer(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", read_only=True, default=None)
    member_email = serializers.EmailField(source="member.email", read_only=True)

    class Meta:
        model = MembershipChange
        fields = [
            "id",
            "organization",
            "actor",
            "actor_email",
            "member",
            "member_email",
            "action",
            "from_role",
            "to_role",
            "from_active",
            "to_active",
            "at",
        ]
        read_only_fields = fields


class MembershipChangeViewSet(ViewerMixin, viewsets.ReadOnlyModelViewSet):
    """Every role given, suspended, restored or changed at organizations you administer or
    supervise, newest first: who did it, to whom, from what to what, when. Append-only; a null
    ``actor`` is the site operator."""

    serializer_class = MembershipChangeSerializer
    filterset_fields = ["organization", "action"]

    def get_queryset(self) -> QuerySet[MembershipChange]:
        return visible_membership_changes(viewer=self.viewer).select_related("actor", "member")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    preferred_language = serializers.CharField()
    roles = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    person = serializers.IntegerField(allow_null=True)


class MeView(APIView):
    """Who you are signed in as, your roles per organization and your portal record, if any."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        viewer = request_viewer(request)
        user = request.user
        return Response(
            {
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "preferred_language": user.preferred_language,
                "roles": {str(org): sorted(roles) for org, roles in viewer.roles.items()},
                "person": viewer.person_id,
            }
        )

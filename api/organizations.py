"""Organizations of the network, the service taxonomy, memberships, and the signed-in user."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
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
    can_operate_site,
    visible_membership_changes,
    visible_memberships,
    visible_organization_changes,
)
from providers.models import (
    PRIVACY_CONTACT_FIELDS,
    Membership,
    MembershipChange,
    Organization,
    ServiceType,
)
from providers.operating import change_organization, open_organization
from providers.organization_changes import OrganizationChange
from providers.services import add_membership, set_membership_active, update_directory_entry


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "is_active",
            "leads_cases",
            "service_area",
            "names_staff_to_young_people",
            "collects_sexual_orientation",
            "closed_case_retention_days",
            *PRIVACY_CONTACT_FIELDS,
        ]
        read_only_fields = ["id", "service_area"]


class NewOrganizationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    leads_cases = serializers.BooleanField(
        default=True,
        help_text="False: the organization only receives referrals and never leads a case.",
    )


# Who may change what (issue 17): the site operator runs the organization's place in the
# network; its admins run its own settings. Both may rename it, as its directory entry does.
OPERATOR_FIELDS = frozenset({"name", "kind", "leads_cases", "is_active"})
ADMIN_FIELDS = frozenset(
    {
        "name",
        "kind",
        "names_staff_to_young_people",
        "collects_sexual_orientation",
        "closed_case_retention_days",
        *PRIVACY_CONTACT_FIELDS,
    }
)


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
    """Member organizations: the active ones are public to every signed-in user (no case data
    here); the site operator also sees deactivated ones. The site operator creates
    organizations, renames them, says whether each leads cases or only receives referrals, and
    deactivates or reactivates them. Its admins choose whether young people's access logs name
    their staff, whether intake asks sexual orientation (issue 21, off by default, never
    required), how long closed cases keep identifying data (R35), and the privacy contact its
    consent receipts name (R39; a blank field means the installation's). Every change of name,
    kind, leading cases or status is recorded (``/api/v1/organization-changes/``)."""

    serializer_class = OrganizationSerializer
    filterset_fields = ["kind", "leads_cases", "is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _is_operator(self) -> bool:
        return can_operate_site(viewer=self.viewer, user=self.request.user)

    def get_queryset(self) -> QuerySet[Organization]:
        if self._is_operator():
            return Organization.objects.all()
        return Organization.objects.filter(is_active=True)

    @extend_schema(request=NewOrganizationSerializer, responses={201: OrganizationSerializer})
    def create(self, request: Request) -> Response:
        """Site operator only: a new member organization. Invite its first admin next
        (``POST /api/v1/invitations/`` with role ``org_admin``)."""
        if not self._is_operator():
            raise PermissionDenied("Only the site operator creates organizations.")
        serializer = NewOrganizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = open_organization(**serializer.validated_data, actor=request.user)
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: OrganizationSerializer) -> None:
        organization = serializer.instance
        data = serializer.validated_data
        if self._is_operator():
            self._refuse_fields(data, OPERATOR_FIELDS, _("the site operator"))
            serializer.instance = change_organization(
                organization=organization, actor=self.request.user, **data
            )
            return
        if not can_manage_memberships(viewer=self.viewer, organization_id=organization.pk):
            raise PermissionDenied("Only the organization's admins change its settings.")
        self._refuse_fields(data, ADMIN_FIELDS, _("an organization's admins"))
        serializer.instance = update_directory_entry(
            organization=organization,
            name=data.get("name", organization.name),
            kind=data.get("kind", organization.kind),
            service_area=organization.service_area,
            names_staff_to_young_people=data.get(
                "names_staff_to_young_people", organization.names_staff_to_young_people
            ),
            closed_case_retention_days=data.get("closed_case_retention_days"),
            privacy_contact={k: v for k, v in data.items() if k in PRIVACY_CONTACT_FIELDS},
            actor=self.request.user,
            collects_sexual_orientation=data.get("collects_sexual_orientation"),
        )

    @staticmethod
    def _refuse_fields(data: dict, allowed: frozenset[str], who: str) -> None:
        refused = sorted(set(data) - allowed)
        if refused:
            raise PermissionDenied(
                _("These fields are not changed by %(who)s: %(fields)s.")
                % {"who": who, "fields": ", ".join(refused)}
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


class OrganizationChangeSerializer(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", read_only=True, default=None)

    class Meta:
        model = OrganizationChange
        fields = ["id", "organization", "actor", "actor_email", "action", "before", "after", "at"]
        read_only_fields = fields


class OrganizationChangeViewSet(ViewerMixin, viewsets.ReadOnlyModelViewSet):
    """Every organization created, renamed, re-kinded, switched between leading cases and only
    receiving referrals, deactivated or reactivated, newest first: what, from what to what, by
    whom, when. The site operator reads all of them; an organization's admins read their own.
    A null ``actor`` is a management command."""

    serializer_class = OrganizationChangeSerializer
    filterset_fields = ["organization", "action"]

    def get_queryset(self) -> QuerySet[OrganizationChange]:
        return visible_organization_changes(
            viewer=self.viewer, user=self.request.user
        ).select_related("actor")


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

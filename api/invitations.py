"""Invitations for staff (issue 17): org admins invite people to their organization, the site
operator invites an organization's admins; the invited person accepts with a password.

The link's token is never shown here: only its e-mail carries it. Every decision of who may
invite, see, resend or cancel is the access policy's (consent/policy.py); inviting, resending,
cancelling and accepting are providers/inviting.py's.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import two_factor
from api.access import ViewerMixin
from consent.policy import (
    can_invite,
    invitable_organizations,
    may_send_invitations,
    viewer_for,
    visible_invitations,
)
from providers.invitations import Invitation
from providers.inviting import (
    accept_invitation,
    cancel_invitation,
    invite_member,
    resend_invitation,
)
from providers.models import Membership, Organization


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = [
            "id",
            "organization",
            "email",
            "full_name",
            "role",
            "created_at",
            "expires_at",
            "invited_by",
        ]
        read_only_fields = fields


class InviteSerializer(serializers.Serializer):
    # Bounded by the viewer in the view: an organization they may not invite to answers as a
    # missing one.
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class InvitedSerializer(serializers.Serializer):
    """What inviting did: a link sent (``invitation``), or, for someone who already signs in to
    Harbor, the role given at once (``membership``); the other is null."""

    invitation = InvitationSerializer(allow_null=True)
    membership = serializers.IntegerField(allow_null=True)


class InvitationViewSet(
    ViewerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Pending invitations of organizations you administer (for the site operator: pending
    invitations of organizations' admins). Org admins invite people to any role at their
    organization; the site operator invites the first admin of an organization that has none.
    Resending ends the old link and sends a new one; cancelling ends it."""

    serializer_class = InvitationSerializer
    filterset_fields = ["organization", "role"]

    def get_queryset(self) -> QuerySet[Invitation]:
        return visible_invitations(viewer=self.viewer, user=self.request.user).order_by("-pk")

    @extend_schema(request=InviteSerializer, responses={201: InvitedSerializer})
    def create(self, request: Request) -> Response:
        viewer, user = self.viewer, request.user
        if not may_send_invitations(viewer=viewer, user=user):
            raise PermissionDenied(
                _("Only an organization's admins, or the site operator for its admins, invite.")
            )
        serializer = InviteSerializer(data=request.data)
        serializer.fields["organization"].queryset = invitable_organizations(
            viewer=viewer, user=user
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not can_invite(
            viewer=viewer, user=user, organization_id=data["organization"].pk, role=data["role"]
        ):
            raise PermissionDenied(
                _(
                    "The site operator invites an organization's first admin only; its admins "
                    "invite everyone else."
                )
            )
        invited = invite_member(
            organization=data["organization"],
            email=data["email"],
            full_name=data.get("full_name", ""),
            role=data["role"],
            actor=user,
        )
        body = {
            "invitation": (
                InvitationSerializer(invited.invitation).data if invited.invitation else None
            ),
            "membership": invited.membership.pk if invited.membership else None,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str) -> Response:
        """Send a new link; the old one stops working. The new invitation has a new id."""
        invitation = resend_invitation(invitation=self.get_object())
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """End the link now; the person cannot accept it."""
        cancel_invitation(invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcceptInvitationSerializer(serializers.Serializer):
    token = serializers.CharField(
        label=_("Invitation token"),
        max_length=128,
        help_text=_("The last part of the link in the invitation e-mail."),
    )
    password = serializers.CharField(
        label=_("Password"),
        max_length=4096,
        style={"input_type": "password"},
        trim_whitespace=False,
    )


class InvitationAcceptView(APIView):
    """Accept an invitation: choose a password for the invited address. Staff then set up
    two-step sign-in (``/api/v1/auth/two-factor/``) and sign in (``/api/v1/auth/token/``)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = AcceptInvitationSerializer

    @extend_schema(
        request=AcceptInvitationSerializer,
        responses={
            200: inline_serializer(
                "AcceptedInvitation",
                {
                    "email": serializers.EmailField(),
                    "two_factor_required": serializers.BooleanField(),
                    "two_factor_set_up": serializers.BooleanField(),
                },
            )
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = AcceptInvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = accept_invitation(token=data["token"], password=data["password"])
        return Response(
            {
                "email": user.email,
                "two_factor_required": two_factor.must_use_second_factor(
                    user, viewer_for(user).roles
                ),
                "two_factor_set_up": two_factor.has_confirmed_device(user),
            }
        )

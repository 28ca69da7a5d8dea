"""The young person's portal login through the API (R42), by the same rules as the pages.

The care team sees whether the young person has a login and when they last signed in (never
what they did), gives a new one-time code, or ends portal access; the young person turns the
code into their own login. Who may is the policy's ``Action.MANAGE_PORTAL`` (anyone else gets
the answer of a missing case), and the policy records every look and change; the code's rules
are ``cases.services.portal_access``'s. The code is in the answer that made it, once: Harbor
never sends it anywhere (R28).
"""

from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ViewerMixin
from cases.models import Person
from cases.services.portal_access import (
    WRONG_CODE,
    end_portal_access,
    find_code,
    issue_portal_code,
    portal_status,
    redeem_portal_code,
)
from consent.access_log import note_portal_activation
from consent.errors import AccessDenied, NotVisible
from consent.policy import Action, CaseAccess, Viewer, access_case

CASE_PK = OpenApiParameter("case_pk", int, OpenApiParameter.PATH)


class PortalStatusSerializer(serializers.Serializer):
    has_login = serializers.BooleanField(
        help_text=_("Whether the young person can sign in to their portal.")
    )
    last_sign_in = serializers.DateTimeField(
        allow_null=True, help_text=_("When they last signed in; never what they did.")
    )
    code_waiting = serializers.BooleanField(help_text=_("Whether a code is waiting to be used."))
    code_expires_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Until when the waiting code works.")
    )


class IssuedCodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "The one-time code, in this answer only: hand it over in person or over a channel "
            "the safe-contact rule allows. Harbor never sends it."
        )
    )
    expires_at = serializers.DateTimeField()


def access_portal(*, viewer: Viewer, case_id: int) -> CaseAccess:
    """The case, for someone who may give or end its young person's portal access; for anyone
    else the answer of a missing case (the policy records the refusal)."""
    try:
        return access_case(viewer=viewer, case_id=case_id, action=Action.MANAGE_PORTAL)
    except AccessDenied as exc:
        raise NotVisible("No such case.") from exc


def _status(person: Person) -> dict:
    found = portal_status(person=person)
    return {
        "has_login": found.has_login,
        "last_sign_in": found.last_sign_in,
        "code_waiting": found.open_code_expires_at is not None,
        "code_expires_at": found.open_code_expires_at,
    }


class PortalAccessView(ViewerMixin, APIView):
    """Portal access of the case's young person: for the care team only."""

    access_log_case_field = "case_pk"

    @extend_schema(parameters=[CASE_PK], responses=PortalStatusSerializer)
    def get(self, request: Request, case_pk: str) -> Response:
        """Whether the young person has a login, when they last signed in, and whether a code is
        waiting and until when."""
        case = access_portal(viewer=self.viewer, case_id=int(case_pk)).case
        return Response(PortalStatusSerializer(_status(case.person)).data)

    @extend_schema(parameters=[CASE_PK], request=None, responses={201: IssuedCodeSerializer})
    def post(self, request: Request, case_pk: str) -> Response:
        """A new one-time code, returned in this answer only. It ends the old code, the young
        person's password and every session and token they have."""
        case = access_portal(viewer=self.viewer, case_id=int(case_pk)).case
        issued = issue_portal_code(person=case.person, actor=request.user)
        body = IssuedCodeSerializer({"code": issued.code, "expires_at": issued.expires_at}).data
        response = Response(body, status=status.HTTP_201_CREATED)
        add_never_cache_headers(response)
        return response


class EndPortalAccessView(ViewerMixin, APIView):
    """End the young person's portal access: for the care team only."""

    access_log_case_field = "case_pk"

    @extend_schema(parameters=[CASE_PK], request=None, responses=PortalStatusSerializer)
    def post(self, request: Request, case_pk: str) -> Response:
        """No code works any more, the password is gone, every session and token ends, and the
        login cannot sign in until a new code is given."""
        case = access_portal(viewer=self.viewer, case_id=int(case_pk)).case
        end_portal_access(person=case.person)
        return Response(PortalStatusSerializer(_status(case.person)).data)


class ActivateSerializer(serializers.Serializer):
    code = serializers.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Like ABCD-EFGH-JKMN. Spaces and dashes do not matter."),
    )
    sign_in_name = serializers.CharField(
        label=_("Choose a sign-in name"),
        max_length=40,
        help_text=_("3 to 40 letters or digits. Not your real name, if you prefer."),
    )
    password = serializers.CharField(
        label=_("Password"),
        max_length=4096,
        style={"input_type": "password"},
        trim_whitespace=False,
    )


class ActivatedSerializer(serializers.Serializer):
    sign_in_name = serializers.CharField()


@method_decorator(sensitive_post_parameters("code", "password"), name="dispatch")
class PortalActivateView(APIView):
    """A young person turns the code their advocate gave into their own login: a sign-in name
    and password of their choosing (no e-mail needed). Then they ask ``/api/v1/auth/token/``
    for a token with that sign-in name. A wrong, used, expired or locked code gets one answer;
    five wrong tries lock a code."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = ActivateSerializer

    @extend_schema(request=ActivateSerializer, responses=ActivatedSerializer, auth=[])
    def post(self, request: Request) -> Response:
        serializer = ActivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        match = find_code(data["code"])
        activation = match.found
        if activation is None:
            if match.wrong_try_for is not None:
                note_portal_activation(person_id=match.wrong_try_for, user_id=None, allowed=False)
            raise ValidationError({"code": [WRONG_CODE]})
        user = redeem_portal_code(
            activation=activation, sign_in_name=data["sign_in_name"], password=data["password"]
        )
        note_portal_activation(person_id=activation.person_id, user_id=user.pk, allowed=True)
        response = Response(ActivatedSerializer({"sign_in_name": user.sign_in_name}).data)
        add_never_cache_headers(response)
        return response
